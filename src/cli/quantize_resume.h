// What makes two `faq quantize` runs the same run, for its resume work directory.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>

#include "faq/quant/calibration.h"
#include "faq/quant/quantize_options.h"

namespace faq::cli {

// --work-dir, or `<out>.faq-work` beside --out.
std::filesystem::path WorkDirOf(const QuantizeParams& p);

// Everything a quantized layer depends on: the model's files, the calibration tokens, every
// option that changes numbers (all but where files go, memory placement and the export
// format, which is applied after the layers) and the module rules.
nlohmann::json QuantizeFingerprint(const QuantizeParams& p, const CalibrationSet& calib);

}  // namespace faq::cli
