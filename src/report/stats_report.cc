// StatsFigures / StatsReportHtml / WriteStatsReport over stats.json (docs/stats.md).
#include "faq/report/stats_report.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "faq/report/html_page.h"
#include "faq/report/svg_charts.h"
#include "faq/util/atomic_file.h"

namespace faq {
namespace {

using nlohmann::json;

double NumberOr(const json& v, double missing = std::numeric_limits<double>::quiet_NaN()) {
  return v.is_number() ? v.get<double>() : missing;
}

std::vector<std::string> SetNames(const json& stats) {
  std::vector<std::string> names;
  for (const auto& s : stats.at("sets")) names.push_back(s.at("name").get<std::string>());
  return names;
}

// The linear inputs charted: every group but routed experts (a model may have hundreds).
std::vector<std::string> ChartedGroups(const json& stats) {
  std::vector<std::string> groups;
  for (const auto& layer : stats.at("layers")) {
    for (const auto& input : layer.at("inputs")) {
      const std::string g = input.at("group").get<std::string>();
      if (g.find("experts.") == std::string::npos && std::find(groups.begin(), groups.end(), g) == groups.end()) {
        groups.push_back(g);
      }
    }
  }
  return groups;
}

// y(layer, input, set index) for every charted group, one series per set (or per set pair).
template <typename ValueOf>
std::vector<LinePanel> PerLayerPanels(const json& stats, const std::vector<std::string>& series_names,
                                      size_t first_series, const ValueOf& value_of) {
  std::vector<LinePanel> panels;
  for (const auto& group : ChartedGroups(stats)) {
    LinePanel panel{group + " input", {}};
    for (size_t s = first_series; s < series_names.size(); ++s) {
      panel.series.push_back({series_names[s], {}, static_cast<int>(s)});  // set s keeps its colour
    }
    for (const auto& layer : stats.at("layers")) {
      for (const auto& input : layer.at("inputs")) {
        if (input.at("group") != group) continue;
        for (size_t s = first_series; s < series_names.size(); ++s) {
          panel.series[s - first_series].points.emplace_back(layer.at("layer").get<double>(), value_of(input, s));
        }
      }
    }
    panels.push_back(std::move(panel));
  }
  return panels;
}

Figure LandscapeFigure(const json& landscape) {
  HeatmapFigure f;
  const int64_t layer = landscape.at("layer");
  const std::string linear = landscape.at("linear");
  f.title = fmt::format("Activation landscape |x| at layer {} {} input (first sample of each set)", layer, linear);
  f.x_label = "channels";
  f.y_label = "tokens";
  for (const auto& p : landscape.at("sets")) {
    HeatmapPanel panel;
    double vmax = 0;
    for (const auto& v : p.at("cells")) vmax = std::max(vmax, NumberOr(v, 0));
    panel.title = fmt::format("{} (max |x| {:.3g})", p.at("set").get<std::string>(), vmax);
    panel.rows = p.at("rows");
    panel.cols = p.at("cols");
    for (const auto& v : p.at("cells")) panel.cells.push_back(static_cast<float>(NumberOr(v, 0)));
    f.x_extent = fmt::format("{} channels in {} bins", p.at("channels").get<int64_t>(), panel.cols);
    f.y_extent = fmt::format("{} tokens in {} bins", p.at("tokens").get<int64_t>(), panel.rows);
    f.panels.push_back(std::move(panel));
  }
  return {fmt::format("landscape_layer{:02d}.svg", layer), f.title, HeatmapSvg(f)};
}

bool WantsLogScale(const std::vector<LinePanel>& panels) {
  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  for (const auto& p : panels) {
    for (const auto& s : p.series) {
      for (const auto& [x, y] : s.points) {
        if (std::isfinite(y) && y > 0) {
          lo = std::min(lo, y);
          hi = std::max(hi, y);
        }
      }
    }
  }
  return hi > 0 && hi / lo > 100;
}

std::string Fixed(double v, int digits = 3) {
  return std::isfinite(v) ? fmt::format("{:.{}f}", v, digits) : "–";
}

// Whole-model coverage: Σ over every linear of loss(A's solution on B) / Σ loss(B's own on B).
std::string CoverageSection(const json& stats, const std::vector<std::string>& names) {
  const size_t n = names.size();
  std::vector<std::vector<double>> cross(n, std::vector<double>(n, 0));
  std::vector<double> rtn(n, 0);
  std::vector<std::vector<double>> distance(n, std::vector<double>(n, 0));
  size_t inputs = 0;
  for (const auto& layer : stats.at("layers")) {
    for (const auto& input : layer.at("inputs")) {
      ++inputs;
      for (size_t a = 0; a < n; ++a) {
        for (size_t b = 0; b < n; ++b) distance[a][b] += NumberOr(input.at("hessian_distance")[a][b], 0);
      }
      for (const auto& [linear, loss] : input.at("proxy_loss").items()) {
        for (size_t b = 0; b < n; ++b) {
          rtn[b] += NumberOr(loss.at("rtn")[b], 0);
          for (size_t a = 0; a < n; ++a) cross[a][b] += NumberOr(loss.at("gptq")[a][b], 0);
        }
      }
    }
  }
  std::vector<std::string> header = {"calibrated on ↓ / measured on →"};
  for (const auto& name : names) header.push_back(EscapeXml(name));
  std::vector<std::vector<std::string>> rows, drows;
  for (size_t a = 0; a < n; ++a) {
    std::vector<std::string> row = {EscapeXml(names[a])}, drow = {EscapeXml(names[a])};
    for (size_t b = 0; b < n; ++b) {
      const double ratio = cross[b][b] > 0 ? cross[a][b] / cross[b][b] : std::nan("");
      const char* cls = !std::isfinite(ratio) ? "" : ratio <= 1.05 ? " class=\"good\"" : ratio > 1.25 ? " class=\"bad\"" : "";
      row.push_back(fmt::format("<td{}>{}</td>", cls, Fixed(ratio)));
      drow.push_back(Fixed(inputs > 0 ? distance[a][b] / inputs : std::nan("")));
    }
    rows.push_back(std::move(row));
    drows.push_back(std::move(drow));
  }
  std::vector<std::string> rtn_row = {"RTN (no data)"};
  for (size_t b = 0; b < n; ++b) rtn_row.push_back(Fixed(cross[b][b] > 0 ? rtn[b] / cross[b][b] : std::nan("")));
  rows.push_back(std::move(rtn_row));
  const json& o = stats.at("options");
  return fmt::format(
      "<h2>Does calibrating on A cover B?</h2>\n<p class=\"note\">Each cell: the proxy loss "
      "tr((W−Q<sub>A</sub>) H<sub>B</sub> (W−Q<sub>A</sub>)ᵀ) of GPTQ ({}-bit, group {}) solved on the row's set, "
      "measured on the column's set's Hessian, summed over every linear of the model, divided by the same sum for the "
      "column's own solution. 1.000 on the diagonal; near 1 means the row's set covers the column's; the RTN row is "
      "the data-free baseline on the same scale.</p>\n{}"
      "<p class=\"note\">Mean relative Hessian distance ‖H<sub>A</sub> − H<sub>B</sub>‖<sub>F</sub> / "
      "‖H<sub>B</sub>‖<sub>F</sub> over the {} linear inputs (row A, column B):</p>\n{}",
      o.at("bits").get<int>(), o.at("group_size").get<int64_t>(), HtmlTable(header, rows), inputs,
      HtmlTable(header, drows));
}

std::string SetsSection(const json& stats) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : stats.at("sets")) {
    rows.push_back({EscapeXml(s.at("name").get<std::string>()), EscapeXml(s.at("file").get<std::string>()),
                    fmt::format("{}", s.at("samples").get<int64_t>()), fmt::format("{}", s.at("seqlen").get<int64_t>()),
                    fmt::format("{}", s.at("tokens").get<int64_t>())});
  }
  return "<h2>Calibration sets</h2>\n" + HtmlTable({"set", "file", "samples", "seqlen", "tokens"}, rows);
}

