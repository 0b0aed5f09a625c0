// The one exception type that crosses faq's boundaries, and the process exit codes.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace faq {

// Exit codes of the `faq` binary (documented in README.md and `faq --help`).
enum ExitCode : int {
  kExitOk = 0,
  kExitRuntimeError = 1,  // bad input file, failed request, numerical failure...
  kExitUsage = 2,         // bad command line
};

// A failure a user can cause or act on. The message names the object (file, tensor,
// field), what was expected and what was found. Caught once, in `main`.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// A command line that cannot be acted on (exit code 2).
class UsageError : public Error {
 public:
  using Error::Error;
};

template <typename... Args>
[[noreturn]] void Fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace faq

// An internal invariant: failing it is a bug in faq, not in the user's input.
#define FAQ_CHECK(cond, ...)                                                       \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      throw ::faq::Error(fmt::format("internal error at {}:{}: check '{}' failed: {}", \
                                     __FILE__, __LINE__, #cond,                    \
                                     fmt::format(__VA_ARGS__)));                   \
    }                                                                              \
  } while (0)
