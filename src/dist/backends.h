// The c10d backends, each created in its own translation unit so that Gloo's and NCCL's
// headers stay there.
#pragma once

#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

#include <chrono>

namespace faq::dist {

c10::intrusive_ptr<c10d::Backend> CreateGlooBackend(const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                                    int world_size, std::chrono::milliseconds timeout);

// Throws faq::Error when faq was built without NCCL (no CUDA torch or no nccl.h).
c10::intrusive_ptr<c10d::Backend> CreateNcclBackend(const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                                    int world_size, std::chrono::milliseconds timeout);

}  // namespace faq::dist
