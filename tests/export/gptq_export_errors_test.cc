// The exporter and loader refuse what would produce or accept a wrong checkpoint.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "export_test_util.h"
#include "faq/export/gptq_checkpoint.h"
#include "faq/io/json.h"
#include "faq/model/causal_lm.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"
#include "support/test_env.h"

namespace faq {
namespace {

using testing::ErrorOf;

namespace fs = std::filesystem;

QuantScheme Scheme(int bits, int64_t gs, bool sym, bool act_order) {
  QuantScheme s;
  s.bits = bits;
  s.group_size = gs;
  s.sym = sym;
  s.act_order = act_order;
  return s;
}

class ExportErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteTinyQwen3(tmp_ / "src");
    linears_ = testing::QuantizeAll(tmp_ / "src", Scheme(4, 32, true, true));
  }
  std::string Export(const fs::path& out, const ExportOptions& options = {}, const nlohmann::json& extra = {}) {
    return ErrorOf([&] { WriteQuantizedCheckpoint(tmp_ / "src", out, linears_, extra, options); });
  }
  testing::TempDir tmp_;
  std::map<std::string, QuantizedLinear> linears_;
};

TEST_F(ExportErrors, WritingOverTheSourceIsRefused) {
  const std::string config = ReadFile(tmp_ / "src" / "config.json");
  std::string msg = Export(tmp_ / "src");
  EXPECT_NE(msg.find("refusing to overwrite the source"), std::string::npos) << msg;
  msg = Export(tmp_ / "src" / ".." / "src" / "");  // the same directory spelled differently
  EXPECT_NE(msg.find("refusing to overwrite the source"), std::string::npos) << msg;
  msg = Export(tmp_.path());  // a parent of the source would be replaced as a whole
  EXPECT_NE(msg.find("contains the source"), std::string::npos) << msg;
  EXPECT_EQ(ReadFile(tmp_ / "src" / "config.json"), config);
  EXPECT_TRUE(fs::exists(tmp_ / "src" / "model.safetensors"));
}

TEST_F(ExportErrors, UnrelatedNonEmptyDirectoryIsNotReplaced) {
  WriteFileAtomic(tmp_ / "data" / "notes.txt", "keep me");
  std::string msg = Export(tmp_ / "data");
  EXPECT_NE(msg.find("refusing to replace it"), std::string::npos) << msg;
  EXPECT_EQ(ReadFile(tmp_ / "data" / "notes.txt"), "keep me");
}

