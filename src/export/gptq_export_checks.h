// Internal to the exporter: validating the quantized linears against the source checkpoint
// and building config.json's quantization_config.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "faq/export/gptq_checkpoint.h"
#include "faq/io/safetensors.h"
#include "faq/format/quantized_linear.h"

namespace faq::export_detail {

// Checks every linear (see WriteQuantizedCheckpoint) and returns the one scheme they share.
// `packed` adds the constraints of the GPTQ layout (divisibility, fp16 scales).
QuantScheme ValidateLinears(const std::map<std::string, QuantizedLinear>& linears, const SafetensorsReader& source,
                            bool packed);

// Whether some linear's g_idx is not the natural k / group_size, i.e. the checkpoint needs
// the act-order kernel path (desc_act: true).
bool NeedsActOrder(const std::map<std::string, QuantizedLinear>& linears);

// The quantization_config block (spec §1.5) for `scheme`, with the keys of `extra` added.
nlohmann::ordered_json BuildQuantizationConfig(const QuantScheme& scheme, bool desc_act, bool v1,
                                               const nlohmann::json& extra, const std::string& producer);

// Adds `extra`'s keys to `q`: keys in `layout_keys` (which describe the stored tensors) may
// repeat q's value but not contradict it; `meta` is merged.
void MergeExtraConfig(nlohmann::ordered_json& q, const nlohmann::json& extra,
                      std::initializer_list<std::string_view> layout_keys);

// AWQ GEMM (docs/formats/awq.md): 4 bits, natural group order, N % 8 == 0 for every linear.
void CheckAwqLinears(const std::map<std::string, QuantizedLinear>& linears);
// The AWQ quantization_config; `not_converted` lists the linears kept in full precision.
nlohmann::ordered_json BuildAwqQuantizationConfig(const QuantScheme& scheme, const std::vector<std::string>& not_converted,
                                                  const nlohmann::json& extra, const std::string& producer);

}  // namespace faq::export_detail
