// faq's SpQR layout on the trained llama2xs: pack → unpack is exact, bits per parameter
// counted from the stored tensors equal the formula from shapes and counts, the checkpoint
// loads back to the fake export's logits, and the formats refuse what they cannot hold.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "faq/eval/token_source.h"
#include "faq/export/gptq_checkpoint.h"
#include "faq/format/spqr_format.h"
#include "faq/io/dtype.h"
#include "faq/io/json.h"
#include "faq/io/safetensors.h"
#include "faq/model/causal_lm.h"
#include "faq/quant/model_quantizer.h"
#include "faq/quant/spqr_solver.h"
#include "faq/util/atomic_file.h"
#include "support/test_env.h"

namespace faq {
namespace {

namespace fs = std::filesystem;

class SpqrExport : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto shared = testing::SharedDir();
    source_ = new fs::path(shared / "models/llama2xs-hf");
    const auto docs = LoadTokenDocuments(shared / "models/llama2xs_calib.jsonl", {});
    ModelQuantizerOptions o;
    o.method = "spqr";
    o.scheme.bits = 3;
    o.scheme.act_order = true;  // stores g_idx too
    o.show_progress = false;
    CausalLM model(*source_);
    result_ = new ModelQuantizerResult(QuantizeModel(model, BuildCalibrationSet(docs, CalibrationMode::kConcat, 16, 256), o));
  }
  static void TearDownTestSuite() {
    delete source_;
    delete result_;
  }

  ExportSummary Write(const fs::path& out, ExportOptions::Format format) const {
    ExportOptions eo;
    eo.format = format;
    return WriteQuantizedCheckpoint(*source_, out, result_->linears, {{"method", "spqr"}}, eo);
  }

  static fs::path* source_;
  static ModelQuantizerResult* result_;
  testing::TempDir dir_;
};
fs::path* SpqrExport::source_ = nullptr;
ModelQuantizerResult* SpqrExport::result_ = nullptr;

TEST_F(SpqrExport, PackThenUnpackIsExact) {
  for (const auto& [name, l] : result_->linears) {
    SCOPED_TRACE(name);
    std::map<std::string, at::Tensor> stored;
    for (auto& [suffix, t] : PackSpqrLinear(l, name)) stored[suffix] = t;
    EXPECT_EQ(stored.at("outlier_values").scalar_type(), at::kHalf);
    EXPECT_EQ(stored.at("outlier_col_ids").scalar_type(), at::kShort);
    auto get = [&](const std::string& s) { return stored.count(s) ? stored.at(s) : at::Tensor(); };
    const QuantizedLinear back = UnpackSpqrLinear(get, {3, 16, 3, 16}, l.qweight.size(0), l.qweight.size(1), name);
    EXPECT_TRUE(at::equal(back.qweight, l.qweight));
    EXPECT_TRUE(at::equal(back.g_idx, l.g_idx));
    EXPECT_TRUE(at::equal(back.Dequantize(), l.Dequantize()));  // stats and residuals are fp16-exact
  }
}

TEST_F(SpqrExport, BitsPerParameterFromStoredTensorsEqualTheFormula) {
  const ExportSummary summary = Write(dir_ / "spqr", ExportOptions::Format::kSpqr);
  // Counted from the files: every tensor that replaced a quantized linear's weight.
  SafetensorsReader reader(dir_ / "spqr");
  double stored = 0, formula = 0, params = 0;
  int64_t outliers = 0;
  for (const auto& name : reader.Names()) {
    const size_t dot = name.rfind('.');
    if (result_->linears.count(name.substr(0, dot)) == 0 || name.substr(dot) == ".bias") continue;
    const TensorEntry& e = reader.Entry(name);
    double numel = 1;
    for (int64_t d : e.shape) numel *= static_cast<double>(d);
    stored += numel * static_cast<double>(DTypeSize(e.dtype)) * 8;
  }
  // The paper's formula from shapes and counts: codes, 3-bit first-level stats (scale and
  // zero), four fp16 second-level stats per 16 rows, 16-bit value + 16-bit column per
  // outlier, 32-bit row offsets and (act-order) a 32-bit g_idx.
  for (const auto& [name, l] : result_->linears) {
    const double n = l.qweight.size(0), k = l.qweight.size(1), g = k / 16, c = std::ceil(n / 16);
    const double nnz = l.outliers.defined() ? l.outliers._nnz() : 0;
    outliers += static_cast<int64_t>(nnz);
    formula += n * k * 3 + 2 * g * n * 3 + 4 * g * c * 16 + nnz * (16 + 16) + (n + 1) * 32 + k * 32;
    params += n * k;
  }
  EXPECT_DOUBLE_EQ(stored / params, formula / params);
  EXPECT_DOUBLE_EQ(summary.avg_bits, formula / params);
  EXPECT_EQ(summary.outliers, outliers);
  EXPECT_GT(outliers, 0);
  const nlohmann::json config = ParseJson(ReadFile(dir_ / "spqr/config.json"), "config.json");
  const auto& q = config["quantization_config"];
  EXPECT_EQ(q["quant_method"], "spqr");
  EXPECT_EQ(q["stat_bits"], 3);
  EXPECT_EQ(q["desc_act"], true);
  EXPECT_DOUBLE_EQ(q["avg_bits"].get<double>(), summary.avg_bits);
  EXPECT_EQ(q["outlier_count"].get<int64_t>(), outliers);
}

TEST_F(SpqrExport, LoadsBackToTheFakeExportsLogits) {
  Write(dir_ / "spqr", ExportOptions::Format::kSpqr);
  Write(dir_ / "fake", ExportOptions::Format::kFake);
  const at::Tensor ids = at::arange(0, 128, at::kLong).remainder(500).view({2, 64});
  const at::Tensor packed = CausalLM(dir_ / "spqr").Forward(ids), fake = CausalLM(dir_ / "fake").Forward(ids);
  const double rel = ((packed - fake).abs().max() / fake.abs().max()).item<double>();
  EXPECT_LT(rel, 1e-3);
  // Both differ from the source model (the weights really are quantized).
  EXPECT_GT((fake - CausalLM(*source_).Forward(ids)).abs().max().item<double>(), 1e-3);
}

TEST_F(SpqrExport, FormatsRefuseWhatTheyCannotHold) {
  EXPECT_NE(testing::ErrorOf([&] { Write(dir_ / "gptq", ExportOptions::Format::kGptq); }).find("--format spqr"),
            std::string::npos);
  EXPECT_NE(testing::ErrorOf([&] { Write(dir_ / "awq", ExportOptions::Format::kAwq); }).find("AWQ layout"),
            std::string::npos);
  std::map<std::string, QuantizedLinear> plain;
  for (const auto& [name, l] : result_->linears) plain[name] = RtnSolve(l.Dequantize(), {.bits = 4, .group_size = 32});
  ExportOptions eo;
  eo.format = ExportOptions::Format::kSpqr;
  EXPECT_NE(testing::ErrorOf([&] { WriteQuantizedCheckpoint(*source_, dir_ / "x", plain, {}, eo); })
                .find("SpQR linears only"),
            std::string::npos);
  EXPECT_EQ(PackedFormatFor(plain), ExportOptions::Format::kGptq);
  EXPECT_EQ(PackedFormatFor(result_->linears), ExportOptions::Format::kSpqr);
  EXPECT_FALSE(fs::exists(dir_ / "gptq"));
  EXPECT_FALSE(fs::exists(dir_ / "x"));
}

}  // namespace
}  // namespace faq
