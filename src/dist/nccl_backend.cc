// CreateNcclBackend: c10d's ProcessGroupNCCL. Compiled only when the LibTorch build has
// CUDA and nccl.h is found (FAQ_WITH_NCCL); the only file that sees NCCL's headers.
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>

#include "backends.h"

namespace faq::dist {

c10::intrusive_ptr<c10d::Backend> CreateNcclBackend(const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                                    int world_size, std::chrono::milliseconds timeout) {
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, world_size, options);
}

}  // namespace faq::dist
