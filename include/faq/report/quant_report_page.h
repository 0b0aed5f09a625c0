// The report page of a `faq quantize` run, from its quant_report.json (one row per linear:
// output loss, round-to-nearest's loss on the same inputs, solve time).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace faq {

// Throws faq::Error naming the row and field when `rows` is not a quant_report.json.
std::string QuantReportHtml(const nlohmann::json& rows, const std::string& source);

}  // namespace faq
