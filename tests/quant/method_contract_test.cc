// The engine's contract with methods: every registered method and every transform+solver
// pair runs through quantize → export → load-back → eval on a tiny model; a transform's
// folds leave the full-precision model unchanged and reach the checkpoint.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "faq/eval/perplexity.h"
#include "faq/export/gptq_checkpoint.h"
#include "faq/format/tensor_io.h"
#include "faq/model/random_model.h"
#include "faq/quant/model_quantizer.h"
#include "faq/quant/smoothing.h"
#include "faq/util/error.h"
#include "support/test_env.h"

namespace faq {
namespace {

// Scales each input channel of a group by s = sqrt(mean|x|) (normalised) and folds 1/s into
// the tensor the input comes from: what AWQ does with a searched exponent, here fixed, so
// that the engine's transform path is tested independently of any registered transform.
class SqrtSalienceTransform : public QuantTransform {
 public:
  std::string_view Name() const override { return "sqrt-salience"; }
  bool AsymmetricByDefault() const override { return false; }
  StatsRequest Needs() const override { return {.abs_mean = true}; }
  void Apply(GroupTensors& g, const GroupStats& stats) const override {
    if (g.group->smoothing == SmoothingKind::kNone) return;
    at::Tensor s = stats.AbsMean().clamp_min(1e-5).sqrt();
    FoldSmoothingScale(g, s / (s.max() * s.min()).sqrt());
  }
};

class MethodContract : public ::testing::Test {
 protected:
  void SetUp() override {
    nlohmann::json config = TinyModelConfig("llama");
    config["num_key_value_heads"] = config["num_attention_heads"];  // lets o_proj fold into v_proj
    WriteRandomModel(dir_ / "m", config, {.seed = 3});
    std::vector<std::vector<int32_t>> docs(1);
    for (int i = 0; i < 1200; ++i) docs[0].push_back((i * 29 + 7) % 200);
    calib_ = BuildCalibrationSet(docs, CalibrationMode::kConcat, 12, 64);
    for (int i = 0; i < 640; ++i) eval_.push_back((i * 31 + 11) % 200);
  }

  ModelQuantizerOptions Options(const std::string& method) const {
    ModelQuantizerOptions o;
    o.method = method;
    o.scheme.bits = 4;
    o.scheme.group_size = 32;
    o.show_progress = false;
    return o;
  }

  double Perplexity(const std::filesystem::path& dir) const {
    PerplexityOptions p;
    p.seqlen = 64;
    p.show_progress = false;
    return EvaluatePerplexity(CausalLM(dir), eval_, p).ppl;
  }

  at::Tensor Logits(const std::filesystem::path& dir) const {
    at::Tensor ids = at::arange(0, 48, at::kLong).remainder(200).view({2, 24});
    return CausalLM(dir).Forward(ids);
  }

