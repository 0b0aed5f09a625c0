// `faq quantize` end to end on a real trained model and data outside the repo, against an
// independent GPTQ pipeline over transformers (tests/reference/gptq_pipeline.py).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "faq/util/atomic_file.h"
#include "support/test_env.h"

namespace faq {
namespace {

TEST(LiveQuantize, GptqPerplexityMatchesAnIndependentPipeline) {
  const std::string python = testing::PythonPath();
  ASSERT_FALSE(python.empty()) << "FAQ_PYTHON is not set";
  auto shared = testing::SharedDir();
  const std::string model = (shared / "models/llama2xs-hf").string();
  const std::string calib = (shared / "models/llama2xs_calib.jsonl").string();
  const std::string eval = (shared / "models/llama2xs_eval.jsonl").string();
  testing::TempDir dir;
  const std::string out = (dir / "q").string();
  auto q = testing::Run({testing::FaqBinary(), "quantize", "--model", model, "--calib", calib, "--method", "gptq",
                         "--bits", "4", "--group-size", "64", "--nsamples", "64", "--seqlen", "256", "--dtype", "fp32",
                         "--out", out,
                         "--json"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  auto summary = nlohmann::json::parse(testing::LastLine(q.out));
  EXPECT_EQ(summary["linears"], 35);
  auto ours = testing::Run({testing::FaqBinary(), "eval", "ppl", "--model", out, "--data", eval, "--seqlen", "256",
                            "--json"});
  ASSERT_EQ(ours.exit_code, 0) << ours.err;
  auto ref = testing::Run({python, (testing::SourceDir() / "tests/reference/gptq_pipeline.py").string(), "--model",
                           model, "--calib", calib, "--eval", eval, "--bits", "4", "--group-size", "64", "--nsamples",
                           "64", "--seqlen", "256"});
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  const double a = nlohmann::json::parse(testing::LastLine(ours.out))["ppl"];
  const double b = nlohmann::json::parse(testing::LastLine(ref.out))["ppl"];
  EXPECT_NEAR(a / b, 1.0, 0.01) << "faq GPTQ " << a << " vs reference pipeline " << b;
  // The per-linear report: GPTQ's output error never exceeds RTN's on the same inputs.
  auto report = nlohmann::json::parse(ReadFile(dir / "q" / "quant_report.json"));
  ASSERT_EQ(report.size(), 35u);
  for (const auto& row : report) {
    EXPECT_LE(row["loss"].get<double>(), row["rtn_loss"].get<double>() * (1 + 1e-6)) << row["name"];
  }
  std::printf("llama2xs GPTQ 4-bit g64: faq %.4f, independent pipeline %.4f\n", a, b);
}

}  // namespace
}  // namespace faq
