// Where the calibration activations of the layer loop live: in memory, or in a file the
// kernel pages in and out (`--offload-dir`) when they would not fit.
#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <vector>

namespace faq {

// An fp32 tensor of `shape`: plain memory when `offload_dir` is empty, otherwise backed by
// a shared mapping of a temporary file in that directory (removed when the tensor dies).
at::Tensor AllocateActivations(const std::vector<int64_t>& shape, const std::filesystem::path& offload_dir);

}  // namespace faq
