// Rotary position embeddings as Hugging Face computes them (rotate-half, fp32 tables).
#pragma once

#include <ATen/core/Tensor.h>

#include "faq/model/model_config.h"

namespace faq {

// Inverse frequencies [head_dim/2] in fp32, with `rope_scaling` applied (linear, llama3).
at::Tensor RopeInverseFrequencies(const ModelConfig& config);

// cos and sin tables [B, T, head_dim] (fp32) for integer `positions` [B, T].
struct RopeTables {
  at::Tensor cos;
  at::Tensor sin;
};
RopeTables ComputeRope(const at::Tensor& inv_freq, const at::Tensor& positions);

// x [B, heads, T, head_dim] rotated by the tables (broadcast over heads).
at::Tensor ApplyRope(const at::Tensor& x, const RopeTables& rope);

}  // namespace faq
