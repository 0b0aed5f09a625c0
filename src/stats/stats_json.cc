// stats.json serialization. Numbers are rounded to 6 significant digits: per-channel vectors
// of a real model are long, and the statistics mean nothing beyond that.
#include "faq/stats/stats_json.h"

#include <cmath>

namespace faq {
namespace {

nlohmann::json Number(double v) {
  if (!std::isfinite(v)) return nullptr;
  if (v == 0) return 0.0;
  const double scale = std::pow(10.0, 5 - static_cast<int>(std::floor(std::log10(std::fabs(v)))));
  return std::round(v * scale) / scale;
}

}  // namespace

nlohmann::json VectorJson(const std::vector<double>& v) {
  nlohmann::json out = nlohmann::json::array();
  for (double x : v) out.push_back(Number(x));
  return out;
}

nlohmann::json MatrixJson(const SetMatrix& m) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& row : m) out.push_back(VectorJson(row));
  return out;
}

nlohmann::json SummaryJson(const ActivationSummary& s, bool per_channel) {
  nlohmann::json j = {{"tokens", s.tokens},
                      {"mean", Number(s.mean)},
                      {"std", Number(s.std)},
                      {"kurtosis", Number(s.kurtosis)},
                      {"max_abs", Number(s.max_abs)},
                      {"outlier_threshold", Number(s.outlier_threshold)},
                      {"outlier_share", Number(s.outlier_share)},
                      {"top_channels", s.top_channels}};
  nlohmann::json top_max = nlohmann::json::array();
  for (int64_t c : s.top_channels) top_max.push_back(Number(s.channel_max_abs[c]));
  j["top_channels_max_abs"] = top_max;
  if (per_channel) {
    j["channels"] = {{"max_abs", VectorJson(s.channel_max_abs)},
                     {"mean_square", VectorJson(s.channel_mean_square)},
                     {"kurtosis", VectorJson(s.channel_kurtosis)},
                     {"outlier_share", VectorJson(s.channel_outlier_share)}};
  }
  return j;
}

nlohmann::json LandscapeJson(const ActivationLandscape& l) {
  nlohmann::json cells = nlohmann::json::array();
  for (float v : l.cells) cells.push_back(Number(v));
  return {{"tokens", l.tokens}, {"channels", l.channels}, {"rows", l.rows}, {"cols", l.cols}, {"cells", cells}};
}

}  // namespace faq
