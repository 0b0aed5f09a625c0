// LineChartSvg: small multiples sharing one y range, a legend of the series names.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "faq/report/svg_charts.h"

namespace faq {
namespace {

constexpr int kPanelWidth = 300, kPanelHeight = 200, kMarginLeft = 64, kMarginTop = 56, kGap = 56,
              kMarginBottom = 48;

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void Add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool Empty() const { return !(lo <= hi); }
};

std::string ColorOf(const LineSeries& series, size_t position) {
  return SeriesColor(series.color >= 0 ? static_cast<size_t>(series.color) : position);
}

bool Drawn(double y, bool log_y) {
  return std::isfinite(y) && (!log_y || y > 0);
}

double AxisValue(double y, bool log_y) {
  return log_y ? std::log10(y) : y;
}

// A log axis is labelled at its decades only (1, 10, 100, 1e+05), a linear one in quarters.
std::string TickLabel(double v, bool log_y) {
  if (!log_y) return fmt::format("{:.3g}", v);
  const auto decade = static_cast<int>(std::lround(v));
  return decade >= -3 && decade <= 4 ? fmt::format("{:g}", std::pow(10.0, decade)) : fmt::format("1e{:+03d}", decade);
}

std::vector<double> TickValues(const Range& yr, bool log_y) {
  std::vector<double> ticks;
  if (log_y) {  // the range was widened to whole decades
    const double step = std::max(1.0, std::ceil((yr.hi - yr.lo) / 6));
    for (double v = yr.lo; v <= yr.hi + 1e-9; v += step) ticks.push_back(v);
  } else {
    for (int i = 0; i <= 4; ++i) ticks.push_back(yr.lo + (yr.hi - yr.lo) * i / 4);
  }
  return ticks;
}

std::string Panel(const LinePanel& p, int x0, const Range& xr, const Range& yr, bool log_y) {
  auto px = [&](double x) { return x0 + (xr.hi > xr.lo ? (x - xr.lo) / (xr.hi - xr.lo) : 0.5) * kPanelWidth; };
  auto py = [&](double y) {
    return kMarginTop + kPanelHeight - (yr.hi > yr.lo ? (y - yr.lo) / (yr.hi - yr.lo) : 0.5) * kPanelHeight;
  };
  std::string s = fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\">{}</text>", x0, kMarginTop - 8,
                              EscapeXml(p.title));
  s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fafafa\" stroke=\"#444\"/>", x0,
                   kMarginTop, kPanelWidth, kPanelHeight);
  for (const double v : TickValues(yr, log_y)) {
    s += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>", x0, x0 + kPanelWidth,
                     py(v), py(v));
    s += fmt::format("<text x=\"{}\" y=\"{:.1f}\" font-size=\"10\" text-anchor=\"end\">{}</text>", x0 - 4, py(v) + 3,
                     TickLabel(v, log_y));
  }
  for (double x = std::ceil(xr.lo); x <= xr.hi; x += std::max(1.0, std::ceil((xr.hi - xr.lo) / 8))) {  // x ticks
    s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{}</text>", px(x),
                     kMarginTop + kPanelHeight + 14, x);
  }
  for (size_t i = 0; i < p.series.size(); ++i) {
    std::string path;
    bool pen_down = false;
    for (const auto& [x, y] : p.series[i].points) {
      if (!Drawn(y, log_y)) {
        pen_down = false;
        continue;
      }
      path += fmt::format("{}{:.1f},{:.1f} ", pen_down ? "L" : "M", px(x), py(AxisValue(y, log_y)));
      pen_down = true;
      s += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" fill=\"{}\"/>", px(x), py(AxisValue(y, log_y)),
                       ColorOf(p.series[i], i));
    }
    if (!path.empty()) {
      s += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.8\"/>", path, ColorOf(p.series[i], i));
    }
  }
  return s;
}

}  // namespace

std::string LineChartSvg(const LineFigure& f) {
  Range xr, yr;
  std::vector<std::string> names, colors;  // the legend
  for (const auto& p : f.panels) {
    for (size_t i = 0; i < p.series.size(); ++i) {
      const LineSeries& series = p.series[i];
      if (std::find(names.begin(), names.end(), series.name) == names.end()) {
        names.push_back(series.name);
        colors.push_back(ColorOf(series, i));
      }
      for (const auto& [x, y] : series.points) {
        xr.Add(x);
        if (Drawn(y, f.log_y)) yr.Add(AxisValue(y, f.log_y));
      }
    }
  }
  if (xr.Empty()) xr = {0, 1};
  if (yr.Empty()) yr = {0, 1};
  if (!f.log_y) yr.lo = std::min(yr.lo, 0.0);  // linear charts start at zero: sizes compare honestly
  if (f.log_y) {  // whole decades, at least one
    yr.lo = std::floor(yr.lo);
    yr.hi = std::max(std::ceil(yr.hi), yr.lo + 1);
  }
  const int n = static_cast<int>(std::max<size_t>(f.panels.size(), 1));
  const int width = kMarginLeft + n * (kPanelWidth + kGap);
  const int height = kMarginTop + kPanelHeight + kMarginBottom;
  std::string s = SvgStart(width, height, f.title, kMarginLeft, 18);
  for (size_t i = 0; i < names.size(); ++i) {  // legend
    const int x = kMarginLeft + static_cast<int>(i) * 150;
    s += fmt::format("<rect x=\"{}\" y=\"27\" width=\"12\" height=\"4\" fill=\"{}\"/>", x, colors[i]);
    s += fmt::format("<text x=\"{}\" y=\"33\" font-size=\"11\">{}</text>", x + 16, EscapeXml(names[i]));
  }
  for (int i = 0; i < static_cast<int>(f.panels.size()); ++i) {
    s += Panel(f.panels[i], kMarginLeft + i * (kPanelWidth + kGap), xr, yr, f.log_y);
  }
  s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
                   kMarginLeft + n * (kPanelWidth + kGap) / 2, height - 8, EscapeXml(f.x_label));
  s += fmt::format("<text x=\"14\" y=\"{0}\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 14 {0})\">"
                   "{1}</text>",
                   kMarginTop + kPanelHeight / 2, EscapeXml(f.y_label + (f.log_y ? " (log)" : "")));
  s += "</svg>";
  return s;
}

}  // namespace faq
