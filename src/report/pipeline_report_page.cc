// PipelineReportHtml over results.json (src/pipeline/pipeline.cc) and, optionally, stats.json.
#include "faq/report/pipeline_report_page.h"

#include <fmt/format.h>

#include <cmath>

#include "faq/pipeline/results_table.h"
#include "faq/report/html_page.h"
#include "faq/report/stats_report.h"
#include "faq/report/svg_charts.h"
#include "faq/util/error.h"

namespace faq {
namespace {

using nlohmann::json;

std::string Cell(const json& v) {
  if (v.is_number()) return fmt::format("{:.3f}", v.get<double>());
  if (v.is_string()) return EscapeXml(v.get<std::string>());
  return "–";
}

// The calibration columns of a row: everything but run, data and fp, in the row's order.
std::vector<std::string> CalibrationColumns(const json& table) {
  std::vector<std::string> out;
  for (const auto& row : table) {
    for (const auto& [key, value] : row.items()) {
      if (key != "run" && key != "data" && key != "fp" && std::find(out.begin(), out.end(), key) == out.end()) {
        out.push_back(key);
      }
    }
  }
  return out;
}

double Rer(const json& row) {
  const auto rer = RelativeErrorRecovery(row.value("fp", json()), row.value("base", json()), row.value("faq", json()));
  return rer ? *rer : std::nan("");
}

std::string ResultsSection(const json& table) {
  const std::vector<std::string> calibrations = CalibrationColumns(table);
  std::vector<std::string> header = {"quantization", "eval set", "fp"};
  for (const auto& c : calibrations) header.push_back(EscapeXml(c));
  header.push_back("RER");
  std::vector<std::vector<std::string>> rows;
  BarFigure bars{"Relative error recovery RER = (FAQ − base) / (fp − base)", "share of base's perplexity loss "
                 "that FAQ calibration recovers", true, {0.0, 1.0}, {}};
  for (const auto& row : table) {
    std::vector<std::string> cells = {EscapeXml(row.at("run").get<std::string>()),
                                      EscapeXml(row.at("data").get<std::string>()), Cell(row.value("fp", json()))};
    for (const auto& c : calibrations) cells.push_back(Cell(row.value(c, json())));
    const double rer = Rer(row);
    cells.push_back(std::isfinite(rer) ? fmt::format("{:+.1f}%", 100 * rer) : "–");
    rows.push_back(std::move(cells));
    bars.bars.push_back({fmt::format("{} · {}", row.at("run").get<std::string>(), row.at("data").get<std::string>()), rer});
  }
  return "<h2>Results</h2>\n<p class=\"note\">Perplexity (lower is better) of the full-precision target and of each "
         "quantization run calibrated on each set.</p>\n" +
         HtmlTable(header, rows) + "<figure>" + BarChartSvg(bars) + "</figure>\n";
}

std::string StepsSection(const json& steps) {
  std::vector<std::vector<std::string>> rows;
  double total = 0;
  for (const auto& [name, step] : steps.items()) {
    const double seconds = step.value("seconds", std::nan(""));
    if (std::isfinite(seconds)) total += seconds;
    rows.push_back({EscapeXml(name), EscapeXml(step.value("status", std::string("?"))),
                    std::isfinite(seconds) ? fmt::format("{:.1f}", seconds) : "–"});
  }
  return fmt::format("<h2>Steps</h2>\n<p class=\"note\">{:.1f} s of step time in all (a step reused from an earlier "
                     "run keeps the time it took then).</p>\n",
                     total) +
         HtmlTable({"step", "status", "seconds"}, rows);
}

}  // namespace

std::string PipelineReportHtml(const json& results, const json& stats, const std::string& stats_command) {
  if (!results.is_object() || !results.contains("table") || !results["table"].is_array()) {
    Fail("results.json: expected an object with a 'table' array (the output of faq pipeline)");
  }
  std::string body = fmt::format("<p>Run <code>{}</code> of <code>{}</code>.</p>\n",
                                 EscapeXml(results.value("run_dir", std::string("?"))),
                                 EscapeXml(results.value("config", std::string("?"))));
  body += ResultsSection(results["table"]);
  if (stats.is_object()) {
    body += "<h2>Calibration sets, as the target sees them (faq stats)</h2>\n" + StatsReportBody(stats);
  } else {
    body += fmt::format("<h2>Calibration sets</h2>\n<p class=\"note\">No faq stats run given; to add the sets' "
                        "statistics here: <code>{}</code> and pass its stats.json with --stats.</p>\n",
                        EscapeXml(stats_command));
  }
  body += StepsSection(results.value("steps", json::object()));
  return HtmlPage("faq pipeline: run report", body);
}

}  // namespace faq
