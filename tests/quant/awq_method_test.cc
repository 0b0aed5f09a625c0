// AWQ on the v2 engine: its folds keep the full-precision model, and on the trained llama2xs
// its output error and perplexity beat round-to-nearest at the same bits and groups.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "faq/eval/perplexity.h"
#include "faq/eval/token_source.h"
#include "faq/export/gptq_checkpoint.h"
#include "faq/quant/model_quantizer.h"
#include "support/test_env.h"

namespace faq {
namespace {

class AwqOnLlama : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto shared = testing::SharedDir();
    model_ = new std::filesystem::path(shared / "models/llama2xs-hf");
    auto docs = LoadTokenDocuments(shared / "models/llama2xs_calib.jsonl", {});
    calib_ = new CalibrationSet(BuildCalibrationSet(docs, CalibrationMode::kConcat, 32, 256));
    eval_ = new std::vector<int32_t>(LoadTokenStream(shared / "models/llama2xs_eval.jsonl", {}));
  }
  static void TearDownTestSuite() {
    delete model_;
    delete calib_;
    delete eval_;
  }

  static ModelQuantizerOptions Options(const std::string& method, int bits) {
    ModelQuantizerOptions o;
    o.method = method;
    o.scheme.bits = bits;
    o.scheme.group_size = 32;
    o.scheme.sym = false;
    o.show_progress = false;
    return o;
  }

  double Perplexity(const std::filesystem::path& dir) const {
    PerplexityOptions p;
    p.seqlen = 256;
    p.max_windows = 60;
    p.show_progress = false;
    return EvaluatePerplexity(CausalLM(dir), *eval_, p).ppl;
  }

  // Quantizes, exports as fake-quantized and returns the held-out perplexity.
  double QuantizedPerplexity(const ModelQuantizerOptions& o, const std::string& name, double* total_loss) {
    CausalLM model(*model_);
    ModelQuantizerResult r = QuantizeModel(model, *calib_, o);
    *total_loss = 0;
    for (const auto& row : r.reports) *total_loss += row.solve.loss;
    ExportOptions eo;
    eo.format = ExportOptions::Format::kFake;
    WriteQuantizedCheckpoint(*model_, dir_ / name, r.linears, r.replaced, {}, eo);
    return Perplexity(dir_ / name);
  }

  static std::filesystem::path* model_;
  static CalibrationSet* calib_;
  static std::vector<int32_t>* eval_;
  testing::TempDir dir_;
};
std::filesystem::path* AwqOnLlama::model_ = nullptr;
CalibrationSet* AwqOnLlama::calib_ = nullptr;
std::vector<int32_t>* AwqOnLlama::eval_ = nullptr;

TEST_F(AwqOnLlama, ScalesFoldWithoutChangingTheFullPrecisionModel) {
  ModelQuantizerOptions o = Options("awq", 4);
  o.method_options.Set("awq_clip", false);     // clipping changes weights on purpose
  o.rules.push_back({.pattern = ".*", .skip = true});  // the scales alone
  CausalLM model(*model_);
  ModelQuantizerResult r = QuantizeModel(model, *calib_, o);
  // Per layer: both norms and q/k/v, gate/up, down (o_proj keeps its scale: GQA, see linear_groups).
  ASSERT_EQ(r.replaced.size(), 5u * (2u + 6u));
  ExportOptions eo;
  eo.format = ExportOptions::Format::kFake;
  WriteQuantizedCheckpoint(*model_, dir_ / "scaled", {}, r.replaced, {}, eo);
  const at::Tensor ids = at::tensor(std::vector<int64_t>(eval_->begin(), eval_->begin() + 256)).view({2, 128});
  const at::Tensor before = CausalLM(*model_).Forward(ids), after = CausalLM(dir_ / "scaled").Forward(ids);
  EXPECT_LT((after - before).abs().max().item<double>(), 1e-5 * std::max(1.0, before.abs().max().item<double>()));
}

TEST_F(AwqOnLlama, BeatsRoundToNearestInOutputErrorAndPerplexity) {
  for (int bits : {4, 3}) {
    SCOPED_TRACE(bits);
    double rtn_loss = 0, awq_loss = 0, awq_gptq_loss = 0;
    const double rtn = QuantizedPerplexity(Options("rtn", bits), "rtn", &rtn_loss);
    const double awq = QuantizedPerplexity(Options("awq", bits), "awq", &awq_loss);
    const double awq_gptq = QuantizedPerplexity(Options("awq+gptq", bits), "awq-gptq", &awq_gptq_loss);
    EXPECT_LT(awq_loss, rtn_loss);
    EXPECT_LT(awq, rtn);
    EXPECT_LT(awq_gptq_loss, awq_loss) << "GPTQ on the scaled weights beats RTN on them";
    EXPECT_LT(awq_gptq, rtn);
  }
}

}  // namespace
}  // namespace faq
