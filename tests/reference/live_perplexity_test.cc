// `faq eval ppl` end to end on a real trained model and held-out data outside the repo,
// against an independent implementation (transformers) and the published figure.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/test_env.h"

namespace faq {
namespace {

TEST(LivePerplexity, TrainedLlamaMatchesTransformersAndThePublishedFigure) {
  const std::string python = testing::PythonPath();
  ASSERT_FALSE(python.empty()) << "FAQ_PYTHON is not set";
  auto shared = testing::SharedDir();
  const std::string model = (shared / "models/llama2xs-hf").string();
  const std::string data = (shared / "models/llama2xs_eval.jsonl").string();
  auto ours = testing::Run({testing::FaqBinary(), "eval", "ppl", "--model", model, "--data", data, "--seqlen", "256",
                            "--json"});
  ASSERT_EQ(ours.exit_code, 0) << ours.err;
  auto ref = testing::Run({python, (testing::SourceDir() / "tests/reference/hf_perplexity.py").string(), "--model",
                           model, "--data", data, "--seqlen", "256"});
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  auto a = nlohmann::json::parse(testing::LastLine(ours.out));
  auto b = nlohmann::json::parse(testing::LastLine(ref.out));
  EXPECT_EQ(a["windows"], 267);
  EXPECT_EQ(a["windows"], b["windows"]);
  EXPECT_EQ(a["tokens"], b["tokens"]);
  const double faq_ppl = a["ppl"], hf_ppl = b["ppl"];
  EXPECT_NEAR(faq_ppl / hf_ppl, 1.0, 1e-3) << "faq " << faq_ppl << " vs transformers " << hf_ppl;
  EXPECT_NEAR(faq_ppl, 6.2643, 6.2643 * 1e-3);  // models/README.md
}

}  // namespace
}  // namespace faq
