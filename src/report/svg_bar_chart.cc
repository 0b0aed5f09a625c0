// BarChartSvg: horizontal bars from a zero line, negative values to the left.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "faq/report/svg_charts.h"

namespace faq {
namespace {

constexpr int kLabelWidth = 240, kPlotWidth = 420, kBarHeight = 22, kGap = 8, kMarginTop = 40, kMarginBottom = 40;

std::string ValueText(double v, bool percent) {
  if (!std::isfinite(v)) return "–";
  return percent ? fmt::format("{:+.1f}%", 100 * v) : fmt::format("{:.4g}", v);
}

}  // namespace

std::string BarChartSvg(const BarFigure& f) {
  double lo = 0, hi = 0;
  for (const auto& b : f.bars) {
    if (std::isfinite(b.value)) {
      lo = std::min(lo, b.value);
      hi = std::max(hi, b.value);
    }
  }
  for (double g : f.guides) {
    lo = std::min(lo, g);
    hi = std::max(hi, g);
  }
  if (hi <= lo) hi = lo + 1;
  const double pad = 0.08 * (hi - lo);
  lo -= lo < 0 ? pad : 0;
  hi += pad;
  auto px = [&](double v) { return kLabelWidth + (v - lo) / (hi - lo) * kPlotWidth; };
  const int n = static_cast<int>(f.bars.size());
  const int width = kLabelWidth + kPlotWidth + 90;
  const int height = kMarginTop + std::max(n, 1) * (kBarHeight + kGap) + kMarginBottom;
  std::string s = SvgStart(width, height, f.title, 8, 20);
  const int plot_bottom = kMarginTop + std::max(n, 1) * (kBarHeight + kGap);
  for (double g : f.guides) {
    s += fmt::format("<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>"
                     "<text x=\"{0:.1f}\" y=\"{3}\" font-size=\"10\" text-anchor=\"middle\">{4}</text>",
                     px(g), kMarginTop - 6, plot_bottom, plot_bottom + 14, ValueText(g, f.percent));
  }
  for (int i = 0; i < n; ++i) {
    const Bar& b = f.bars[i];
    const int y = kMarginTop + i * (kBarHeight + kGap);
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">{}</text>", kLabelWidth - 8,
                     y + kBarHeight - 6, EscapeXml(b.label));
    if (std::isfinite(b.value)) {
      const double x0 = px(std::min(0.0, b.value)), x1 = px(std::max(0.0, b.value));
      s += fmt::format("<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\"/>", x0, y,
                       std::max(1.0, x1 - x0), kBarHeight, b.value >= 0 ? "#2ca02c" : "#d62728");
    }
    s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" font-size=\"11\">{}</text>",
                     px(std::isfinite(b.value) ? std::max(0.0, b.value) : 0.0) + 4, y + kBarHeight - 6,
                     ValueText(b.value, f.percent));
  }
  s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
                   kLabelWidth + kPlotWidth / 2, height - 8, EscapeXml(f.value_label));
  s += "</svg>";
  return s;
}

}  // namespace faq
