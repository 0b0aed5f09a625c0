// Reading faq's SpQR checkpoints back (docs/formats/spqr.md): the quantization_config of
// config.json and the dequantized weight of one quantized linear.
#pragma once

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "faq/format/spqr_format.h"
#include "faq/io/safetensors.h"

namespace faq {

// The SpQR layout of a config.json (`quantization_config` with quant_method "spqr", or the
// same block under `text_config`); nullopt when the model is not SpQR-quantized. Throws
// faq::Error, prefixed by `label`, for a missing or mistyped bits, group_size, stat_bits or
// stat_group_size, or bits the packing cannot hold.
std::optional<SpqrLayout> ReadSpqrConfig(const nlohmann::json& model_config, std::string_view label);

// Dequantizes the SpQR tensors of `prefix` (outliers included) into fp32 [out_features,
// in_features], checking every shape and dtype against the layer and `layout`.
at::Tensor DequantizeSpqrWeight(const SafetensorsReader& reader, const std::string& prefix, const SpqrLayout& layout,
                                int64_t out_features, int64_t in_features);

}  // namespace faq
