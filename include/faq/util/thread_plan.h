// How many threads tensor work runs on, and whether they must wait passively.
//
// OpenMP worker threads (LibTorch's, MKL's) spin for a while at every barrier before they
// sleep. On free cores that saves a wake-up; on cores shared with other busy processes
// the spinning threads steal the time slices the working ones need, and a 1.4 s
// evaluation takes 20 s. The wait policy is read once, when the OpenMP runtime loads, so a
// process that finds its cores busy starts itself again with OMP_WAIT_POLICY=PASSIVE.
#pragma once

#include <optional>
#include <string>

namespace faq {

struct ThreadRequest {
  int requested = 0;                   // --threads; 0: the default below
  std::optional<int> omp_num_threads;  // OMP_NUM_THREADS, when it starts with a positive integer
  int granted = 1;                     // GrantedCpuCount()
  int runnable = 1;                    // RunnableTaskCount(): this process's thread included
  bool wait_policy_chosen = false;     // the user set OMP_WAIT_POLICY: theirs to decide
};

struct ThreadPlan {
  int threads = 1;            // --threads, else OMP_NUM_THREADS, else the granted CPUs
  int free_cpus = 1;          // granted CPUs not taken by other runnable tasks
  bool oversubscribed = false;  // more threads than granted CPUs
  bool passive_wait = false;  // more than one thread and more threads than free CPUs
};

ThreadPlan PlanThreads(const ThreadRequest& request);

// OMP_NUM_THREADS's first number ("4" or "4,2" for nested levels); nullopt when unset or not
// a positive integer.
std::optional<int> ParseOmpNumThreads(const char* value);

// The environment variable marking a process that faq started again for passive waiting.
inline constexpr const char* kPassiveWaitMarker = "FAQ_PASSIVE_WAIT_RESTARTED";

// True in a process started by RestartWithPassiveWait. It then removes the marker and the
// wait settings from its environment: the runtime has read them already, and the
// processes it starts (pipeline stages, servers) look at the load they meet themselves.
bool TakePassiveWaitMarker();

// Replaces this process by `argv` of the same executable with OMP_WAIT_POLICY=PASSIVE and
// KMP_BLOCKTIME=0 (Intel's runtime) and the marker set, so it happens at most once. Returns
// only when exec fails, with the environment restored and a description of the failure.
std::string RestartWithPassiveWait(char** argv);

}  // namespace faq
