// `faq quantize` GPTQ w4 on SmolLM2-135M-Instruct against an independent GPTQ pipeline over
// transformers (gptq_layerwise.py), live: the perplexities of the two quantized models on
// held-out WikiText-2 agree within 1%. Calibration on C4 text, tokenized by faq (the tokenizer
// test checks it against tokenizers), so both sides see the same token ids, in micro-batches of 4
// on both sides. At 4 bits GPTQ on this model is chaotic: the Hessians' summation order alone
// moves the reference's perplexity over 56.6 (batches of 8), 57.3 (4) and 57.7 (16), about ±1%,
// so the comparison uses faq's order (faq: 57.70, 0.6% from the reference's 57.35).
//
// Groups of 64, not the usual 128: SmolLM2-135M's hidden size 576 is 4.5 groups of 128, and a
// partial group is what neither faq's GPTQ layout nor vLLM's GPTQ kernels take (vLLM refuses
// an input width the group size does not divide). faq refuses it up front, which is checked too.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <future>

#include "faq/tokenizer/tokenizer.h"
#include "faq/util/atomic_file.h"
#include "real/real_model.h"
#include "support/test_env.h"

namespace faq {
namespace {

constexpr int kSeqlen = 256;
constexpr int kCalibSamples = 16;
constexpr size_t kEvalWindows = 8;

// C4 records as input_ids, one per line, until `tokens` are there.
std::string CalibrationIds(const Tokenizer& tok, size_t tokens) {
  std::ifstream in(testing::SharedDir() / "data/c4/c4_validation_samples.jsonl");
  std::string out;
  size_t have = 0;
  for (std::string line; have < tokens && std::getline(in, line);) {
    const auto ids = tok.Encode(nlohmann::json::parse(line)["text"].get<std::string>());
    have += ids.size();
    out += nlohmann::json{{"input_ids", ids}}.dump() + "\n";
  }
  EXPECT_GE(have, tokens) << "the C4 sample is too short";
  return out;
}

// The start of WikiText-2's test split: exactly kEvalWindows windows.
std::string EvalIds(const Tokenizer& tok) {
  auto ids = tok.Encode(ReadFile(testing::SharedDir() / "data/wikitext2/wiki.test.raw").substr(0, 60000));
  EXPECT_GE(ids.size(), kEvalWindows * kSeqlen);
  ids.resize(kEvalWindows * kSeqlen);
  return nlohmann::json{{"input_ids", ids}}.dump() + "\n";
}

double PplOf(const testing::CommandResult& r) { return nlohmann::json::parse(testing::LastLine(r.out))["ppl"]; }

TEST(RealQuantize, GptqW4G64PerplexityWithin1PercentOfTheReferencePipeline) {
  const std::string python = testing::PythonPath();
  ASSERT_FALSE(python.empty()) << "FAQ_PYTHON is not set";
  const auto model = testing::RealModelDir();
  auto tok = Tokenizer::Load(model);
  testing::TempDir dir;
  const std::string calib = (dir / "calib.jsonl").string(), eval = (dir / "eval.jsonl").string();
  WriteFileAtomic(calib, CalibrationIds(*tok, kCalibSamples * kSeqlen));
  WriteFileAtomic(eval, EvalIds(*tok));

  const std::string out = (dir / "q").string();
  const std::string seqlen = std::to_string(kSeqlen), nsamples = std::to_string(kCalibSamples);
  // The reference runs while faq quantizes: two processes, one thread each (sums split across
  // threads can round differently from run to run, which this chaotic case amplifies).
  auto reference = std::async(std::launch::async, [&] {
    return testing::Run({python, (testing::SourceDir() / "tests/real/gptq_layerwise.py").string(), "--model",
                         model.string(), "--calib", calib, "--eval", eval, "--bits", "4", "--group-size", "64",
                         "--nsamples", nsamples, "--seqlen", seqlen, "--batch", "4"});
  });
  auto q = testing::Run({testing::FaqBinary(), "--threads", "1", "quantize", "--model", model.string(), "--calib", calib, "--method",
                         "gptq", "--bits", "4", "--group-size", "64", "--nsamples", nsamples, "--seqlen", seqlen,
                         "--micro-batch", "4", "--out", out, "--json"});
  auto ours = q.exit_code == 0 ? testing::Run({testing::FaqBinary(), "eval", "ppl", "--model", out, "--data", eval,
                                               "--seqlen", seqlen, "--json"})
                               : testing::CommandResult{};
  const auto ref = reference.get();
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(nlohmann::json::parse(testing::LastLine(q.out))["linears"], 30 * 7);
  ASSERT_EQ(ours.exit_code, 0) << ours.err;
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  const auto r = nlohmann::json::parse(testing::LastLine(ref.out));
  EXPECT_EQ(r["windows"], kEvalWindows);
  EXPECT_EQ(r["nsamples"], kCalibSamples);
  const double faq_ppl = PplOf(ours), ref_ppl = r["ppl"], fp_ppl = r["fp_ppl"];
  EXPECT_NEAR(faq_ppl / ref_ppl, 1.0, 0.01) << "faq GPTQ " << faq_ppl << " vs reference pipeline " << ref_ppl;
  // Symmetric 4-bit groups of 64 lose to the model's own asymmetric Q4_1 groups of 32: a quantized
  // perplexity at or below full precision would mean the weights were not replaced.
  EXPECT_GT(faq_ppl, fp_ppl);
  std::printf("SmolLM2-135M-Instruct WikiText-2 ppl (%zu x %d tokens): fp %.4f, faq GPTQ w4 g64 %.4f, "
              "reference pipeline %.4f\n", kEvalWindows, kSeqlen, fp_ppl, faq_ppl, ref_ppl);
}

// Groups of 128 do not fit the 576-wide inputs: refused before any work, naming the linear and
// the width, rather than quantized into a checkpoint nothing can load.
TEST(RealQuantize, GroupsOf128AreRefusedForTheHidden576Inputs) {
  const auto model = testing::RealModelDir();
  testing::TempDir dir;
  const std::string calib = (dir / "calib.jsonl").string();
  WriteFileAtomic(calib, R"({"text": "A short calibration text."})" "\n");
  auto q = testing::Run({testing::FaqBinary(), "--threads", "1", "quantize", "--model", model.string(), "--calib", calib, "--method",
                         "gptq", "--bits", "4", "--group-size", "128", "--nsamples", "1", "--seqlen", "4", "--out",
                         (dir / "q").string()});
  EXPECT_EQ(q.exit_code, 1);
  EXPECT_NE(q.err.find("group size 128 does not divide its input width 576"), std::string::npos) << q.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "q"));
}

}  // namespace
}  // namespace faq
