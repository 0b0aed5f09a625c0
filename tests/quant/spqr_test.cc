// SpQR: the solver alone on synthetic inputs (integer form, bilevel stats, outliers, act-order)
// and the method on the trained llama2xs (outliers against the threshold, output error
// against GPTQ at a similar storage budget).
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "faq/eval/token_source.h"
#include "faq/format/spqr_format.h"
#include "faq/quant/model_quantizer.h"
#include "faq/quant/spqr_solver.h"
#include "support/test_env.h"

namespace faq {
namespace {

struct Problem {
  at::Tensor w;  // [N, K]
  at::Tensor h;  // [K, K]
};

// Correlated inputs and a weight with a few large entries (what outliers are for).
Problem MakeProblem(int64_t n, int64_t k) {
  at::manual_seed(7);
  at::Tensor x = at::randn({1024, k}).mm(at::eye(k) + 0.3 * at::randn({k, k}));
  at::Tensor w = at::randn({n, k}) * 0.05;
  w.view(-1).index_put_({at::randint(0, n * k, {n * k / 100})}, 1.0);
  return {w, x.t().mm(x) * (2.0 / 1024)};
}

int64_t Outliers(const QuantizedLinear& l) { return l.outliers.defined() ? l.outliers._nnz() : 0; }

TEST(SpqrSolver, ProducesAConsistentIntegerForm) {
  const Problem p = MakeProblem(48, 64);  // 48 rows: the last stat chunk of 16 is whole, 64/16 = 4 groups
  SolveReport report;
  const QuantizedLinear l = SpqrSolve(p.w, p.h, SpqrOptions{}, &report);
  EXPECT_EQ(l.qweight.sizes().vec(), (std::vector<int64_t>{48, 64}));
  EXPECT_EQ(l.scales.sizes().vec(), (std::vector<int64_t>{4, 48}));
  EXPECT_EQ(l.zeros.scalar_type(), at::kFloat);
  EXPECT_GE(l.qweight.min().item<int>(), 0);
  EXPECT_LE(l.qweight.max().item<int>(), 7);
  // The first-level stats are exactly their second-level dequantization.
  EXPECT_TRUE(at::equal(l.scales, ExpandSpqrStats(l.extra.at("scale_codes"), l.extra.at("scale_scale"),
                                                  l.extra.at("scale_zero"), 16)));
  EXPECT_TRUE(at::equal(l.zeros, ExpandSpqrStats(l.extra.at("zero_codes"), l.extra.at("zero_scale"),
                                                 l.extra.at("zero_zero"), 16)));
  EXPECT_LE(l.extra.at("scale_codes").max().item<int>(), 7);
  EXPECT_TRUE(at::equal(l.extra.at("scale_scale"), l.extra.at("scale_scale").to(at::kHalf).to(at::kFloat)));
  // The planted large weights become outliers and keep their value (up to the error feedback
  // earlier columns spread onto them), far better than the 3-bit grid of their row could.
  ASSERT_GT(Outliers(l), 0);
  const at::Tensor planted = p.w == 1.0;
  const at::Tensor outlier = l.outliers.to_dense() != 0;
  EXPECT_GE(outlier.logical_and(planted).sum().item<double>(), 0.8 * planted.sum().item<double>());
  EXPECT_LT((l.Dequantize() - p.w).masked_select(planted).abs().mean().item<double>(), 0.02);
  EXPECT_GT(report.loss, 0.0);
  EXPECT_TRUE(std::isfinite(report.loss));
}

TEST(SpqrSolver, OutliersLowerTheErrorAndFallAsTheThresholdRises) {
  const Problem p = MakeProblem(64, 128);
  auto solve = [&](double threshold, SolveReport* r) {
    SpqrOptions o;
    o.outlier_threshold = threshold;
    return SpqrSolve(p.w, p.h, o, r);
  };
  SolveReport none, loose, tight;
  EXPECT_EQ(Outliers(solve(std::numeric_limits<double>::infinity(), &none)), 0);
  const int64_t few = Outliers(solve(1.0, &loose)), many = Outliers(solve(0.1, &tight));
  EXPECT_GT(many, few);
  EXPECT_GT(few, 0);
  EXPECT_LT(tight.loss, none.loss);
}

TEST(SpqrSolver, ActOrderKeepsGroupsOfProcessedColumns) {
  const Problem p = MakeProblem(32, 64);
  SpqrOptions o;
  o.act_order = true;
  SolveReport report;
  const QuantizedLinear l = SpqrSolve(p.w, p.h, o, &report);
  EXPECT_TRUE(l.scheme.act_order);
  // Each group still holds group_size columns, now the ones of decreasing diag(H).
  EXPECT_TRUE(at::equal(at::bincount(l.g_idx.to(at::kLong)), at::full({4}, 16, at::kLong)));
  const at::Tensor order = std::get<1>(at::sort(p.h.diagonal(), true, 0, true));
  EXPECT_EQ(l.g_idx[order[0].item<int64_t>()].item<int>(), 0);
  EXPECT_LT((l.Dequantize() - p.w).abs().mean().item<double>(), 0.05);
}

TEST(SpqrSolver, RefusesGroupsThatDoNotDivideTheWidth) {
  const Problem p = MakeProblem(16, 64);
  SpqrOptions o;
  o.group_size = 24;
  SolveReport report;
  EXPECT_NE(testing::ErrorOf([&] { SpqrSolve(p.w, p.h, o, &report); }).find("divide the input width 64"),
            std::string::npos);
}

class SpqrOnLlama : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto shared = testing::SharedDir();
    model_dir_ = new std::filesystem::path(shared / "models/llama2xs-hf");
    auto docs = LoadTokenDocuments(shared / "models/llama2xs_calib.jsonl", {});
    calib_ = new CalibrationSet(BuildCalibrationSet(docs, CalibrationMode::kConcat, 16, 256));
  }
  static void TearDownTestSuite() {
    delete model_dir_;
    delete calib_;
  }

