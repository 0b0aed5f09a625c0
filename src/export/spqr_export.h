// Internal to the exporter: which linears a format can hold, and the SpQR quantization_config.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>

#include "faq/export/gptq_checkpoint.h"
#include "faq/format/spqr_format.h"

namespace faq::export_detail {

// SpQR parts (outliers, bilevel stats) fit only kSpqr and kFake, and kSpqr holds nothing else:
// throws faq::Error naming the first linear that does not fit `format`.
void CheckFormatHolds(const std::map<std::string, QuantizedLinear>& linears, ExportOptions::Format format);

// The one SpQR layout all linears share (config.json holds one); faq::Error otherwise.
SpqrLayout CommonSpqrLayout(const std::map<std::string, QuantizedLinear>& linears);

// The SpQR quantization_config (docs/formats/spqr.md) with the keys of `extra` added;
// avg_bits and outlier_count are set after the tensors are written.
nlohmann::ordered_json BuildSpqrQuantizationConfig(const SpqrLayout& layout, bool desc_act,
                                                   const nlohmann::json& extra, const std::string& producer);

}  // namespace faq::export_detail
