// The process group of a data-parallel run: LibTorch's c10d (a TCPStore for rendezvous,
// Gloo on CPUs, NCCL on GPUs). A default-constructed Communicator is a world of one whose
// collectives do nothing, so callers never branch on "distributed or not".
#pragma once

#include <ATen/core/Tensor.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "faq/dist/launch_env.h"

namespace faq::dist {

enum class Backend { kGloo, kNccl };

// "gloo" / "nccl"; throws faq::UsageError for anything else.
Backend ParseBackend(std::string_view name);
std::string_view BackendName(Backend backend);

struct CommunicatorOptions {
  // nullopt: NCCL when `device` is CUDA, Gloo otherwise.
  std::optional<Backend> backend;
  std::chrono::milliseconds timeout = std::chrono::minutes(10);
  bool cuda = false;  // the run computes on cuda:LOCAL_RANK
};

class Communicator {
 public:
  Communicator();  // a world of one
  ~Communicator();
  Communicator(Communicator&&) noexcept;
  Communicator& operator=(Communicator&&) noexcept;

  // Joins the group described by `env`: connects to (rank 0: serves) the store at
  // MASTER_ADDR:MASTER_PORT and creates the backend. Every rank must call it; throws
  // faq::Error when the peers do not all arrive within the timeout.
  static Communicator Join(const LaunchEnv& env, const CommunicatorOptions& options);

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  bool is_root() const { return rank_ == 0; }
  bool distributed() const { return world_size_ > 1; }
  std::chrono::milliseconds timeout() const { return timeout_; }
  std::string_view backend_name() const;

  // In place on every rank. `what` names the data in errors ("eval ppl NLL sums").
  // A peer that died or did not answer within the timeout throws faq::Error naming the
  // rank(s) that did not reach the same point, with c10d's own message.
  void AllReduceSum(at::Tensor& tensor, std::string_view what) const;
  void Broadcast(at::Tensor& tensor, int root, std::string_view what) const;
  void Barrier(std::string_view what) const;

 private:
  struct Group;
  std::unique_ptr<Group> group_;
  int rank_ = 0;
  int world_size_ = 1;
  std::chrono::milliseconds timeout_ = std::chrono::minutes(10);
};

// The calling process's group: a world of one unless torchrun's variables are set.
Communicator JoinFromEnvironment(const CommunicatorOptions& options);

}  // namespace faq::dist
