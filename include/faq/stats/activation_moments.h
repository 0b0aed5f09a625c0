// Per-channel statistics of one linear's input over every token of a calibration set:
// max |x|, mean square, kurtosis and the share of entries beyond k·σ. Two passes over the
// rows: the first sums the moments, the second counts outliers against the threshold the
// first one fixed (σ is the standard deviation of every entry of the input, pooled over
// channels, so the threshold is known only after the whole set was seen).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace faq {

// What one input looks like over a calibration set (all values plain numbers for JSON).
struct ActivationSummary {
  int64_t tokens = 0;
  int64_t channels = 0;
  double mean = 0;              // over every entry
  double std = 0;               // σ over every entry (population)
  double kurtosis = 0;          // Pearson kurtosis m4/m2² over every entry (a Gaussian has 3)
  double max_abs = 0;
  double outlier_threshold = 0; // outlier_sigmas·σ
  double outlier_share = 0;     // entries with |x| > threshold / all entries
  std::vector<double> channel_max_abs;
  std::vector<double> channel_mean_square;
  std::vector<double> channel_kurtosis;  // per channel over tokens; 0 for a constant channel
  std::vector<double> channel_outlier_share;
  std::vector<int64_t> top_channels;     // the top-k channels by max |x|, largest first
};

class ActivationMoments {
 public:
  explicit ActivationMoments(int64_t channels);

  // First pass. rows [n, K], any float type and device.
  void Add(const at::Tensor& rows);
  // Fixes the outlier threshold at `sigmas`·σ of what Add saw; call once, between the passes.
  void FixThreshold(double sigmas);
  // Second pass over the same rows.
  void CountOutliers(const at::Tensor& rows);

  int64_t rows() const { return rows_; }
  ActivationSummary Summarize(int64_t top_k) const;

 private:
  int64_t channels_;
  int64_t rows_ = 0;
  at::Tensor sum_[4];     // float64 [K]: Σx, Σx², Σx³, Σx⁴ per channel
  at::Tensor max_abs_;    // float64 [K]
  at::Tensor outliers_;   // int64 [K]
  double threshold_ = -1;
};

}  // namespace faq
