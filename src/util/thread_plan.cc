// PlanThreads and the one restart that makes OpenMP wait passively.
#include "faq/util/thread_plan.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "faq/util/subprocess.h"

namespace faq {
namespace {

// What the restart sets; removed again in the restarted process.
constexpr const char* kWaitSettings[][2] = {{"OMP_WAIT_POLICY", "PASSIVE"}, {"KMP_BLOCKTIME", "0"}};

void UnsetWaitSettings() {
  for (const auto& [name, value] : kWaitSettings) ::unsetenv(name);
  ::unsetenv(kPassiveWaitMarker);
}

}  // namespace

ThreadPlan PlanThreads(const ThreadRequest& r) {
  ThreadPlan plan;
  plan.threads = r.requested > 0 ? r.requested : r.omp_num_threads.value_or(r.granted);
  const int others = std::max(0, r.runnable - 1);
  plan.free_cpus = std::max(0, r.granted - others);
  plan.oversubscribed = plan.threads > r.granted;
  plan.passive_wait = !r.wait_policy_chosen && plan.threads > 1 && plan.threads > plan.free_cpus;
  return plan;
}

std::optional<int> ParseOmpNumThreads(const char* value) {
  if (value == nullptr) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  long n = std::strtol(value, &end, 10);
  if (end == value || errno != 0 || n <= 0 || n > (1 << 20) || (*end != '\0' && *end != ',')) return std::nullopt;
  return static_cast<int>(n);
}

bool TakePassiveWaitMarker() {
  if (std::getenv(kPassiveWaitMarker) == nullptr) return false;
  UnsetWaitSettings();
  return true;
}

std::string RestartWithPassiveWait(char** argv) {
  for (const auto& [name, value] : kWaitSettings) ::setenv(name, value, 1);
  ::setenv(kPassiveWaitMarker, "1", 1);
  std::string self;
  try {
    self = SelfExecutable();
  } catch (const std::exception& e) {
    UnsetWaitSettings();
    return e.what();
  }
  ::execv(self.c_str(), argv);
  std::string why = "exec " + self + ": " + std::strerror(errno);
  UnsetWaitSettings();
  return why;
}

}  // namespace faq
