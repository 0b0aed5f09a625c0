// The statistics of faq stats against the same numbers computed on the whole tensor at once.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "faq/stats/activation_landscape.h"
#include "faq/stats/activation_moments.h"
#include "faq/stats/set_coverage.h"

namespace faq {
namespace {

// Gaussian rows with one loud channel and a few spikes, as LLM activations look.
at::Tensor HeavyTailedRows(int64_t n, int64_t k, uint64_t seed) {
  at::Generator gen = at::detail::createCPUGenerator(seed);
  at::Tensor x = at::randn({n, k}, gen);
  x.select(1, 3).mul_(20);
  x.index_put_({at::indexing::Slice(0, n, 97), 5}, 40.0);
  return x;
}

TEST(ActivationMoments, ChunkedPassesEqualTheWholeTensor) {
  const at::Tensor x = HeavyTailedRows(1000, 16, 1);
  ActivationMoments m(16);
  for (const auto& chunk : x.split(333)) m.Add(chunk);
  m.FixThreshold(6);
  for (const auto& chunk : x.split(250)) m.CountOutliers(chunk);
  const ActivationSummary s = m.Summarize(2);

  const at::Tensor d = x.to(at::kDouble);
  const double var = d.var(/*unbiased=*/false).item<double>();
  const double kurt = (d - d.mean()).pow(4).mean().item<double>() / (var * var);
  EXPECT_EQ(s.tokens, 1000);
  EXPECT_NEAR(s.kurtosis, kurt, 1e-9 * kurt);
  EXPECT_GT(s.kurtosis, 3.5) << "the loud channel and spikes make the tails heavy";
  EXPECT_NEAR(s.std, std::sqrt(var), 1e-9);
  EXPECT_DOUBLE_EQ(s.outlier_threshold, 6 * s.std);
  EXPECT_DOUBLE_EQ(s.outlier_share, (d.abs() > 6 * std::sqrt(var)).to(at::kDouble).mean().item<double>());
  EXPECT_GT(s.outlier_share, 0);
  for (int64_t c = 0; c < 16; ++c) {
    const at::Tensor col = d.select(1, c);
    const double cv = col.var(false).item<double>();
    EXPECT_NEAR(s.channel_max_abs[c], col.abs().max().item<double>(), 1e-12) << c;
    EXPECT_NEAR(s.channel_mean_square[c], col.pow(2).mean().item<double>(), 1e-9 * s.channel_mean_square[c]) << c;
    EXPECT_NEAR(s.channel_kurtosis[c], (col - col.mean()).pow(4).mean().item<double>() / (cv * cv), 1e-7) << c;
  }
  EXPECT_EQ(s.top_channels, (std::vector<int64_t>{3, 5}));
}

TEST(ActivationLandscape, MaxPoolingKeepsEverySpike) {
  at::Tensor rows = at::zeros({600, 500});
  rows.index_put_({123, 456}, -7.0);
  const ActivationLandscape l = PoolLandscape(rows, 256, 256);
  EXPECT_EQ(l.rows, 256);
  EXPECT_EQ(l.cols, 256);
  EXPECT_EQ(l.tokens, 600);
  EXPECT_FLOAT_EQ(l.cells[(123 * 256 / 600) * 256 + 456 * 256 / 500], 7.0f) << "|x|, in the spike's own cell";
  int nonzero = 0;
  for (float v : l.cells) nonzero += v != 0;
  EXPECT_GE(nonzero, 1);
  EXPECT_LE(nonzero, 4) << "adaptive bins overlap by at most one row and column";
  const ActivationLandscape small = PoolLandscape(at::ones({10, 20}), 256, 256);
  EXPECT_EQ(small.rows, 10) << "a grid smaller than the limits is kept as is";
  EXPECT_EQ(small.cols, 20);
}

TEST(SetCoverage, HessianDistanceIsRelativeToTheSecondSet) {
  at::Generator gen = at::detail::createCPUGenerator(2);
  const at::Tensor x = at::randn({200, 8}, gen);
  const at::Tensor h = x.t().mm(x) / 100;
  const SetMatrix d = HessianDistances({h, 2 * h, at::Tensor()});
  EXPECT_DOUBLE_EQ(d[0][0], 0);
  EXPECT_NEAR(d[0][1], 0.5, 1e-6);  // ‖H − 2H‖ / ‖2H‖
  EXPECT_NEAR(d[1][0], 1.0, 1e-6);  // ‖2H − H‖ / ‖H‖
  EXPECT_TRUE(std::isnan(d[0][2])) << "a set the input never saw";
}

TEST(SetCoverage, DiagonalIsGptqsOwnLossAndBeatsRoundToNearest) {
  at::Generator gen = at::detail::createCPUGenerator(3);
  const at::Tensor w = at::randn({32, 128}, gen);
  const at::Tensor xa = HeavyTailedRows(600, 128, 4), xb = at::randn({600, 128}, gen);
  const at::Tensor ha = 2 * xa.t().mm(xa) / 600, hb = 2 * xb.t().mm(xb) / 600;
  GptqOptions o;
  o.scheme.group_size = 64;
  const CrossSetLoss loss = MeasureCrossSetLoss(w, {ha, hb}, o);
  SolveReport own;
  GptqSolve(w, ha, {}, o, &own);
  EXPECT_NEAR(loss.gptq[0][0], own.loss, 1e-5 * own.loss);
  for (int b = 0; b < 2; ++b) EXPECT_LT(loss.gptq[b][b], loss.rtn[b]) << b;
  // The heavy-tailed set's solution, measured on itself, beats the Gaussian set's solution there.
  EXPECT_LT(loss.gptq[0][0], loss.gptq[1][0]);
}

}  // namespace
}  // namespace faq
