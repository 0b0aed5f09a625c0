// QuantReportHtml: loss against RTN per linear kind and layer, time per layer, every row.
#include "faq/report/quant_report_page.h"

#include <fmt/format.h>

#include <map>

#include "faq/report/html_page.h"
#include "faq/report/svg_charts.h"
#include "faq/util/error.h"

namespace faq {
namespace {

using nlohmann::json;

struct Row {
  int64_t layer = 0;
  std::string name, kind;  // "model.layers.3.self_attn.q_proj", "self_attn.q_proj"
  bool skipped = false;
  double loss = 0, rtn_loss = 0, seconds = 0;
  json raw;
};

std::vector<Row> ReadRows(const json& rows) {
  if (!rows.is_array()) Fail("quant_report.json: expected an array of rows (one per linear), got {}", rows.type_name());
  std::vector<Row> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    const json& r = rows[i];
    Row row;
    try {
      row.layer = r.at("layer").get<int64_t>();
      row.name = r.at("name").get<std::string>();
      row.skipped = r.at("skipped").get<bool>();
      row.loss = r.at("loss").get<double>();
      row.rtn_loss = r.at("rtn_loss").get<double>();
      row.seconds = r.at("seconds").get<double>();
    } catch (const json::exception& e) {
      Fail("quant_report.json row {}: {}", i, e.what());
    }
    const std::string marker = fmt::format("layers.{}.", row.layer);
    const size_t at = row.name.find(marker);
    row.kind = at == std::string::npos ? row.name : row.name.substr(at + marker.size());
    row.raw = r;
    out.push_back(std::move(row));
  }
  return out;
}

std::string LossFigure(const std::vector<Row>& rows) {
  std::vector<std::string> kinds;
  for (const auto& r : rows) {
    if (!r.skipped && r.kind.find("experts.") == std::string::npos &&
        std::find(kinds.begin(), kinds.end(), r.kind) == kinds.end()) {
      kinds.push_back(r.kind);
    }
  }
  LineFigure f{"Output loss per layer: the method against round-to-nearest on the same inputs", "layer",
               "tr(ΔW H ΔWᵀ)/N", true, {}};
  for (const auto& kind : kinds) {
    LinePanel panel{kind, {{"method", {}}, {"RTN", {}}}};
    for (const auto& r : rows) {
      if (r.kind != kind || r.skipped) continue;
      panel.series[0].points.emplace_back(r.layer, r.loss);
      panel.series[1].points.emplace_back(r.layer, r.rtn_loss);
    }
    f.panels.push_back(std::move(panel));
  }
  return LineChartSvg(f);
}

std::string TimeFigure(const std::vector<Row>& rows) {
  std::map<int64_t, double> per_layer;
  for (const auto& r : rows) per_layer[r.layer] += r.seconds;
  LinePanel panel{"all linears", {{"solve seconds", {}}}};
  for (const auto& [layer, seconds] : per_layer) panel.series[0].points.emplace_back(layer, seconds);
  return LineChartSvg({"Solve time per layer", "layer", "seconds", false, {panel}});
}

}  // namespace

std::string QuantReportHtml(const json& rows_json, const std::string& source) {
  const std::vector<Row> rows = ReadRows(rows_json);
  double loss = 0, rtn = 0, seconds = 0;
  int quantized = 0;
  for (const auto& r : rows) {
    if (r.skipped) continue;
    ++quantized;
    loss += r.loss;
    rtn += r.rtn_loss;
    seconds += r.seconds;
  }
  std::string body = fmt::format(
      "<p>From <code>{}</code>: {} linears quantized, {} kept in full precision. Total output loss {:.4g} against "
      "round-to-nearest's {:.4g} on the same inputs (ratio {:.3f}); {:.1f} s of solving. Peak memory is in the "
      "run's log (the pre-flight lines), not in quant_report.json.</p>\n",
      EscapeXml(source), quantized, rows.size() - quantized, loss, rtn, rtn > 0 ? loss / rtn : 0.0, seconds);
  body += "<h2>Pictures</h2>\n<figure>" + LossFigure(rows) + "</figure>\n<figure>" + TimeFigure(rows) + "</figure>\n";
  std::vector<std::vector<std::string>> table;
  for (const auto& r : rows) {
    const double ratio = r.rtn_loss > 0 ? r.loss / r.rtn_loss : 0;
    table.push_back({EscapeXml(r.name), fmt::format("{}", r.raw.value("bits", 0)),
                     fmt::format("{}", r.raw.value("group_size", int64_t{0})), r.skipped ? "skip" : fmt::format("{:.4g}", r.loss),
                     r.skipped ? "–" : fmt::format("{:.4g}", r.rtn_loss),
                     r.skipped ? "–" : fmt::format("<td class=\"{}\">{:.3f}</td>", ratio <= 1 ? "good" : "bad", ratio),
                     fmt::format("{:.2f}", r.seconds)});
  }
  body += "<h2>Per linear</h2>\n" +
          HtmlTable({"linear", "bits", "group", "loss", "RTN loss", "loss / RTN", "seconds"}, table);
  return HtmlPage("faq quantize: per-linear report", body);
}

}  // namespace faq
