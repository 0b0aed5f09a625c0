// Reading llm-compressor's default output, compressed-tensors "pack-quantized" (the layout
// vLLM's compressed_tensors_wNa16 scheme loads; spec §3). Per quantized linear P:
//   P.weight_packed     int32 [N, K·b/32]  signed codes + 2^(b−1), packed LSB first along K
//                                          (the GPTQ qweight transposed)
//   P.weight_scale      float [N, G]       G = K / group_size ("group"), 1 ("channel")
//   P.weight_zero_point int32 [N·b/32, G]  asymmetric only; signed zeros + 2^(b−1), packed along N
//   P.weight_g_idx      int32 [K]          act-order only: the group of each input column
//   P.weight_shape      int   [2]          the original [N, K]
// Dequantization: W[n, k] = scale[n, g] · (q[n, k] − zero[g, n]) with g = g_idx[k].
#pragma once

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "faq/io/safetensors.h"

namespace faq {

struct CompressedTensorsConfig {
  int bits = 4;
  int64_t group_size = 128;  // -1: one group over all of K ("channel")
  bool sym = true;
};

// The weight scheme of a config.json whose quantization_config.quant_method is
// "compressed-tensors"; nullopt for any other (or no) quantization_config. Throws faq::Error,
// prefixed by `label`, naming the field, for what faq does not read: a format other than
// "pack-quantized", activation quantization, several weight schemes, strategies other than
// group/channel, non-integer types, bits outside {2, 4, 8}.
std::optional<CompressedTensorsConfig> ReadCompressedTensorsConfig(const nlohmann::json& model_config,
                                                                   std::string_view label);

// Whether `reader` holds the packed tensors of linear `prefix` (its name without ".weight").
bool HasCompressedTensorsWeight(const SafetensorsReader& reader, const std::string& prefix);

// Dequantizes `prefix`.weight_{packed, scale, zero_point, g_idx} into fp32
// [out_features, in_features], checking every shape and dtype against the layer and `config`.
at::Tensor DequantizeCompressedTensorsWeight(const SafetensorsReader& reader, const std::string& prefix,
                                             const CompressedTensorsConfig& config, int64_t out_features,
                                             int64_t in_features);

}  // namespace faq