std::string LayerTableSection(const json& stats, const std::vector<std::string>& names) {
  std::vector<std::string> header = {"layer", "input"};
  for (const auto& name : names) {
    header.push_back(EscapeXml(name) + " kurtosis");
    header.push_back(EscapeXml(name) + " outliers %");
    header.push_back(EscapeXml(name) + " max |x|");
    header.push_back(EscapeXml(name) + " top channels");
  }
  for (size_t b = 1; b < names.size(); ++b) {
    header.push_back(fmt::format("H dist {} vs {}", EscapeXml(names[b]), EscapeXml(names[0])));
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& layer : stats.at("layers")) {
    for (const auto& input : layer.at("inputs")) {
      std::vector<std::string> row = {fmt::format("{}", layer.at("layer").get<int64_t>()),
                                      EscapeXml(input.at("group").get<std::string>())};
      for (const auto& s : input.at("sets")) {
        const bool seen = s.value("tokens", 0) > 0;
        row.push_back(seen ? Fixed(NumberOr(s.at("kurtosis")), 2) : "–");
        row.push_back(seen ? Fixed(100 * NumberOr(s.at("outlier_share")), 4) : "–");
        row.push_back(seen ? Fixed(NumberOr(s.at("max_abs")), 3) : "–");
        std::string top;
        if (seen) {
          for (const auto& c : s.at("top_channels")) {
            if (!top.empty()) top += ' ';
            top += std::to_string(c.get<int64_t>());
          }
        }
        row.push_back(top.empty() ? "–" : top);
      }
      for (size_t b = 1; b < names.size(); ++b) row.push_back(Fixed(NumberOr(input.at("hessian_distance")[b][0]), 4));
      rows.push_back(std::move(row));
    }
  }
  return "<h2>Per layer and linear input</h2>\n<p class=\"note\">Kurtosis: Pearson m4/m2² over every entry (a "
         "Gaussian has 3). Outliers: entries with |x| above the set's outlier threshold (6σ by default). Top channels: "
         "by max |x|, largest first.</p>\n" +
         HtmlTable(header, rows);
}

}  // namespace

