// AddDistFlags / JoinProcessGroup.
#include "cli/dist_flags.h"

#include "faq/util/error.h"

namespace faq::cli {

void AddDistFlags(CLI::App* cmd, DistParams& params) {
  params.backend_option =
      cmd->add_option("--backend", params.backend,
                      "Process group under torchrun: gloo (CPU tensors) or nccl (GPU); default nccl with "
                      "--device cuda, else gloo")
          ->check(CLI::IsMember({"gloo", "nccl"}));
  params.timeout_option =
      cmd->add_option("--dist-timeout", params.timeout_s,
                      "Seconds a rank waits for the others (joining, each collective) before failing with the "
                      "ranks that did not answer")
          ->capture_default_str()
          ->check(CLI::Range(int64_t{1}, int64_t{7 * 24 * 3600}));
}

dist::Communicator JoinProcessGroup(const DistParams& params, bool cuda) {
  std::optional<dist::LaunchEnv> env = dist::ReadLaunchEnv();
  if (!env) {
    for (const CLI::Option* o : {params.backend_option, params.timeout_option}) {
      if (o != nullptr && o->count() > 0) {
        throw UsageError(fmt::format("{} applies only to a run launched by torchrun (RANK, WORLD_SIZE, ... unset)",
                                     o->get_name()));
      }
    }
    return dist::Communicator();
  }
  dist::CommunicatorOptions o;
  if (!params.backend.empty()) o.backend = dist::ParseBackend(params.backend);
  o.timeout = std::chrono::seconds(params.timeout_s);
  o.cuda = cuda;
  return dist::Communicator::Join(*env, o);
}

c10::Device ResolveRankDevice(const std::string& spec) {
  const c10::Device device = ResolveDevice(spec);
  std::optional<dist::LaunchEnv> env = dist::ReadLaunchEnv();
  if (env && device.is_cuda() && (spec == "cuda" || spec == "auto")) {
    return ResolveDevice(fmt::format("cuda:{}", env->local_rank));
  }
  return device;
}

}  // namespace faq::cli
