// y = x·Wᵀ (+ b) for the few rows a decode step has.
#pragma once

#include <ATen/core/Tensor.h>

#include <optional>

namespace faq {

// Rows up to which ModelLinear takes the streaming kernel: a decode step over the serving
// batch. Above it the GEMM library's blocked kernels win.
inline constexpr int64_t kSkinnyRows = 16;

// at::linear(x, weight, bias), except that fp32 host inputs of at most kSkinnyRows rows on a
// CPU with AVX2 and FMA, with no gradient to record, take a kernel that streams the weight once for all rows. The GEMM
// library re-reads the weight per small block of rows and ran a decode step of 8 rows at about
// a third of the memory bandwidth (SmolLM2: 120 ms of linears per step where reading the
// weights takes about 40). Each output element is one dot product in a fixed order, so a row's
// result does not depend on which other rows share the call.
at::Tensor ModelLinear(const at::Tensor& x, const at::Tensor& weight, const std::optional<at::Tensor>& bias);

// Whether ModelLinear would take the streaming kernel for these inputs (tests and benchmarks).
bool TakesSkinnyKernel(const at::Tensor& x, const at::Tensor& weight);

}  // namespace faq
