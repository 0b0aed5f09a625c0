// Where the calibration activations of the layer loop live: on the model's device, in host
// memory (pinned when a GPU reads it), or in a file the kernel pages in and out
// (`--offload-dir`) when they would not fit.
#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <vector>

namespace faq {

struct ActivationPlacement {
  at::ScalarType dtype = at::kFloat;
  at::Device device = at::kCPU;     // where the tensor lives
  bool pinned = false;              // host memory a GPU copies from (page-locked)
  std::filesystem::path offload_dir;  // host: back the tensor by a file in this directory
};

// An uninitialised tensor of `shape` placed as asked. A file-backed tensor is a shared
// mapping of a temporary file that is removed at once (nothing is left after a crash).
at::Tensor AllocateActivations(const std::vector<int64_t>& shape, const ActivationPlacement& where);

}  // namespace faq
