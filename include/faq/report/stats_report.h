// The pictures and the report page of a `faq stats` run, from its stats.json alone (so a
// report can be redrawn from a saved run: `faq report --stats stats.json`).
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace faq {

struct Figure {
  std::string file;   // "landscape_layer07.svg"
  std::string title;
  std::string svg;
};

// One landscape figure per landscape layer (a panel per set), then the per-layer charts of
// kurtosis and Hessian distance.
std::vector<Figure> StatsFigures(const nlohmann::json& stats);

// The page's content without the page (the pipeline report embeds it).
std::string StatsReportBody(const nlohmann::json& stats);

// One self-contained page: the sets, every figure inline, the coverage matrices and the
// per-layer tables. No script, no network.
std::string StatsReportHtml(const nlohmann::json& stats);

// Writes every figure as its own SVG and report.html into `dir` (atomically, each); returns
// the paths written, report.html last.
std::vector<std::filesystem::path> WriteStatsReport(const nlohmann::json& stats, const std::filesystem::path& dir);

}  // namespace faq
