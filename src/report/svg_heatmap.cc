// HeatmapSvg: each panel a PNG (one pixel per cell) embedded as a data URI, stretched to the
// panel; a shared colour bar. Colours follow the "turbo" map so spikes read as red peaks,
// as in the paper's landscapes.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "faq/report/png_image.h"
#include "faq/report/svg_charts.h"

namespace faq {
namespace {

constexpr int kPanelWidth = 360, kPanelHeight = 260, kMarginLeft = 56, kMarginTop = 48, kGap = 40,
              kBarWidth = 14, kMarginBottom = 44;

// Turbo colour map, sampled at 9 points and interpolated linearly.
std::array<uint8_t, 3> HeatColor(double t) {
  static constexpr std::array<std::array<double, 3>, 9> kStops = {{{48, 18, 59},
                                                                   {70, 107, 227},
                                                                   {40, 187, 236},
                                                                   {49, 242, 153},
                                                                   {162, 252, 60},
                                                                   {237, 208, 58},
                                                                   {251, 128, 34},
                                                                   {210, 49, 5},
                                                                   {122, 4, 3}}};
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0) * (kStops.size() - 1);
  const size_t i = std::min<size_t>(static_cast<size_t>(t), kStops.size() - 2);
  const double f = t - i;
  std::array<uint8_t, 3> c{};
  for (int k = 0; k < 3; ++k) c[k] = static_cast<uint8_t>(std::lround(kStops[i][k] * (1 - f) + kStops[i + 1][k] * f));
  return c;
}

std::string PanelPng(const HeatmapPanel& p, double vmax) {
  std::vector<uint8_t> rgb;
  rgb.reserve(static_cast<size_t>(p.rows * p.cols * 3));
  for (float v : p.cells) {
    const auto c = HeatColor(vmax > 0 ? v / vmax : 0);
    rgb.insert(rgb.end(), c.begin(), c.end());
  }
  return Base64(EncodePngRgb(p.cols, p.rows, rgb));
}

std::string ColorBar(int x, int y, int height, double vmax) {
  std::string s = "<defs><linearGradient id=\"heatbar\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">";
  for (int i = 0; i <= 8; ++i) {
    const auto c = HeatColor(i / 8.0);
    s += fmt::format("<stop offset=\"{:.3f}\" stop-color=\"rgb({},{},{})\"/>", i / 8.0, c[0], c[1], c[2]);
  }
  s += "</linearGradient></defs>";
  s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"url(#heatbar)\" stroke=\"#444\"/>", x, y,
                   kBarWidth, height);
  s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\">{:.3g}</text>", x + kBarWidth + 4, y + 10, vmax);
  s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\">0</text>", x + kBarWidth + 4, y + height);
  s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\">|x|</text>", x, y - 6);
  return s;
}

}  // namespace

std::string HeatmapSvg(const HeatmapFigure& f) {
  double vmax = 0;
  for (const auto& p : f.panels) {
    for (float v : p.cells) vmax = std::max<double>(vmax, v);
  }
  const int n = static_cast<int>(std::max<size_t>(f.panels.size(), 1));
  const int width = kMarginLeft + n * (kPanelWidth + kGap) + kBarWidth + 40;
  const int height = kMarginTop + kPanelHeight + kMarginBottom;
  std::string s = SvgStart(width, height, f.title, kMarginLeft, 18);
  for (int i = 0; i < static_cast<int>(f.panels.size()); ++i) {
    const HeatmapPanel& p = f.panels[i];
    const int x = kMarginLeft + i * (kPanelWidth + kGap);
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\">{}</text>", x, kMarginTop - 8, EscapeXml(p.title));
    if (p.rows > 0 && p.cols > 0) {
      s += fmt::format(
          "<image x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" preserveAspectRatio=\"none\" "
          "style=\"image-rendering:pixelated\" href=\"data:image/png;base64,{}\"/>",
          x, kMarginTop, kPanelWidth, kPanelHeight, PanelPng(p, vmax));
    }
    s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#444\"/>", x,
                     kMarginTop, kPanelWidth, kPanelHeight);
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{} → ({})</text>",
                     x + kPanelWidth / 2, kMarginTop + kPanelHeight + 16, EscapeXml(f.x_label), EscapeXml(f.x_extent));
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 {} {})\">"
                     "{} ↓ ({})</text>",
                     x - 10, kMarginTop + kPanelHeight / 2, x - 10, kMarginTop + kPanelHeight / 2, EscapeXml(f.y_label),
                     EscapeXml(f.y_extent));
  }
  s += ColorBar(kMarginLeft + n * (kPanelWidth + kGap) - kGap / 2, kMarginTop, kPanelHeight, vmax);
  s += "</svg>";
  return s;
}

std::string SvgStart(int width, int height, std::string_view title, int title_x, int title_y) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\"><text x=\"{2}\" y=\"{3}\" font-size=\"14\" font-weight=\"bold\">{4}</text>",
      width, height, title_x, title_y, EscapeXml(title));
}

std::string EscapeXml(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string SeriesColor(size_t index) {
  static constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
                                            "#e377c2", "#17becf"};
  return kColors[index % (sizeof(kColors) / sizeof(kColors[0]))];
}

}  // namespace faq
