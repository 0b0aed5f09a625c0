// ActivationMoments: float64 power sums per channel, central moments at the end.
#include "faq/stats/activation_moments.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "faq/util/error.h"

namespace faq {
namespace {

struct CentralMoments {
  double mean = 0, m2 = 0, m4 = 0;
};

// Central moments from raw power sums over n values (float64 is plenty for activations).
CentralMoments FromPowerSums(double s1, double s2, double s3, double s4, double n) {
  CentralMoments c;
  c.mean = s1 / n;
  const double mu = c.mean;
  c.m2 = std::max(0.0, s2 / n - mu * mu);
  c.m4 = std::max(0.0, s4 / n - 4 * mu * s3 / n + 6 * mu * mu * s2 / n - 3 * mu * mu * mu * mu);
  return c;
}

double Kurtosis(const CentralMoments& c) {
  return c.m2 > 0 ? c.m4 / (c.m2 * c.m2) : 0.0;
}

std::vector<double> ToVector(const at::Tensor& t) {
  at::Tensor c = t.to(at::kCPU, at::kDouble).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

}  // namespace

ActivationMoments::ActivationMoments(int64_t channels) : channels_(channels) {
  for (auto& s : sum_) s = at::zeros({channels}, at::kDouble);
  max_abs_ = at::zeros({channels}, at::kDouble);
  outliers_ = at::zeros({channels}, at::kLong);
}

void ActivationMoments::Add(const at::Tensor& rows) {
  FAQ_CHECK(threshold_ < 0, "activation moments: rows added after the outlier threshold was fixed");
  FAQ_CHECK(rows.dim() == 2 && rows.size(1) == channels_, "activation moments: rows of width {} expected, got {}",
            channels_, rows.dim() == 2 ? rows.size(1) : -1);
  if (rows.size(0) == 0) return;
  const at::Tensor x = rows.to(at::kDouble);
  at::Tensor power = x;
  for (int p = 0; p < 4; ++p) {
    if (p > 0) power = power * x;
    sum_[p] += power.sum(0).to(at::kCPU);
  }
  max_abs_ = at::maximum(max_abs_, x.abs().amax(0).to(at::kCPU));
  rows_ += rows.size(0);
}

void ActivationMoments::FixThreshold(double sigmas) {
  const double n = static_cast<double>(rows_) * static_cast<double>(channels_);
  if (n == 0) {
    threshold_ = 0;
    return;
  }
  const CentralMoments c = FromPowerSums(sum_[0].sum().item<double>(), sum_[1].sum().item<double>(),
                                         sum_[2].sum().item<double>(), sum_[3].sum().item<double>(), n);
  threshold_ = sigmas * std::sqrt(c.m2);
}

void ActivationMoments::CountOutliers(const at::Tensor& rows) {
  FAQ_CHECK(threshold_ >= 0, "activation moments: outliers counted before the threshold was fixed");
  if (rows.size(0) == 0) return;
  outliers_ += (rows.to(at::kFloat).abs() > threshold_).sum(0).to(at::kCPU, at::kLong);
}

ActivationSummary ActivationMoments::Summarize(int64_t top_k) const {
  ActivationSummary s;
  s.tokens = rows_;
  s.channels = channels_;
  if (rows_ == 0) return s;
  const double n = static_cast<double>(rows_);
  const std::vector<double> s1 = ToVector(sum_[0]), s2 = ToVector(sum_[1]), s3 = ToVector(sum_[2]),
                            s4 = ToVector(sum_[3]);
  const CentralMoments all = FromPowerSums(std::accumulate(s1.begin(), s1.end(), 0.0),
                                           std::accumulate(s2.begin(), s2.end(), 0.0),
                                           std::accumulate(s3.begin(), s3.end(), 0.0),
                                           std::accumulate(s4.begin(), s4.end(), 0.0), n * channels_);
  s.mean = all.mean;
  s.std = std::sqrt(all.m2);
  s.kurtosis = Kurtosis(all);
  s.channel_max_abs = ToVector(max_abs_);
  s.max_abs = *std::max_element(s.channel_max_abs.begin(), s.channel_max_abs.end());
  s.outlier_threshold = threshold_;
  const std::vector<double> outliers = ToVector(outliers_);
  double outlier_total = 0;
  for (int64_t k = 0; k < channels_; ++k) {
    s.channel_mean_square.push_back(s2[k] / n);
    s.channel_kurtosis.push_back(Kurtosis(FromPowerSums(s1[k], s2[k], s3[k], s4[k], n)));
    s.channel_outlier_share.push_back(outliers[k] / n);
    outlier_total += outliers[k];
  }
  s.outlier_share = outlier_total / (n * channels_);
  std::vector<int64_t> order(channels_);
  std::iota(order.begin(), order.end(), 0);
  const int64_t k = std::min(top_k, channels_);
  std::partial_sort(order.begin(), order.begin() + k, order.end(),
                    [&](int64_t a, int64_t b) { return s.channel_max_abs[a] > s.channel_max_abs[b]; });
  s.top_channels.assign(order.begin(), order.begin() + k);
  return s;
}

}  // namespace faq
