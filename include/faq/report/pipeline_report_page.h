// The report page of a `faq pipeline` run: its results table (fp, base and FAQ perplexity per
// quantization run and eval set), the RER of each row as bars, the time of every step, and
// the calibration sets' statistics when a `faq stats` run of them is given.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace faq {

// `results`: the run's results.json. `stats`: a stats.json of the run's calibration sets, or
// null; `stats_command`, shown when it is null, is the command that would make one.
std::string PipelineReportHtml(const nlohmann::json& results, const nlohmann::json& stats,
                               const std::string& stats_command);

}  // namespace faq
