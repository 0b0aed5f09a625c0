// The AWQ GEMM layout: packing order, export → load-back equal to the dequantized weights
// with fp16 scales, an independent numpy reader, and the refusals of what the layout cannot hold.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <sstream>

#include "export_test_util.h"
#include "faq/export/gptq_checkpoint.h"
#include "faq/format/awq_format.h"
#include "faq/io/json.h"
#include "faq/model/causal_lm.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"
#include "support/test_env.h"

namespace faq {
namespace {

namespace fs = std::filesystem;
using testing::ErrorOf;


TEST(AwqFormat, PacksEightOutputColumnsInTheInterleavedOrder) {
  // Column j of a word holds value j: the word reads nibble i = AWQ_ORDER[i].
  at::Tensor one = at::arange(8, at::kInt).view({1, 8});
  const uint32_t word = static_cast<uint32_t>(PackAwq(one).item<int32_t>());
  const int order[8] = {0, 2, 4, 6, 1, 3, 5, 7};
  for (int i = 0; i < 8; ++i) EXPECT_EQ((word >> (4 * i)) & 0xF, static_cast<uint32_t>(order[i])) << i;
  // Round trip, including codes that set the sign bit of the int32 word.
  at::Tensor codes = at::randint(0, 16, {37, 64}, at::kInt);
  codes.select(1, 7).fill_(15);
  at::Tensor packed = PackAwq(codes);
  EXPECT_EQ(packed.sizes().vec(), (std::vector<int64_t>{37, 8}));
  EXPECT_TRUE(at::equal(UnpackAwq(packed), codes));
  EXPECT_NE(ErrorOf([] { PackAwq(at::zeros({2, 12}, at::kInt)); }).find("multiple of 8"), std::string::npos);
}


class AwqExport : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteTinyQwen3(tmp_ / "src");
    linears_ = testing::QuantizeAll(tmp_ / "src", {4, 32, false, false, false});
  }
  void Write(const fs::path& out, ExportOptions::Format format) {
    ExportOptions eo;
    eo.format = format;
    WriteQuantizedCheckpoint(tmp_ / "src", out, linears_, {{"method", "awq"}}, eo);
  }
  testing::TempDir tmp_;
  std::map<std::string, QuantizedLinear> linears_;
};

TEST_F(AwqExport, ReloadedWeightsEqualTheDequantizedOnesWithHalfScales) {
  Write(tmp_ / "awq", ExportOptions::Format::kAwq);
  const auto config = ParseJson(ReadFile(tmp_ / "awq" / "config.json"), "config.json");
  const auto& q = config["quantization_config"];
  EXPECT_EQ(q["quant_method"], "awq");
  EXPECT_EQ(q["version"], "gemm");
  EXPECT_EQ(q["zero_point"], true);
  EXPECT_EQ(q["bits"], 4);
  EXPECT_EQ(q["group_size"], 32);
  EXPECT_TRUE(q["modules_to_not_convert"].is_null());
  SafetensorsReader reader(tmp_ / "awq");
  const std::string p = "model.layers.0.mlp.down_proj";
  EXPECT_EQ(reader.Entry(p + ".qweight").shape, (std::vector<int64_t>{128, 64 / 8}));
  EXPECT_FALSE(reader.Contains(p + ".g_idx"));
  const auto loaded = testing::LoadedLinears(tmp_ / "awq");
  for (const auto& [name, l] : linears_) {
    const at::Tensor expected = testing::WithHalfScales(l).Dequantize();
    EXPECT_LE((loaded.at(name) - expected).abs().max().item<double>(), 1e-6 * l.scales.abs().max().item<double>())
        << name;
  }
}

TEST_F(AwqExport, IndependentPythonReaderDequantizesToTheFakeExport) {
  const std::string python = testing::PythonPath();
  ASSERT_FALSE(python.empty()) << "FAQ_PYTHON is not set; the setup installs the reference venv";
  Write(tmp_ / "awq", ExportOptions::Format::kAwq);
  Write(tmp_ / "fake", ExportOptions::Format::kFake);
  auto r = testing::Run({python, (testing::SourceDir() / "tests/reference/awq_reader.py").string(),
                         (tmp_ / "awq").string(), (tmp_ / "fake").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  size_t seen = 0;
  while (std::getline(lines, line)) {
    auto j = ParseJson(line, "awq_reader output");
    ASSERT_EQ(linears_.count(j.at("name")), 1u) << line;
    // fp16 scales against fp32 ones: at most 15 steps of half an fp16 ulp of the scale.
    EXPECT_LE(j.at("max_abs_diff").get<double>(), 8e-3 * j.at("max_scale").get<double>()) << line;
    ++seen;
  }
  EXPECT_EQ(seen, linears_.size());
}

TEST_F(AwqExport, RefusesWhatTheLayoutCannotHold) {
  auto three = testing::QuantizeAll(tmp_ / "src", {3, 32, false, false, false});
  ExportOptions eo;
  eo.format = ExportOptions::Format::kAwq;
  EXPECT_NE(ErrorOf([&] { WriteQuantizedCheckpoint(tmp_ / "src", tmp_ / "x", three, {}, eo); }).find("stores 4 bits"),
            std::string::npos);
  auto act = testing::QuantizeAll(tmp_ / "src", {4, 32, false, true, false});
  EXPECT_NE(ErrorOf([&] { WriteQuantizedCheckpoint(tmp_ / "src", tmp_ / "x", act, {}, eo); }).find("no g_idx"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(tmp_ / "x"));
  // Linears left in full precision are named for the loaders.
  auto partial = linears_;
  partial.erase("model.layers.1.mlp.down_proj");
  WriteQuantizedCheckpoint(tmp_ / "src", tmp_ / "partial", partial, {}, eo);
  const auto config = ParseJson(ReadFile(tmp_ / "partial" / "config.json"), "config.json");
  EXPECT_EQ(config["quantization_config"]["modules_to_not_convert"],
            nlohmann::json::array({"model.layers.1.mlp.down_proj"}));
}

}  // namespace
}  // namespace faq