TEST_F(ExportErrors, InconsistentQkvGidxIsRefused) {
  auto& k = linears_.at("model.layers.1.self_attn.k_proj");
  at::Tensor other = k.g_idx.flip(0).contiguous();  // a different, equally valid assignment
  auto w = k.Dequantize();
  k = testing::RtnQuantize(w, k.scheme, other);
  std::string msg = Export(tmp_ / "out");
  EXPECT_NE(msg.find("different g_idx"), std::string::npos) << msg;
  EXPECT_NE(msg.find("model.layers.1.self_attn.k_proj"), std::string::npos) << msg;
  EXPECT_NE(msg.find("q_proj/k_proj/v_proj"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(tmp_ / "out"));
}

TEST_F(ExportErrors, InconsistentGateUpGidxIsRefused) {
  auto& up = linears_.at("model.layers.0.mlp.up_proj");
  up = testing::RtnQuantize(up.Dequantize(), up.scheme, up.g_idx.roll(1).contiguous());
  std::string msg = Export(tmp_ / "out");
  EXPECT_NE(msg.find("gate_proj/up_proj"), std::string::npos) << msg;
}

TEST_F(ExportErrors, PartlyQuantizedFusedLayerIsRefused) {
  linears_.erase("model.layers.0.self_attn.v_proj");
  std::string msg = Export(tmp_ / "out");
  EXPECT_NE(msg.find("fused sibling 'model.layers.0.self_attn.v_proj'"), std::string::npos) << msg;
}

TEST_F(ExportErrors, ThreeBitNeedsDimensionsDivisibleBy32) {
  testing::TempDir tmp;
  testing::WriteTinyQwen3(tmp / "src", at::kFloat, 4ull << 30, /*hidden=*/48);
  auto linears = testing::QuantizeAll(tmp / "src", Scheme(3, 16, true, false));
  std::string msg = ErrorOf([&] { WriteQuantizedCheckpoint(tmp / "src", tmp / "out", linears, {}, {}); });
  EXPECT_NE(msg.find("3-bit GPTQ layer needs in_features and out_features divisible by 32"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("'model.layers.0.mlp.down_proj'"), std::string::npos) << msg;  // first in name order
  EXPECT_NE(msg.find("got [48, 128]"), std::string::npos) << msg;
  // The fake format has no packing, so the same layers export fine.
  ExportOptions fake;
  fake.format = ExportOptions::Format::kFake;
  EXPECT_EQ(ErrorOf([&] { WriteQuantizedCheckpoint(tmp / "src", tmp / "out", linears, {}, fake); }), "(no error)");
}

TEST_F(ExportErrors, AsymmetricZeroOfZeroCannotBeV1) {
  linears_ = testing::QuantizeAll(tmp_ / "src", Scheme(4, 32, false, false));
  auto& o = linears_.at("model.layers.0.self_attn.o_proj");
  o.zeros[0][5] = 0;
  ExportOptions v1;
  v1.v2_zeros_for_asym = false;
  std::string msg = Export(tmp_ / "out", v1);
  EXPECT_NE(msg.find("model.layers.0.self_attn.o_proj"), std::string::npos) << msg;
  EXPECT_NE(msg.find("gptq_v2"), std::string::npos) << msg;
  EXPECT_EQ(Export(tmp_ / "out"), "(no error)");  // the default writes v2 for asymmetric
  EXPECT_EQ(ParseJson(ReadFile(tmp_ / "out" / "config.json"), "c")["quantization_config"]["checkpoint_format"],
            "gptq_v2");
}

TEST_F(ExportErrors, MixedSchemesAndBadSymmetricZerosAreRefused) {
  auto saved = linears_;
  linears_.at("model.layers.1.mlp.down_proj").scheme.bits = 8;
  std::string msg = Export(tmp_ / "out");
  EXPECT_NE(msg.find("different schemes"), std::string::npos) << msg;
  linears_ = saved;
  auto& down = linears_.at("model.layers.1.mlp.down_proj");
  down.zeros = down.zeros.clone();  // QuantizedLinear copies share tensors; keep `saved` intact
  down.zeros[0][0] = 7;
  msg = Export(tmp_ / "out");
  EXPECT_NE(msg.find("symmetric scheme but zero points differ from 8"), std::string::npos) << msg;
  linears_ = saved;
  msg = Export(tmp_ / "out", {}, {{"bits", 8}});
  EXPECT_NE(msg.find("sets bits = 8"), std::string::npos) << msg;
  linears_["model.layers.0.self_attn.nope"] = saved.begin()->second;
  msg = Export(tmp_ / "out");
  EXPECT_NE(msg.find("has no tensor 'model.layers.0.self_attn.nope.weight'"), std::string::npos) << msg;
}

TEST_F(ExportErrors, FailedExportLeavesThePreviousOutputIntact) {
  ASSERT_EQ(Export(tmp_ / "out"), "(no error)");
  const std::string config = ReadFile(tmp_ / "out" / "config.json");
  linears_.at("model.layers.0.mlp.down_proj").qweight[0][0] = 99;  // out of range for 4 bits
  std::string msg = Export(tmp_ / "out");
  EXPECT_NE(msg.find("qweight codes must lie in [0, 15]"), std::string::npos) << msg;
  EXPECT_EQ(ReadFile(tmp_ / "out" / "config.json"), config);
  for (const auto& entry : fs::directory_iterator(tmp_.path())) {
    EXPECT_EQ(entry.path().filename().string().find(".faq-"), std::string::npos) << entry.path();
  }
}

TEST_F(ExportErrors, LoaderRejectsMismatchedConfigAndOtherMethods) {
  ASSERT_EQ(Export(tmp_ / "out"), "(no error)");
  auto config = ParseJson(ReadFile(tmp_ / "out" / "config.json"), "c");
  auto edited = config;
  edited["quantization_config"]["bits"] = 8;
  WriteFileAtomic(tmp_ / "out" / "config.json", edited.dump());
  std::string msg = ErrorOf([&] { CausalLM(tmp_ / "out").Layer(0); });
  EXPECT_NE(msg.find("qweight' has shape [8, 128], expected [16, 128]"), std::string::npos) << msg;
  edited = config;
  edited["quantization_config"]["quant_method"] = "bitsandbytes";
  WriteFileAtomic(tmp_ / "out" / "config.json", edited.dump());
  msg = ErrorOf([&] { CausalLM(tmp_ / "out").Layer(0); });
  EXPECT_NE(msg.find("faq reads GPTQ and AWQ (GEMM) checkpoints"), std::string::npos) << msg;
  // GPTQ tensors under an AWQ config: the AWQ reader names the tensor whose layout is wrong.
  edited["quantization_config"]["quant_method"] = "awq";
  edited["quantization_config"]["bits"] = 4;
  WriteFileAtomic(tmp_ / "out" / "config.json", edited.dump());
  msg = ErrorOf([&] { CausalLM(tmp_ / "out").Layer(0); });
  EXPECT_NE(msg.find("AWQ tensor 'model.layers.0.self_attn.q_proj.qweight' has shape"), std::string::npos) << msg;
  // Exporting from an already quantized model is refused up front.
  WriteFileAtomic(tmp_ / "out" / "config.json", config.dump());
  msg = ErrorOf([&] { WriteQuantizedCheckpoint(tmp_ / "out", tmp_ / "again", linears_, {}, {}); });
  EXPECT_NE(msg.find("already quantized"), std::string::npos) << msg;
}

}  // namespace
}  // namespace faq