  static ModelQuantizerResult Quantize(const ModelQuantizerOptions& o) {
    CausalLM model(*model_dir_);
    return QuantizeModel(model, *calib_, o);
  }
  static ModelQuantizerOptions Spqr(double threshold) {
    ModelQuantizerOptions o;
    o.method = "spqr";
    o.scheme.bits = 3;
    o.scheme.sym = false;
    o.method_options.Set("spqr_outlier_threshold", threshold);
    o.show_progress = false;
    return o;
  }
  static double TotalLoss(const ModelQuantizerResult& r) {
    double loss = 0;
    for (const auto& row : r.reports) loss += row.solve.loss;
    return loss;
  }
  static int64_t TotalOutliers(const ModelQuantizerResult& r) {
    int64_t n = 0;
    for (const auto& [name, l] : r.linears) n += Outliers(l);
    return n;
  }

  static std::filesystem::path* model_dir_;
  static CalibrationSet* calib_;
};
std::filesystem::path* SpqrOnLlama::model_dir_ = nullptr;
CalibrationSet* SpqrOnLlama::calib_ = nullptr;

TEST_F(SpqrOnLlama, OutlierCountFallsAsTheThresholdRises) {
  int64_t previous = std::numeric_limits<int64_t>::max();
  for (double threshold : {0.1, 0.2, 0.5, 2.0}) {
    const int64_t outliers = TotalOutliers(Quantize(Spqr(threshold)));
    SCOPED_TRACE(threshold);
    EXPECT_LT(outliers, previous);
    EXPECT_GT(outliers, 0);
    previous = outliers;
  }
  EXPECT_EQ(TotalOutliers(Quantize(Spqr(std::numeric_limits<double>::infinity()))), 0);
}

// GPTQ w3 with asymmetric groups of 32 stores 3 + (16 + 3)/32 ≈ 3.6 bits per weight, SpQR w3
// with its defaults (groups of 16, 3-bit stats) about 3.6 plus its outliers: a like-for-like budget.
TEST_F(SpqrOnLlama, OutputErrorAtMostGptqAtThreeBits) {
  const ModelQuantizerResult spqr = Quantize(Spqr(0.2));
  ModelQuantizerOptions gptq = Spqr(0.2);
  gptq.method = "gptq";
  gptq.scheme.group_size = 32;
  const ModelQuantizerResult reference = Quantize(gptq);
  ASSERT_EQ(spqr.reports.size(), reference.reports.size());
  EXPECT_LE(TotalLoss(spqr), TotalLoss(reference)) << "spqr " << TotalLoss(spqr) << " gptq " << TotalLoss(reference);
}

}  // namespace
}  // namespace faq
