// BuildCalibrationSet: which tokens a calibration set holds, in concat and per-record mode.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <numeric>
#include <utility>

#include "faq/quant/calibration.h"
#include "faq/util/error.h"

namespace faq {
namespace {

// Three documents whose tokens are their positions in the concatenated stream: 0..99.
std::vector<std::vector<int32_t>> CountingDocuments() {
  std::vector<std::vector<int32_t>> docs{std::vector<int32_t>(30), std::vector<int32_t>(50), std::vector<int32_t>(20)};
  int32_t next = 0;
  for (auto& d : docs) std::iota(d.begin(), d.end(), std::exchange(next, next + static_cast<int32_t>(d.size())));
  return docs;
}

TEST(CalibrationSet, ConcatWindowsStartAfterTheSkippedTokens) {
  const auto docs = CountingDocuments();
  const CalibrationSet first = BuildCalibrationSet(docs, CalibrationMode::kConcat, 2, 16);
  EXPECT_EQ(first.ids[0][0].item<int64_t>(), 0);
  EXPECT_EQ(first.ids[1][15].item<int64_t>(), 31);
  const CalibrationSet skipped = BuildCalibrationSet(docs, CalibrationMode::kConcat, 8, 16, 40);
  ASSERT_EQ(skipped.Samples(), 3) << "60 tokens after the skip hold three windows of 16";
  EXPECT_TRUE(at::equal(skipped.ids.flatten(), at::arange(40, 88, at::kLong)));
  EXPECT_EQ(skipped.Tokens(), 48);
}

TEST(CalibrationSet, SkippingPastTheLastWindowSaysHowManyTokensWereLeft) {
  try {
    BuildCalibrationSet(CountingDocuments(), CalibrationMode::kConcat, 4, 16, 90);
    ADD_FAILURE() << "no window fits after skipping 90 of 100 tokens";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("100 tokens (10 after --calib-skip 90)"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace faq
