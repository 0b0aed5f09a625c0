// The two kinds of picture faq draws, as standalone SVG documents (they are also inlined
// into report.html): heat maps of a grid of values, one panel per set side by side, and
// small multiples of line charts.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace faq {

struct HeatmapPanel {
  std::string title;
  int64_t rows = 0, cols = 0;
  std::vector<float> cells;  // row-major [rows, cols]
};

struct HeatmapFigure {
  std::string title;
  std::string x_label, y_label;  // columns, rows
  std::string x_extent, y_extent;  // what the last column / row stands for ("576 channels")
  std::vector<HeatmapPanel> panels;  // drawn side by side on one shared colour scale
};

std::string HeatmapSvg(const HeatmapFigure& figure);

struct LineSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y); a NaN y leaves a gap
  int color = -1;  // SeriesColor index (a set keeps its colour in every picture); -1: the series' position
};

struct LinePanel {
  std::string title;
  std::vector<LineSeries> series;
};

struct LineFigure {
  std::string title;
  std::string x_label, y_label;
  bool log_y = false;  // a log10 axis (non-positive values are dropped)
  std::vector<LinePanel> panels;  // small multiples, one row
};

std::string LineChartSvg(const LineFigure& figure);

struct Bar {
  std::string label;
  double value = 0;  // NaN: drawn as "–" with no bar
};

struct BarFigure {
  std::string title;
  std::string value_label;      // the axis under the bars
  bool percent = false;         // values are fractions shown as percentages
  std::vector<double> guides;   // vertical reference lines (e.g. 0 and 1 for RER)
  std::vector<Bar> bars;        // horizontal, top to bottom
};

std::string BarChartSvg(const BarFigure& figure);

// &, <, >, " escaped for XML and HTML text and attributes.
std::string EscapeXml(std::string_view text);

// The opening <svg> element of a width × height picture and its bold title at (title_x, title_y).
std::string SvgStart(int width, int height, std::string_view title, int title_x, int title_y);

// The series colours, in order (sets keep their colour across every picture).
std::string SeriesColor(size_t index);

}  // namespace faq
