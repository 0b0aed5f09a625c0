#include "faq/pipeline/results_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace faq {
namespace {

std::string Cell(const nlohmann::json& v) {
  if (v.is_number()) return fmt::format("{:.3f}", v.get<double>());
  if (v.is_string()) return v.get<std::string>();
  return "–";
}

}  // namespace

std::string EvalStepName(const std::string& model, const std::string& data) { return "eval/" + model + "/" + data; }

nlohmann::json ResultsTable(const PipelineConfig& config, const RunManifest& manifest,
                            const std::function<bool(const std::string&)>& is_current) {
  nlohmann::json table = nlohmann::json::array();
  for (const auto& [data_name, data] : config.eval_data) {
    // Init-captures, not the binding itself: clang before 16 cannot capture structured bindings.
    const auto ppl = [&manifest, &is_current, &set = data_name](const std::string& model) -> nlohmann::json {
      const std::string step = EvalStepName(model, set);
      const auto& r = manifest.Result(step);
      if (!r.is_object() || !r.contains("ppl")) return nullptr;
      return is_current(step) ? r["ppl"] : nlohmann::json(kStaleCell);
    };
    for (const auto& q : config.quantize_runs) {
      nlohmann::json row{{"run", q.name}, {"data", data_name}, {"fp", ppl("fp")}};
      for (const auto& calib : config.calibrations) row[calib] = ppl(q.name + "-" + calib);
      table.push_back(row);
    }
  }
  return table;
}

std::optional<double> RelativeErrorRecovery(const nlohmann::json& fp, const nlohmann::json& base,
                                            const nlohmann::json& faq) {
  if (!fp.is_number() || !base.is_number() || !faq.is_number()) return std::nullopt;
  const double loss = fp.get<double>() - base.get<double>();
  if (loss == 0.0) return std::nullopt;
  return (faq.get<double>() - base.get<double>()) / loss;
}

std::string ResultsMarkdown(const nlohmann::json& results) {
  // Calibration sets given as files get a column each, after RER, so the first columns keep
  // their places for the scripts that read them (tools/results_rows.awk).
  std::vector<std::string> extra;
  for (const auto& row : results.at("table"))
    for (const auto& [key, value] : row.items())
      if (key != "run" && key != "data" && key != "fp" && key != "base" && key != "faq" &&
          std::find(extra.begin(), extra.end(), key) == extra.end())
        extra.push_back(key);
  std::string md = "| quantization | eval set | fp | base | FAQ | RER |";
  for (const auto& name : extra) md += " " + name + " |";
  md += "\n|---|---|---|---|---|---|";
  for (size_t i = 0; i < extra.size(); ++i) md += "---|";
  md += "\n";
  for (const auto& row : results.at("table")) {
    const nlohmann::json fp = row.value("fp", nlohmann::json()), base = row.value("base", nlohmann::json()),
                         faq = row.value("faq", nlohmann::json());
    const std::optional<double> rer = RelativeErrorRecovery(fp, base, faq);
    md += fmt::format("| {} | {} | {} | {} | {} | {} |", row["run"].get<std::string>(), row["data"].get<std::string>(),
                      Cell(fp), Cell(base), Cell(faq), rer ? fmt::format("{:+.1f}%", 100.0 * *rer) : "–");
    for (const auto& name : extra) md += " " + Cell(row.value(name, nlohmann::json())) + " |";
    md += "\n";
  }
  return md;
}

}  // namespace faq
