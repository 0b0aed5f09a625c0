// LineChartSvg's y axis: a log axis is labelled at whole decades, a linear one from zero.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "faq/report/svg_charts.h"

namespace faq {
namespace {

std::vector<std::string> YTickLabels(const std::string& svg) {
  static const std::regex kYTick("text-anchor=\"end\">([^<]*)</text>");
  std::vector<std::string> labels;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), kYTick); it != std::sregex_iterator(); ++it) {
    labels.push_back((*it)[1]);
  }
  return labels;
}

LineFigure Kurtosis(bool log_y) {
  LineFigure f;
  f.title = "kurtosis";
  f.log_y = log_y;
  LinePanel panel;
  panel.title = "o_proj";
  panel.series.push_back({.name = "seeds", .points = {{0, 6.59}, {1, 99.0}, {2, 1490.0}}});
  f.panels.push_back(panel);
  return f;
}

TEST(SvgLineChart, ALogAxisIsLabelledAtWholeDecades) {
  EXPECT_EQ(YTickLabels(LineChartSvg(Kurtosis(true))), (std::vector<std::string>{"1", "10", "100", "1000", "10000"}));
  LineFigure wide = Kurtosis(true);
  wide.panels[0].series[0].points.push_back({3, 2e7});
  wide.panels[0].series[0].points.push_back({4, 0.02});
  EXPECT_EQ(YTickLabels(LineChartSvg(wide)),
            (std::vector<std::string>{"0.01", "1", "100", "10000", "1e+06", "1e+08"}));
}

TEST(SvgLineChart, ALinearAxisStartsAtZeroInQuarters) {
  EXPECT_EQ(YTickLabels(LineChartSvg(Kurtosis(false))),
            (std::vector<std::string>{"0", "372", "745", "1.12e+03", "1.49e+03"}));
}

}  // namespace
}  // namespace faq