  testing::TempDir dir_;
  CalibrationSet calib_;
  std::vector<int32_t> eval_;
};

TEST_F(MethodContract, EveryMethodAndPairQuantizesExportsAndLoadsBack) {
  std::vector<std::string> specs;
  for (const auto& row : MethodTable()) {
    if (row.make_solver != nullptr) specs.emplace_back(row.name);
    if (row.make_transform == nullptr) continue;
    for (const auto& solver : MethodTable()) {
      if (solver.make_solver != nullptr) specs.push_back(std::string(row.name) + "+" + solver.name);
    }
  }
  ASSERT_GE(specs.size(), 3u);
  const double fp = Perplexity(dir_ / "m");
  for (const std::string& spec : specs) {
    SCOPED_TRACE(spec);
    CausalLM model(dir_ / "m");
    ModelQuantizerResult r = QuantizeModel(model, calib_, Options(spec));
    EXPECT_EQ(r.linears.size(), 2u * 7u);
    EXPECT_EQ(r.reports.size(), 2u * 7u);
    // The packed format is the one that stores what the method produced (GPTQ, or SpQR's own).
    const ExportOptions::Format packed = PackedFormatFor(r.linears);
    for (const auto& format : {packed, ExportOptions::Format::kFake}) {
      ExportOptions eo;
      eo.format = format;
      const auto out = dir_ / (spec + (format == packed ? "-gptq" : "-fake"));
      WriteQuantizedCheckpoint(dir_ / "m", out, r.linears, r.replaced, {{"method", spec}}, eo);
      const double ppl = Perplexity(out);
      EXPECT_TRUE(std::isfinite(ppl));
      EXPECT_LT(std::abs(ppl - fp) / fp, 0.25) << "w4 g32 should stay near the fp model: " << ppl << " vs " << fp;
    }
    // Both formats describe the same weights.
    EXPECT_LT((Logits(dir_ / (spec + "-gptq")) - Logits(dir_ / (spec + "-fake"))).abs().max().item<double>(), 5e-2);
  }
}

TEST_F(MethodContract, TransformFoldsKeepTheFullPrecisionModelAndReachTheCheckpoint) {
  ModelQuantizerOptions o = Options("unused");
  o.rules.push_back({.pattern = ".*", .skip = true});  // transform only: every linear stays full precision
  QuantMethod method;
  method.name = "sqrt-salience+rtn";
  method.transform = std::make_unique<SqrtSalienceTransform>();
  method.solver = MakeQuantMethod("rtn", MethodOptions()).solver;
  CausalLM model(dir_ / "m");
  ModelQuantizerResult r = QuantizeModel(model, calib_, o, method);
  EXPECT_TRUE(r.linears.empty());
  // Per layer: both norms, v_proj (o_proj's source) and up_proj (down_proj's source), and
  // every linear of a smoothed group (q, k, v, o, gate, up, down) change.
  for (int64_t i = 0; i < 2; ++i) {
    for (const char* name : {"input_layernorm.weight", "post_attention_layernorm.weight", "self_attn.q_proj.weight",
                             "self_attn.v_proj.weight", "self_attn.o_proj.weight", "mlp.up_proj.weight",
                             "mlp.down_proj.weight"}) {
      EXPECT_EQ(r.replaced.count(LayerPrefix(i) + name), 1u) << LayerPrefix(i) + name;
    }
  }
  ExportOptions eo;
  eo.format = ExportOptions::Format::kFake;
  WriteQuantizedCheckpoint(dir_ / "m", dir_ / "folded", {}, r.replaced, {}, eo);
  SafetensorsReader out(dir_ / "folded");
  for (const auto& [name, tensor] : r.replaced) {
    EXPECT_TRUE(at::equal(LoadTensor(out, name, at::kFloat), tensor)) << name << " must come from the quantizer";
  }
  SafetensorsReader source(dir_ / "m");
  EXPECT_FALSE(at::equal(LoadTensor(out, "model.layers.0.input_layernorm.weight", at::kFloat),
                         LoadTensor(source, "model.layers.0.input_layernorm.weight", at::kFloat)));
  const at::Tensor before = Logits(dir_ / "m"), after = Logits(dir_ / "folded");
  EXPECT_LT((after - before).abs().max().item<double>(), 1e-4 * before.abs().max().item<double>());
}

TEST_F(MethodContract, TransformThenSolverQuantizesTheTransformedWeights) {
  QuantMethod method;
  method.name = "sqrt-salience+gptq";
  method.transform = std::make_unique<SqrtSalienceTransform>();
  method.solver = MakeQuantMethod("gptq", MethodOptions()).solver;
  CausalLM model(dir_ / "m");
  ModelQuantizerResult r = QuantizeModel(model, calib_, Options("unused"), method);
  EXPECT_EQ(r.linears.size(), 14u);
  // Quantized linears travel as QuantizedLinear; only the norms are replaced tensors.
  EXPECT_EQ(r.replaced.size(), 4u);
  for (const auto& [name, t] : r.replaced) EXPECT_NE(name.find("layernorm"), std::string::npos) << name;
  WriteQuantizedCheckpoint(dir_ / "m", dir_ / "q", r.linears, r.replaced, {}, ExportOptions{});
  const double ppl = Perplexity(dir_ / "q"), fp = Perplexity(dir_ / "m");
  EXPECT_LT(std::abs(ppl - fp) / fp, 0.25);
}

TEST_F(MethodContract, ExportRefusesReplacedTensorsItCannotPlace) {
  CausalLM model(dir_ / "m");
  ModelQuantizerResult r = QuantizeModel(model, calib_, Options("rtn"));
  std::map<std::string, at::Tensor> unknown{{"model.layers.0.not_a_norm.weight", at::ones({4})}};
  EXPECT_NE(testing::ErrorOf([&] { WriteQuantizedCheckpoint(dir_ / "m", dir_ / "x", r.linears, unknown, {}, {}); })
                .find("does not have"),
            std::string::npos);
  std::map<std::string, at::Tensor> clash{{"model.layers.0.self_attn.q_proj.weight", at::ones({4})}};
  EXPECT_NE(testing::ErrorOf([&] { WriteQuantizedCheckpoint(dir_ / "m", dir_ / "x", r.linears, clash, {}, {}); })
                .find("both replaced and part of a quantized linear"),
            std::string::npos);
  std::map<std::string, at::Tensor> shape{{"model.layers.0.input_layernorm.weight", at::ones({3})}};
  EXPECT_NE(testing::ErrorOf([&] { WriteQuantizedCheckpoint(dir_ / "m", dir_ / "x", r.linears, shape, {}, {}); })
                .find("has shape"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "x"));
}

}  // namespace
}  // namespace faq
