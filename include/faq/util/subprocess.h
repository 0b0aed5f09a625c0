// Child processes for orchestration (`faq pipeline` runs each stage as `faq <command>` and
// `faq serve` as a background server). No shell: argv is passed as is.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace faq {

// The path of the running executable (/proc/self/exe), to start faq's own subcommands.
std::string SelfExecutable();

struct ProcessOutput {
  int exit_code = 0;        // the exit status, or 128 + signal number
  std::string stdout_text;  // stderr is inherited: the child's logs reach the user as they happen
};

// Runs argv to completion, capturing stdout.
ProcessOutput RunProcess(const std::vector<std::string>& argv);

// A long-running child (a server) whose stdout is read line by line; terminated with
// SIGTERM (then SIGKILL after a grace period) when destroyed.
class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& argv);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The next line the child writes on stdout; throws faq::Error if it exits or stays
  // silent past `timeout`.
  std::string ReadLine(std::chrono::seconds timeout);
  void Terminate(std::chrono::seconds grace = std::chrono::seconds(10));
  pid_t pid() const { return pid_; }

 private:
  std::string command_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffered_;
};

}  // namespace faq
