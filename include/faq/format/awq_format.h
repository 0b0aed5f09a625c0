// The AWQ "GEMM" checkpoint layout (AutoAWQ WQLinear_GEMM, as vLLM and transformers load it),
// 4-bit with zero points, no act-order (docs/formats/awq.md):
//   P.qweight int32 [K, N/8]   codes packed along N (not transposed: rows are input columns)
//   P.qzeros  int32 [G, N/8]   zero points, stored as they are (no −1), packed the same way
//   P.scales  fp16  [G, N]
// Packing interleave: output columns n = 8c + j of one word c hold nibble AWQ_ORDER⁻¹[j]:
// word = OR_i value[8c + kAwqOrder[i]] << 4i with kAwqOrder = {0, 2, 4, 6, 1, 3, 5, 7}.
// Dequantization: W[n, k] = scales[k / gs, n] · (q[k, n] − zeros[k / gs, n]).
#pragma once

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "faq/io/safetensors.h"

namespace faq {

// values int [R, N] in [0, 15], N % 8 == 0 → int32 [R, N/8] in AWQ's interleaved order.
at::Tensor PackAwq(const at::Tensor& values);
// int32 [R, N/8] → int32 [R, N].
at::Tensor UnpackAwq(const at::Tensor& packed);

struct AwqCheckpointConfig {
  int bits = 4;
  int64_t group_size = 128;  // -1: one group over all of K
};

// The AWQ settings of a config.json (`quantization_config` with quant_method "awq"); nullopt
// when the model is not AWQ-quantized. Throws faq::Error, prefixed by `label`, for bits other
// than 4, zero_point false, or a version other than "gemm".
std::optional<AwqCheckpointConfig> ReadAwqConfig(const nlohmann::json& model_config, std::string_view label);

// Dequantizes `prefix`.{qweight, qzeros, scales} into fp32 [out_features, in_features],
// checking every shape.
at::Tensor DequantizeAwqWeight(const SafetensorsReader& reader, const std::string& prefix,
                               const AwqCheckpointConfig& config, int64_t out_features, int64_t in_features);

}  // namespace faq