std::vector<Figure> StatsFigures(const json& stats) {
  std::vector<Figure> figures;
  for (const auto& landscape : stats.at("landscapes")) figures.push_back(LandscapeFigure(landscape));
  const std::vector<std::string> names = SetNames(stats);
  auto summary_of = [](const json& input, size_t s, const char* field) {
    const json& set = input.at("sets")[s];
    return set.value("tokens", 0) > 0 ? NumberOr(set.at(field)) : std::nan("");
  };
  LineFigure kurtosis{"Kurtosis of each linear input per layer", "layer", "kurtosis", false,
                      PerLayerPanels(stats, names, 0, [&](const json& in, size_t s) { return summary_of(in, s, "kurtosis"); })};
  kurtosis.log_y = WantsLogScale(kurtosis.panels);
  figures.push_back({"kurtosis.svg", kurtosis.title, LineChartSvg(kurtosis)});
  LineFigure outliers{"Outlier share (|x| > threshold) per layer", "layer", "outlier share %", false,
                      PerLayerPanels(stats, names, 0, [&](const json& in, size_t s) {
                        return 100 * summary_of(in, s, "outlier_share");
                      })};
  figures.push_back({"outlier_share.svg", outliers.title, LineChartSvg(outliers)});
  if (names.size() > 1) {
    std::vector<std::string> pairs;
    for (const auto& name : names) pairs.push_back(name + " vs " + names[0]);
    LineFigure distance{fmt::format("Relative Hessian distance to set {} per layer", names[0]), "layer",
                        "‖H_set − H_ref‖ / ‖H_ref‖", false,
                        PerLayerPanels(stats, pairs, 1, [&](const json& in, size_t s) {
                          return NumberOr(in.at("hessian_distance")[s][0]);
                        })};
    figures.push_back({"hessian_distance.svg", distance.title, LineChartSvg(distance)});
  }
  return figures;
}

std::string StatsReportBody(const json& stats) {
  const std::vector<std::string> names = SetNames(stats);
  std::string body = fmt::format("<p>Model <code>{}</code> ({}, {} layers). Written by <code>faq stats</code>; "
                                 "stats.json beside this page holds every number (docs/stats.md).</p>\n",
                                 EscapeXml(stats.at("model").get<std::string>()),
                                 EscapeXml(stats.value("model_type", std::string("?"))),
                                 stats.at("num_layers").get<int64_t>());
  body += SetsSection(stats);
  body += CoverageSection(stats, names);
  body += "<h2>Pictures</h2>\n";
  for (const auto& f : StatsFigures(stats)) {
    body += fmt::format("<figure>{}<figcaption>{} ({})</figcaption></figure>\n", f.svg, EscapeXml(f.title), f.file);
  }
  body += LayerTableSection(stats, names);
  double seconds = 0;
  for (const auto& layer : stats.at("layers")) seconds += layer.at("seconds").get<double>();
  body += fmt::format("<p class=\"note\">{} layers in {:.1f} s.</p>\n", stats.at("layers").size(), seconds);
  return body;
}

std::string StatsReportHtml(const json& stats) {
  return HtmlPage("faq stats: calibration-set diagnostics", StatsReportBody(stats));
}

std::vector<std::filesystem::path> WriteStatsReport(const json& stats, const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> written;
  for (const auto& f : StatsFigures(stats)) {
    WriteFileAtomic(dir / f.file, f.svg + "\n");
    written.push_back(dir / f.file);
  }
  WriteFileAtomic(dir / "report.html", StatsReportHtml(stats));
  written.push_back(dir / "report.html");
  return written;
}

}  // namespace faq
