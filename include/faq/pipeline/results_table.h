// The pipeline's results table: per quantization run and eval set, the perplexity of full
// precision, base (raw-seed calibration) and FAQ calibration, and the relative error
// recovery RER = (FAQ − base) / (fp − base), the share of the quantization loss that the
// FAQ set recovers.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>

#include "faq/pipeline/pipeline_config.h"
#include "faq/pipeline/run_manifest.h"

namespace faq {

// A cell whose result was measured on other inputs or options than the config's now
// (after --from/--until ran part of a changed pipeline).
inline constexpr char kStaleCell[] = "stale";

// The name of the step that evaluates `model` ("fp" or "<run>-<calibration>") on `data`.
std::string EvalStepName(const std::string& model, const std::string& data);

// The table rows {run, data, fp, <calibration>...}: a cell is the eval step's perplexity
// when `is_current(step)` says its stored result belongs to the present config and inputs,
// "stale" when it does not, null when the step has no result.
nlohmann::json ResultsTable(const PipelineConfig& config, const RunManifest& manifest,
                            const std::function<bool(const std::string&)>& is_current);

// RER = (FAQ − base) / (fp − base), a fraction: 1 when calibrating on the FAQ set recovers
// all the perplexity that base calibration loses to quantization, 0 none, negative when FAQ
// is worse than base. None when a cell is not a perplexity (missing or stale) or base
// equals fp (no loss to recover).
std::optional<double> RelativeErrorRecovery(const nlohmann::json& fp, const nlohmann::json& base,
                                            const nlohmann::json& faq);

// The table as Markdown (`–` for a missing cell or an RER that cannot be computed).
std::string ResultsMarkdown(const nlohmann::json& results);

}  // namespace faq
