// SetUpThreads: the granted CPUs, the load, and the one restart for passive waiting.
#include "cli/thread_setup.h"

#include <ATen/Parallel.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "faq/util/cpu_grant.h"
#include "faq/util/error.h"
#include "faq/util/thread_plan.h"

namespace faq::cli {
namespace {

std::string QuotaText(std::optional<double> quota) {
  return quota ? fmt::format("cgroup quota {:.2f} CPUs", *quota) : std::string("no cgroup CPU quota");
}

}  // namespace

void SetUpThreads(int requested, char** argv) {
  const bool restarted = TakePassiveWaitMarker();
  ThreadRequest request;
  request.requested = requested;
  request.omp_num_threads = ParseOmpNumThreads(std::getenv("OMP_NUM_THREADS"));
  std::optional<double> quota;
  try {
    quota = CgroupCpuQuota();
  } catch (const Error& e) {
    spdlog::warn("CPU quota unknown, using the affinity mask: {}", e.what());
  }
  request.granted = GrantedCpuCount(AffinityCpuCount(), quota);
  try {
    request.runnable = RunnableTaskCount();
  } catch (const Error& e) {
    // Without /proc/stat the load is unknown: plan as on free CPUs rather than fail the command.
    spdlog::debug("{}", e.what());
  }
  request.wait_policy_chosen = restarted || std::getenv("OMP_WAIT_POLICY") != nullptr;
  const ThreadPlan plan = PlanThreads(request);

  if (plan.passive_wait && !restarted) {
    spdlog::debug("{} threads on {} free CPUs: restarting with OMP_WAIT_POLICY=PASSIVE", plan.threads, plan.free_cpus);
    const std::string why = RestartWithPassiveWait(argv);
    spdlog::warn("could not restart with passive OpenMP waiting ({}); threads spin on busy CPUs", why);
  }
  const std::string grant = fmt::format("{} granted CPUs (affinity {}, {})", request.granted, AffinityCpuCount(),
                                        QuotaText(quota));
  if (plan.oversubscribed) spdlog::warn("{} threads on {}: they will take turns", plan.threads, grant);
  if (restarted) {
    spdlog::info("{} threads, {} of {} granted CPUs busy with other work: OpenMP waits passively", plan.threads,
                 request.granted - plan.free_cpus, request.granted);
  }
  spdlog::debug("{} tensor threads on {}", plan.threads, grant);
  at::set_num_threads(plan.threads);
}

}  // namespace faq::cli
