// GPTQ packing: the spec's worked examples (§1.7), a scalar reference packer, round trips.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "support/test_env.h"

#include <cstdint>
#include <vector>

#include "faq/format/gptq_format.h"
#include "faq/util/error.h"

namespace faq {
namespace {

using testing::ErrorOf;

// int32 tensor [rows, cols] from codes given row-major.
at::Tensor Codes(const std::vector<int64_t>& v, int64_t rows, int64_t cols) {
  return at::tensor(v, at::kLong).view({rows, cols}).to(at::kInt);
}

uint32_t Word(const at::Tensor& packed, int64_t r, int64_t c) {
  return static_cast<uint32_t>(packed[r][c].item<int32_t>());
}

// Packs one column of codes one bit at a time into a little-endian stream (the spec's
// description of the layout), independently of the vectorised implementation.
std::vector<uint32_t> ScalarPack(const std::vector<int64_t>& codes, int bits) {
  std::vector<uint32_t> words(codes.size() * bits / 32, 0);
  for (size_t k = 0; k < codes.size(); ++k) {
    for (int i = 0; i < bits; ++i) {
      size_t bit = k * bits + i;
      if ((codes[k] >> i) & 1) words[bit / 32] |= 1u << (bit % 32);
    }
  }
  return words;
}

TEST(GptqFormat, WorkedExample4Bit) {
  at::Tensor packed = PackGptqQweight(Codes({1, 2, 3, 4, 5, 6, 7, 8}, 1, 8), 4);  // N=1, K=8
  ASSERT_EQ(packed.sizes().vec(), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(Word(packed, 0, 0), 0x87654321u);
  EXPECT_EQ(packed[0][0].item<int32_t>(), -2023406815);
}

TEST(GptqFormat, WorkedExamples2And8Bit) {
  at::Tensor p2 = PackGptqQweight(Codes({0, 1, 2, 3, 3, 2, 1, 0, 1, 1, 2, 2, 3, 3, 0, 0}, 1, 16), 2);
  EXPECT_EQ(Word(p2, 0, 0), 0x0FA51BE4u);
  at::Tensor p8 = PackGptqQweight(Codes({0x11, 0x22, 0x80, 0xFF}, 1, 4), 8);
  EXPECT_EQ(Word(p8, 0, 0), 0xFF802211u);
}

TEST(GptqFormat, WorkedExample3Bit) {
  std::vector<int64_t> v(32);
  for (int j = 0; j < 32; ++j) v[j] = j % 8;
  at::Tensor p = PackGptqQweight(Codes(v, 1, 32), 3);
  ASSERT_EQ(p.sizes().vec(), (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(Word(p, 0, 0), 0x88FAC688u);
  EXPECT_EQ(Word(p, 1, 0), 0xC688FAC6u);
  EXPECT_EQ(Word(p, 2, 0), 0xFAC688FAu);
}

TEST(GptqFormat, WorkedExampleLayoutTransposed) {
  // N = K = 8, Q[n][k] = (n + 2k) mod 16: qweight is [K/8, N], word n packs column n.
  std::vector<int64_t> v;
  for (int n = 0; n < 8; ++n)
    for (int k = 0; k < 8; ++k) v.push_back((n + 2 * k) % 16);
  at::Tensor p = PackGptqQweight(Codes(v, 8, 8), 4);
  ASSERT_EQ(p.sizes().vec(), (std::vector<int64_t>{1, 8}));
  const uint32_t expected[] = {0xECA86420, 0xFDB97531, 0x0ECA8642, 0x1FDB9753,
                               0x20ECA864, 0x31FDB975, 0x420ECA86, 0x531FDB97};
  for (int n = 0; n < 8; ++n) EXPECT_EQ(Word(p, 0, n), expected[n]) << "n=" << n;
}

TEST(GptqFormat, SymmetricQzerosWords) {
  struct Case {
    int bits;
    std::vector<uint32_t> v1, v2;
  };
  const Case cases[] = {
      {2, {0x55555555}, {0xAAAAAAAA}},
      {3, {0xDB6DB6DB, 0xB6DB6DB6, 0x6DB6DB6D}, {0x24924924, 0x49249249, 0x92492492}},
      {4, {0x77777777}, {0x88888888}},
      {8, {0x7F7F7F7F}, {0x80808080}},
  };
  for (const auto& c : cases) {
    const int64_t n = 32;  // one word's worth (three for 3-bit) of columns, times a few
    at::Tensor zeros = at::full({2, n}, int64_t{1} << (c.bits - 1), at::kInt);
    at::Tensor p1 = PackGptqQzeros(zeros, c.bits, /*v1=*/true);
    at::Tensor p2 = PackGptqQzeros(zeros, c.bits, /*v1=*/false);
    ASSERT_EQ(p1.sizes().vec(), (std::vector<int64_t>{2, n * c.bits / 32}));
    for (int64_t w = 0; w < p1.size(1); ++w) {
      EXPECT_EQ(Word(p1, 1, w), c.v1[w % c.v1.size()]) << c.bits << "-bit v1 word " << w;
      EXPECT_EQ(Word(p2, 1, w), c.v2[w % c.v2.size()]) << c.bits << "-bit v2 word " << w;
    }
    EXPECT_TRUE(at::equal(UnpackGptqQzeros(p1, c.bits, n, true), zeros));
    EXPECT_TRUE(at::equal(UnpackGptqQzeros(p2, c.bits, n, false), zeros));
  }
}

class GptqRoundTrip : public ::testing::TestWithParam<int> {};

TEST_P(GptqRoundTrip, QweightMatchesScalarPackerAndUnpacks) {
  const int bits = GetParam();
  const int64_t n = 96, k = 320, maxq = (int64_t{1} << bits) - 1;
  at::manual_seed(bits);
  at::Tensor q = at::randint(0, maxq + 1, {n, k}, at::kInt);
  at::Tensor packed = PackGptqQweight(q, bits);
  ASSERT_EQ(packed.scalar_type(), at::kInt);
  ASSERT_EQ(packed.sizes().vec(), (std::vector<int64_t>{k * bits / 32, n}));
  for (int64_t col : {int64_t{0}, int64_t{17}, n - 1}) {
    std::vector<int64_t> codes(k);
    for (int64_t i = 0; i < k; ++i) codes[i] = q[col][i].item<int32_t>();
    std::vector<uint32_t> expected = ScalarPack(codes, bits);
    for (size_t r = 0; r < expected.size(); ++r) ASSERT_EQ(Word(packed, r, col), expected[r]) << "row " << r;
  }
  EXPECT_TRUE(at::equal(UnpackGptqQweight(packed, bits, k), q));
}

TEST_P(GptqRoundTrip, QzerosV1AndV2) {
  const int bits = GetParam();
  const int64_t g = 5, n = 160, maxq = (int64_t{1} << bits) - 1;
  at::manual_seed(100 + bits);
  at::Tensor z2 = at::randint(0, maxq + 1, {g, n}, at::kInt);  // v2 holds every zero, 0 included
  at::Tensor p2 = PackGptqQzeros(z2, bits, false);
  ASSERT_EQ(p2.sizes().vec(), (std::vector<int64_t>{g, n * bits / 32}));
  EXPECT_TRUE(at::equal(UnpackGptqQzeros(p2, bits, n, false), z2));
  at::Tensor z1 = at::randint(1, maxq + 1, {g, n}, at::kInt);  // v1 cannot hold 0
  at::Tensor p1 = PackGptqQzeros(z1, bits, true);
  EXPECT_TRUE(at::equal(UnpackGptqQzeros(p1, bits, n, true), z1));
  // v1 stores zero − 1, v2 the zero: unpacking v1 words as v2 gives exactly one less.
  EXPECT_TRUE(at::equal(UnpackGptqQzeros(p1, bits, n, false), z1 - 1));
  // The packed row of a group is the scalar stream along N.
  std::vector<int64_t> row(n);
  for (int64_t i = 0; i < n; ++i) row[i] = z2[3][i].item<int32_t>();
  std::vector<uint32_t> expected = ScalarPack(row, bits);
  for (size_t w = 0; w < expected.size(); ++w) ASSERT_EQ(Word(p2, 3, w), expected[w]) << "word " << w;
}

INSTANTIATE_TEST_SUITE_P(Bits, GptqRoundTrip, ::testing::Values(2, 3, 4, 8));

TEST(GptqFormat, LargeLayerIsChunkedCorrectly) {
  // More values than one internal chunk, so chunk boundaries are exercised.
  const int64_t n = 256, k = 20480;
  at::manual_seed(5);
  for (int bits : {3, 4}) {
    at::Tensor q = at::randint(0, 1 << bits, {n, k}, at::kInt);
    EXPECT_TRUE(at::equal(UnpackGptqQweight(PackGptqQweight(q, bits), bits, k), q)) << bits;
  }
}

TEST(GptqFormat, ShapeAndRangeErrors) {
  at::Tensor q48 = at::zeros({32, 48}, at::kInt);
  std::string msg = ErrorOf([&] { PackGptqQweight(q48, 3); });
  EXPECT_NE(msg.find("3-bit"), std::string::npos) << msg;
  EXPECT_NE(msg.find("multiple of 32"), std::string::npos) << msg;
  msg = ErrorOf([&] { PackGptqQzeros(at::full({1, 48}, 4, at::kInt), 3, true); });
  EXPECT_NE(msg.find("N (out_features) (48) must be a multiple of 32"), std::string::npos) << msg;
  msg = ErrorOf([&] { CheckGptqShape(64, 48, 3, "layer x"); });
  EXPECT_NE(msg.find("layer x"), std::string::npos) << msg;
  EXPECT_NE(msg.find("divisible by 32"), std::string::npos) << msg;
  EXPECT_EQ(ErrorOf([&] { CheckGptqShape(64, 64, 3, "ok"); }), "(no error)");
  msg = ErrorOf([&] { PackGptqQweight(at::zeros({8, 12}, at::kInt), 4); });
  EXPECT_NE(msg.find("multiple of 8"), std::string::npos) << msg;
  msg = ErrorOf([&] { PackGptqQweight(at::full({8, 8}, 16, at::kInt), 4); });
  EXPECT_NE(msg.find("[0, 15]"), std::string::npos) << msg;
  msg = ErrorOf([&] { PackGptqQweight(at::zeros({8, 8}, at::kInt), 5); });
  EXPECT_NE(msg.find("2, 3, 4 or 8 bits"), std::string::npos) << msg;
  msg = ErrorOf([&] { PackGptqQzeros(at::zeros({1, 8}, at::kInt), 4, /*v1=*/true); });
  EXPECT_NE(msg.find("gptq_v2"), std::string::npos) << msg;
  msg = ErrorOf([&] { UnpackGptqQweight(at::zeros({3, 8}, at::kInt), 4, 32); });
  EXPECT_NE(msg.find("expected K·4/32 = 4"), std::string::npos) << msg;
}

}  // namespace
}  // namespace faq
