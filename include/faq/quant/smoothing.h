// Folding a per-channel smoothing scale into a linear group: the group's linears take s on
// their input columns and the tensor their input comes from takes 1/s (a norm's entries, or
// a linear's output rows and bias), so the full-precision layer computes the same function.
// What every smoothing transform (AWQ, SmoothQuant-style methods) applies once it has chosen s.
#pragma once

#include <ATen/core/Tensor.h>

#include "faq/quant/method.h"

namespace faq {

// `s` fp32 [K] > 0. Assigns new tensors (never writes into the group's), in their own dtypes.
void FoldSmoothingScale(GroupTensors& group, const at::Tensor& s);

}  // namespace faq
