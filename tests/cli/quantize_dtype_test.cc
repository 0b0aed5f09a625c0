// faq quantize --dtype on the bundled trained bf16 model: the forward passes run in the dtype
// asked for (the --json result and the log say which), bf16 lands within a small tolerance of
// fp32 in perplexity, auto follows the checkpoint where the CPU computes it natively, and the
// profile counts the layer passes (1 + one per true-sequential stage, none after the last layer).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "faq/io/json.h"
#include "faq/model/device.h"
#include "support/test_env.h"

namespace faq {
namespace {

namespace fs = std::filesystem;

class QuantizeDtype : public ::testing::Test {
 protected:
  testing::CommandResult Quantize(const std::string& out, std::vector<std::string> extra) {
    std::vector<std::string> argv = {testing::FaqBinary(), "quantize", "--model", model_.string(), "--calib",
                                     (testing::SharedDir() / "data/c4/c4_validation_samples.jsonl").string(),
                                     "--nsamples", "16", "--seqlen", "128", "--group-size", "32", "--format", "fake",
                                     "--out", (dir_ / out).string(), "--json"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return testing::Run(argv);
  }
  double Ppl(const std::string& out) {
    auto r = testing::Run({testing::FaqBinary(), "eval", "ppl", "--model", (dir_ / out).string(), "--data",
                           (testing::SharedDir() / "data/wikitext2/wiki.test.raw").string(), "--seqlen", "256",
                           "--max-windows", "8", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return ParseJson(testing::LastLine(r.out), "eval --json").at("ppl").get<double>();
  }
  static nlohmann::json Result(const testing::CommandResult& r) {
    return ParseJson(testing::LastLine(r.out), "quantize --json");
  }
  fs::path model_ = testing::SourceDir() / "models/tiny-qwen3-target";  // bf16, 6 layers
  testing::TempDir dir_;
};

TEST_F(QuantizeDtype, Bf16ForwardPassesLandCloseToFp32) {
  auto fp32 = Quantize("fp32", {"--dtype", "fp32"});
  ASSERT_EQ(fp32.exit_code, 0) << fp32.err;
  auto bf16 = Quantize("bf16", {"--dtype", "bf16"});
  ASSERT_EQ(bf16.exit_code, 0) << bf16.err;
  EXPECT_EQ(Result(fp32).at("dtype"), "fp32");
  EXPECT_EQ(Result(bf16).at("dtype"), "bf16");
  EXPECT_EQ(Result(fp32).at("activation_dtype"), "fp32");
  EXPECT_EQ(Result(bf16).at("activation_dtype"), "bf16");
  EXPECT_NE(bf16.err.find("on cpu in bf16"), std::string::npos) << bf16.err;
  const double a = Ppl("fp32"), b = Ppl("bf16");
  EXPECT_NEAR(b / a, 1.0, 0.01) << "fp32 " << a << " bf16 " << b;
}

TEST_F(QuantizeDtype, AutoIsTheCheckpointsDtypeWhereTheCpuComputesItNatively) {
  auto r = Quantize("auto", {});  // auto is the default
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Result(r).at("activation_dtype"), Result(r).at("dtype"));
  if (CpuComputesNatively(at::kBFloat16)) {
    EXPECT_EQ(Result(r).at("dtype"), "bf16");
  } else {
    EXPECT_EQ(Result(r).at("dtype"), "fp32");
    EXPECT_NE(r.err.find("this CPU has no native bf16 matrix instructions"), std::string::npos) << r.err;
  }
}

// fp32 forward passes with the activations kept in bf16 between layers: half their memory,
// and a result near the all-fp32 run's; an unknown dtype is a usage error.
TEST_F(QuantizeDtype, ActivationsCanBeKeptInBf16BetweenFp32Layers) {
  auto fp32 = Quantize("fp32", {"--dtype", "fp32"});
  ASSERT_EQ(fp32.exit_code, 0) << fp32.err;
  auto kept = Quantize("kept", {"--dtype", "fp32", "--activation-dtype", "bf16"});
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  EXPECT_EQ(Result(kept).at("dtype"), "fp32");
  EXPECT_EQ(Result(kept).at("activation_dtype"), "bf16");
  EXPECT_NE(kept.err.find("activations between layers in bf16"), std::string::npos) << kept.err;
  const double a = Ppl("fp32"), b = Ppl("kept");
  EXPECT_NEAR(b / a, 1.0, 0.01) << "fp32 " << a << " bf16 activations " << b;
  auto bad = Quantize("bad", {"--activation-dtype", "int8"});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("compute, fp32, bf16 or fp16"), std::string::npos) << bad.err;
}

TEST_F(QuantizeDtype, LayerPassesAreOnePerStagePlusOneAndNoneAfterTheLastLayer) {
  constexpr int64_t kLayers = 6;  // tiny-qwen3-target
  auto plain = Quantize("plain", {"--dtype", "fp32", "--method", "rtn"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(Result(plain).at("profile").at("layer_passes"), 2 * kLayers - 1);
  // q/k/v → o → gate/up → down: four statistics passes per layer, then the next layer's inputs.
  auto sequential = Quantize("seq", {"--dtype", "fp32", "--true-sequential"});
  ASSERT_EQ(sequential.exit_code, 0) << sequential.err;
  EXPECT_EQ(Result(sequential).at("profile").at("layer_passes"), 5 * kLayers - 1);
  EXPECT_NE(sequential.err.find("layer passes over the calibration set"), std::string::npos) << sequential.err;
}

}  // namespace
}  // namespace faq
