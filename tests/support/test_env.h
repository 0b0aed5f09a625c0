// What tests need from their environment: ../shared, the venv Python, the faq binary,
// scratch directories and running commands.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "faq/util/error.h"

namespace faq::testing {

// ../shared (FAQ_SHARED_DIR). Tests that need it fail loudly when it is missing.
std::filesystem::path SharedDir();
// The venv Python with the reference packages (FAQ_PYTHON); empty if unset.
std::string PythonPath();
// build/faq (FAQ_BIN).
std::string FaqBinary();
// The source tree (FAQ_SOURCE_DIR).
std::filesystem::path SourceDir();

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs argv (no shell) and captures stdout and stderr.
CommandResult Run(const std::vector<std::string>& argv);

// The last non-empty line of `text`.
std::string LastLine(const std::string& text);

// The message of the faq::Error that `f()` throws, or "(no error)".
template <typename F>
std::string ErrorOf(F&& f) {
  try {
    f();
  } catch (const faq::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace faq::testing
