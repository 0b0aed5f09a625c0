// ModelLinear against a float64 product: every row count the streaming kernel takes, shapes
// that leave partial tiles and a K that is no multiple of the vector width, the fallback
// above kSkinnyRows and for other dtypes; and a row's result is the same whatever rows share
// its call (what lets a served sequence's tokens not depend on the other requests).
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include "faq/model/skinny_linear.h"

namespace faq {
namespace {

at::Tensor Reference(const at::Tensor& x, const at::Tensor& w, const at::Tensor& bias) {
  at::Tensor y = at::matmul(x.to(at::kDouble), w.to(at::kDouble).t());
  return bias.defined() ? y + bias.to(at::kDouble) : y;
}

void ExpectNear(const at::Tensor& got, const at::Tensor& want, int64_t k) {
  ASSERT_EQ(got.sizes(), want.sizes());
  ASSERT_EQ(got.scalar_type(), at::kFloat);
  // Sums of k products of unit normals in fp32: error grows like sqrt(k) · eps · |terms|.
  const double bound = 4e-6 * std::sqrt(static_cast<double>(k)) * 4.0;
  EXPECT_LT((got.to(at::kDouble) - want).abs().max().item<double>(), bound);
}

TEST(ModelLinear, MatchesAFloat64ProductForEveryRowCountAndRaggedShapes) {
  at::manual_seed(3);
  for (auto [n, k] : {std::pair<int64_t, int64_t>{37, 203}, {1536, 576}, {5, 8}, {64, 1}}) {
    at::Tensor w = at::randn({n, k});
    at::Tensor bias = at::randn({n});
    for (int64_t rows = 1; rows <= kSkinnyRows + 3; ++rows) {
      at::Tensor x = at::randn({rows, k});
      SCOPED_TRACE(testing::Message() << "n " << n << " k " << k << " rows " << rows);
      ExpectNear(ModelLinear(x, w, std::nullopt), Reference(x, w, {}), k);
      ExpectNear(ModelLinear(x, w, bias), Reference(x, w, bias), k);
    }
  }
}

TEST(ModelLinear, KeepsLeadingDimensionsAndTakesTheKernelOnlyWhereItApplies) {
  at::manual_seed(4);
  at::Tensor w = at::randn({48, 96});
  at::Tensor x = at::randn({2, 3, 96});  // a decode step of 2 sequences, 3 tokens each
  at::Tensor y = ModelLinear(x, w, std::nullopt);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 3, 48}));
  ExpectNear(y, Reference(x, w, {}), 96);
  // Too many rows, another dtype, a strided weight: at::linear, unchanged.
  at::Tensor many = at::randn({kSkinnyRows + 1, 96});
  EXPECT_FALSE(TakesSkinnyKernel(many, w));
  EXPECT_TRUE(at::equal(ModelLinear(many, w, std::nullopt), at::linear(many, w)));
  at::Tensor half = x.to(at::kBFloat16), w_half = w.to(at::kBFloat16);
  EXPECT_FALSE(TakesSkinnyKernel(half, w_half));
  EXPECT_TRUE(at::equal(ModelLinear(half, w_half, std::nullopt), at::linear(half, w_half)));
  at::Tensor strided = at::randn({96, 48}).t();
  EXPECT_FALSE(TakesSkinnyKernel(x, strided));
  ExpectNear(ModelLinear(x, strided, std::nullopt), Reference(x, strided, {}), 96);
}

TEST(ModelLinear, RecordsGradientsWhereTrainingNeedsThem) {
  // tools/train_family runs the decoder layers with weights that require grad.
  at::manual_seed(6);
  at::Tensor w = at::randn({24, 40}).set_requires_grad(true);
  at::Tensor bias = at::randn({24}).set_requires_grad(true);
  at::Tensor x = at::randn({3, 40});
  EXPECT_FALSE(TakesSkinnyKernel(x, w));
  ModelLinear(x, w, bias).pow(2).sum().backward();
  at::Tensor w_ref = w.detach().clone().set_requires_grad(true);
  at::Tensor bias_ref = bias.detach().clone().set_requires_grad(true);
  at::linear(x, w_ref, bias_ref).pow(2).sum().backward();
  ASSERT_TRUE(w.grad().defined());
  EXPECT_TRUE(at::allclose(w.grad(), w_ref.grad()));
  EXPECT_TRUE(at::allclose(bias.grad(), bias_ref.grad()));
  {
    at::AutoGradMode no_grad(false);  // inference on the same weights may take the kernel
    EXPECT_EQ(TakesSkinnyKernel(x, w), TakesSkinnyKernel(x, w.detach()));
  }
}

TEST(ModelLinear, ARowGetsTheSameBitsWhateverRowsShareItsCall) {
  at::manual_seed(5);
  at::Tensor w = at::randn({301, 576});
  at::Tensor x = at::randn({kSkinnyRows, 576});
  if (!TakesSkinnyKernel(x, w)) GTEST_SKIP() << "this CPU has no AVX2+FMA: ModelLinear is at::linear here";
  at::Tensor together = ModelLinear(x, w, std::nullopt);
  for (int64_t r = 0; r < kSkinnyRows; ++r) {
    EXPECT_TRUE(at::equal(ModelLinear(x.narrow(0, r, 1), w, std::nullopt)[0], together[r])) << "row " << r;
  }
  // and in any company: rows 3..9 of the same inputs, so row 3 sits in another tile position
  at::Tensor some = ModelLinear(x.narrow(0, 3, 7), w, std::nullopt);
  EXPECT_TRUE(at::equal(some, together.narrow(0, 3, 7)));
}

}  // namespace
}  // namespace faq
