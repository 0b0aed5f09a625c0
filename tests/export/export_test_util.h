// Shared fixtures of the export tests: a tiny random model and a plain round-to-nearest
// quantizer (per-group min/max), written here so the tests do not depend on faq's solvers.
#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <map>
#include <string>

#include "faq/format/quantized_linear.h"

namespace faq::testing {

// Writes a tiny Qwen3 (hidden 64, intermediate 128, head_dim 32: every dim a multiple of 32).
void WriteTinyQwen3(const std::filesystem::path& dir, at::ScalarType storage = at::kFloat,
                    uint64_t max_shard_bytes = 4ull << 30, int64_t hidden = 64);

// RTN of w [N, K] with the given group assignment g_idx [K] (int32, groups 0..G-1).
QuantizedLinear RtnQuantize(const at::Tensor& w, const QuantScheme& scheme, const at::Tensor& g_idx);

// Quantizes every linear of every layer of the model in `dir`. With scheme.act_order the
// groups follow a random column permutation shared by the linears vLLM fuses (q/k/v,
// gate/up), as GPTQ's act-order produces.
std::map<std::string, QuantizedLinear> QuantizeAll(const std::filesystem::path& dir, const QuantScheme& scheme,
                                                   uint64_t seed = 1);

// Every decoder linear's weight as faq loads the model in `dir` (fp32), by full HF name
// without ".weight".
std::map<std::string, at::Tensor> LoadedLinears(const std::filesystem::path& dir);

// The same linear with its scales rounded to fp16 (what a GPTQ checkpoint stores).
QuantizedLinear WithHalfScales(const QuantizedLinear& l);

}  // namespace faq::testing
