// Test environment helpers.
#include "support/test_env.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <random>

#include "faq/util/atomic_file.h"

namespace faq::testing {
namespace {

// The environment variable, or the default the build compiled in.
std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

}  // namespace

std::filesystem::path SharedDir() {
  std::string dir = Env("FAQ_SHARED_DIR", FAQ_DEFAULT_SHARED_DIR);
  if (!std::filesystem::is_directory(dir)) {
    ADD_FAILURE() << "shared data folder '" << dir << "' not found (set FAQ_SHARED_DIR)";
  }
  return dir;
}

std::string PythonPath() { return Env("FAQ_PYTHON", FAQ_DEFAULT_PYTHON); }

std::string FaqBinary() {
  return Env("FAQ_BIN", FAQ_DEFAULT_BIN);
}

std::filesystem::path SourceDir() {
  return Env("FAQ_SOURCE_DIR", FAQ_DEFAULT_SOURCE_DIR);
}

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() / ("faq-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

CommandResult Run(const std::vector<std::string>& argv) {
  TempDir scratch;
  auto out_path = scratch / "stdout";
  auto err_path = scratch / "stderr";
  pid_t pid = ::fork();
  if (pid == 0) {
    FILE* o = std::freopen(out_path.c_str(), "w", stdout);
    FILE* e = std::freopen(err_path.c_str(), "w", stderr);
    (void)o;
    (void)e;
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::perror("execvp");
    std::_Exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = ReadFile(out_path);
  r.err = ReadFile(err_path);
  return r;
}

std::string LastLine(const std::string& text) {
  size_t end = text.find_last_not_of("\r\n");
  if (end == std::string::npos) return "";
  size_t begin = text.rfind('\n', end);
  return text.substr(begin == std::string::npos ? 0 : begin + 1, end - (begin == std::string::npos ? 0 : begin + 1) + 1);
}

}  // namespace faq::testing
