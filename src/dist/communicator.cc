// Communicator: a c10d store and backend behind faq's three collectives, with c10d's
// failures turned into faq::Error naming the ranks that did not answer.
#include "faq/dist/communicator.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/Types.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "faq/util/error.h"
#include "backends.h"

namespace faq::dist {

struct Communicator::Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::Backend> backend;
  Backend kind = Backend::kGloo;
  std::string address;  // MASTER_ADDR:MASTER_PORT, for messages
};

namespace {

// Keys under faq's own prefix: torchrun's agent keeps its keys in the same store.
constexpr const char* kStorePrefix = "faq";
// After a failed collective, how long a rank waits for the others to report theirs.
constexpr std::chrono::seconds kCensusGrace(5);

std::string FailedKey(int rank) { return fmt::format("failed/{}", rank); }

// Every surviving rank records its failure in the store, then waits briefly for the
// others: the ranks that never record one are the ones that died or stalled. c10d itself
// only names a peer's socket address.
std::string RanksThatDidNotAnswer(c10d::Store& store, int self, int world_size, std::chrono::milliseconds timeout,
                                  const std::string& address) {
  try {
    const std::string mark = "1";
    store.set(FailedKey(self), std::vector<uint8_t>(mark.begin(), mark.end()));
    const auto deadline = std::chrono::steady_clock::now() + std::min<std::chrono::milliseconds>(timeout, kCensusGrace);
    std::vector<int> silent;
    do {
      silent.clear();
      for (int r = 0; r < world_size; ++r) {
        if (r != self && !store.check({FailedKey(r)})) silent.push_back(r);
      }
      if (silent.empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } while (std::chrono::steady_clock::now() < deadline);
    if (silent.empty()) return "every rank reported the failure (a peer lost its connection)";
    return fmt::format("rank{} {} did not answer (died or stalled)", silent.size() > 1 ? "s" : "",
                       fmt::join(silent, ", "));
  } catch (const std::exception&) {
    return fmt::format("rank 0 did not answer (the store it hosts at {} is gone)", address);
  }
}

c10::intrusive_ptr<c10d::Store> ConnectStore(const LaunchEnv& env, std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions o;
  o.port = env.master_port;
  o.isServer = env.rank == 0 && !env.agent_hosts_store;
  if (o.isServer) o.numWorkers = static_cast<size_t>(env.world_size);
  o.waitWorkers = false;  // the backend's own rendezvous waits for everyone, with the timeout
  o.timeout = timeout;
  auto tcp = c10::make_intrusive<c10d::TCPStore>(env.master_addr, o);
  return c10::make_intrusive<c10d::PrefixStore>(kStorePrefix, tcp);
}

}  // namespace

Backend ParseBackend(std::string_view name) {
  if (name == "gloo") return Backend::kGloo;
  if (name == "nccl") return Backend::kNccl;
  throw UsageError(fmt::format("--backend '{}': expected gloo or nccl", name));
}

std::string_view BackendName(Backend backend) { return backend == Backend::kNccl ? "nccl" : "gloo"; }

Communicator::Communicator() = default;
Communicator::~Communicator() = default;
Communicator::Communicator(Communicator&&) noexcept = default;
Communicator& Communicator::operator=(Communicator&&) noexcept = default;

std::string_view Communicator::backend_name() const { return group_ ? BackendName(group_->kind) : "none"; }

Communicator Communicator::Join(const LaunchEnv& env, const CommunicatorOptions& options) {
  Communicator c;
  c.rank_ = env.rank;
  c.world_size_ = env.world_size;
  c.timeout_ = options.timeout;
  if (env.world_size == 1) return c;
  auto group = std::make_unique<Group>();
  group->kind = options.backend.value_or(options.cuda ? Backend::kNccl : Backend::kGloo);
  group->address = fmt::format("{}:{}", env.master_addr, env.master_port);
  if (group->kind == Backend::kNccl && !options.cuda) {
    throw UsageError("--backend nccl needs --device cuda (NCCL reduces GPU tensors)");
  }
  try {
    group->store = ConnectStore(env, options.timeout);
    group->backend = group->kind == Backend::kNccl
                         ? CreateNcclBackend(group->store, env.rank, env.world_size, options.timeout)
                         : CreateGlooBackend(group->store, env.rank, env.world_size, options.timeout);
  } catch (const c10::Error& e) {
    Fail("rank {} of {}: could not join the {} process group at {} within {} s: {}", env.rank, env.world_size,
         BackendName(group->kind), group->address, options.timeout.count() / 1000, e.what_without_backtrace());
  } catch (const std::exception& e) {
    Fail("rank {} of {}: could not join the {} process group at {} within {} s: {}", env.rank, env.world_size,
         BackendName(group->kind), group->address, options.timeout.count() / 1000, e.what());
  }
  spdlog::info("rank {} of {} joined the {} process group at {} (timeout {} s)", env.rank, env.world_size,
               BackendName(group->kind), group->address, options.timeout.count() / 1000);
  c.group_ = std::move(group);
  return c;
}

namespace {

template <typename Start>
void RunCollective(c10d::Store& store, int rank, int world_size, std::chrono::milliseconds timeout,
                   const std::string& address, std::string_view op, std::string_view what, int64_t bytes,
                   Start start) {
  const auto begin = std::chrono::steady_clock::now();
  try {
    c10::intrusive_ptr<c10d::Work> work = start();
    work->wait(timeout);
    // The time includes waiting for the slowest rank: what the run pays for communicating.
    spdlog::debug("{} of {}: {} bytes, {:.2f} ms", op, what, bytes,
                  std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count());
  } catch (const c10::Error& e) {
    Fail("rank {} of {}: {} of {} failed: {}. c10d said: {}", rank, world_size, op, what,
         RanksThatDidNotAnswer(store, rank, world_size, timeout, address), e.what_without_backtrace());
  } catch (const std::exception& e) {  // Gloo's own exceptions (a peer's closed socket) pass through c10d
    Fail("rank {} of {}: {} of {} failed: {}. c10d said: {}", rank, world_size, op, what,
         RanksThatDidNotAnswer(store, rank, world_size, timeout, address), e.what());
  }
}

}  // namespace

void Communicator::AllReduceSum(at::Tensor& tensor, std::string_view what) const {
  if (!group_) return;
  std::vector<at::Tensor> tensors{tensor};
  RunCollective(*group_->store, rank_, world_size_, timeout_, group_->address, "all-reduce", what, tensor.nbytes(), [&] {
    c10d::AllreduceOptions o;
    o.reduceOp = c10d::ReduceOp::SUM;
    o.timeout = timeout_;
    return group_->backend->allreduce(tensors, o);
  });
}

void Communicator::Broadcast(at::Tensor& tensor, int root, std::string_view what) const {
  if (!group_) return;
  std::vector<at::Tensor> tensors{tensor};
  RunCollective(*group_->store, rank_, world_size_, timeout_, group_->address, "broadcast", what, tensor.nbytes(), [&] {
    c10d::BroadcastOptions o;
    o.rootRank = root;
    o.timeout = timeout_;
    return group_->backend->broadcast(tensors, o);
  });
}

void Communicator::Barrier(std::string_view what) const {
  if (!group_) return;
  RunCollective(*group_->store, rank_, world_size_, timeout_, group_->address, "barrier", what, 0, [&] {
    c10d::BarrierOptions o;
    o.timeout = timeout_;
    return group_->backend->barrier(o);
  });
}

Communicator JoinFromEnvironment(const CommunicatorOptions& options) {
  std::optional<LaunchEnv> env = ReadLaunchEnv();
  if (!env) return Communicator();
  return Communicator::Join(*env, options);
}

}  // namespace faq::dist
