// Reading GPTQ checkpoints back: the `quantization_config` of config.json and the
// dequantized weight of one quantized linear (layout in faq/format/gptq_format.h).
#pragma once

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "faq/io/safetensors.h"

namespace faq {

struct GptqCheckpointConfig {
  int bits = 4;
  int64_t group_size = 128;  // -1: one group over all of K
  bool sym = true;
  bool desc_act = false;
  bool v1 = true;  // stored zero = zero − 1 ("gptq"); false for "gptq_v2"
};

// The GPTQ settings of a model's config.json (`quantization_config`, or the same block
// under `text_config`); nullopt for an unquantized model. Throws faq::Error, prefixed by
// `label`, for another quantization method, an unknown checkpoint_format, bits outside
// {2, 3, 4, 8}, or per-module `dynamic` overrides (not supported).
std::optional<GptqCheckpointConfig> ReadGptqConfig(const nlohmann::json& model_config, std::string_view label);

// Whether `reader` holds the GPTQ tensors of linear `prefix` (its name without ".weight").
bool HasGptqWeight(const SafetensorsReader& reader, const std::string& prefix);

// Dequantizes `prefix`.{qweight, qzeros, scales, g_idx} into fp32 [out_features, in_features],
// checking every shape against the layer and `config` (g_idx may be absent, meaning
// k / group_size, as vLLM assumes).
at::Tensor DequantizeGptqWeight(const SafetensorsReader& reader, const std::string& prefix,
                                const GptqCheckpointConfig& config, int64_t out_features, int64_t in_features);

// W[n, k] = s[g, n] · (q[n, k] − z[g, n]) with g = idx[k], in fp32 [N, K]: codes q [N, K],
// zero points z and scales s [G, N], idx int64 [K] (shared by the packed layouts faq reads).
at::Tensor DequantizeGroupedCodes(const at::Tensor& q, const at::Tensor& z, const at::Tensor& s,
                                  const at::Tensor& idx);

}  // namespace faq
