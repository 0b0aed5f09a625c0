// Export → reload: GPTQ and fake-quantized checkpoints of a tiny random Qwen3, read back by
// faq's loader, by an independent Python reader and by transformers' config parser.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "export_test_util.h"
#include "faq/export/gptq_checkpoint.h"
#include "faq/io/json.h"
#include "faq/io/safetensors_writer.h"
#include "faq/model/causal_lm.h"
#include "faq/format/tensor_io.h"
#include "faq/util/atomic_file.h"
#include "support/test_env.h"

namespace faq {
namespace {

namespace fs = std::filesystem;

struct Case {
  int bits;
  int64_t group_size;
  bool sym;
  bool act_order;
};

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  const Case& c = info.param;
  return fmt::format("b{}_g{}_{}{}", c.bits, c.group_size < 0 ? std::string("all") : std::to_string(c.group_size),
                     c.sym ? "sym" : "asym", c.act_order ? "_act" : "");
}

QuantScheme SchemeOf(const Case& c) {
  QuantScheme s;
  s.bits = c.bits;
  s.group_size = c.group_size;
  s.sym = c.sym;
  s.act_order = c.act_order;
  return s;
}

nlohmann::json QuantConfig(const fs::path& dir) {
  return ParseJson(ReadFile(dir / "config.json"), "config.json").value("quantization_config", nlohmann::json());
}

// Every weight faq loads for each quantized linear, by full HF name.

double MaxScale(const QuantizedLinear& l) { return l.scales.abs().max().item<double>(); }

class GptqExport : public ::testing::TestWithParam<Case> {};

TEST_P(GptqExport, ReloadedWeightsEqualDequantize) {
  const Case c = GetParam();
  testing::TempDir tmp;
  testing::WriteTinyQwen3(tmp / "src");
  auto linears = testing::QuantizeAll(tmp / "src", SchemeOf(c));
  ASSERT_EQ(linears.size(), 14u);
  WriteQuantizedCheckpoint(tmp / "src", tmp / "gptq", linears, {{"damp_percent", 0.02}}, ExportOptions{});
  ExportOptions fake;
  fake.format = ExportOptions::Format::kFake;
  WriteQuantizedCheckpoint(tmp / "src", tmp / "fake", linears, {}, fake);

  auto gptq_w = testing::LoadedLinears(tmp / "gptq");
  auto fake_w = testing::LoadedLinears(tmp / "fake");
  for (const auto& [name, l] : linears) {
    // GPTQ stores fp16 scales, so it reproduces the dequantization with rounded scales.
    at::Tensor expected_gptq = testing::WithHalfScales(l).Dequantize();
    EXPECT_LE((gptq_w.at(name) - expected_gptq).abs().max().item<double>(), 1e-6 * MaxScale(l)) << name;
    EXPECT_TRUE(at::equal(fake_w.at(name), l.Dequantize())) << name;  // fp32 source: exact
  }

  // Tensors that are not quantized linears are copied byte for byte; quantized ones are
  // replaced by exactly the four GPTQ tensors.
  SafetensorsReader src(tmp / "src"), out(tmp / "gptq");
  for (const auto& name : src.Names()) {
    const std::string prefix = name.substr(0, name.rfind('.'));
    if (linears.count(prefix) != 0) {
      EXPECT_FALSE(out.Contains(name)) << name;
      const auto& l = linears.at(prefix);
      const int64_t n = l.qweight.size(0), k = l.qweight.size(1), g = l.scales.size(0);
      EXPECT_EQ(out.Entry(prefix + ".qweight").shape, (std::vector<int64_t>{k * c.bits / 32, n}));
      EXPECT_EQ(out.Entry(prefix + ".qweight").dtype, DType::kI32);
      EXPECT_EQ(out.Entry(prefix + ".qzeros").shape, (std::vector<int64_t>{g, n * c.bits / 32}));
      EXPECT_EQ(out.Entry(prefix + ".scales").dtype, DType::kF16);
      EXPECT_EQ(out.Entry(prefix + ".g_idx").dtype, DType::kI32);
      continue;
    }
    ASSERT_TRUE(out.Contains(name)) << name;
    auto a = src.Bytes(name), b = out.Bytes(name);
    EXPECT_EQ(src.Entry(name).dtype, out.Entry(name).dtype) << name;
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end())) << name;
  }

  nlohmann::json q = QuantConfig(tmp / "gptq");
  EXPECT_EQ(q.at("quant_method"), "gptq");
  EXPECT_EQ(q.at("bits"), c.bits);
  EXPECT_EQ(q.at("group_size"), c.group_size);
  EXPECT_EQ(q.at("sym"), c.sym);
  EXPECT_EQ(q.at("desc_act"), c.act_order);
  EXPECT_EQ(q.at("static_groups"), false);
  EXPECT_EQ(q.at("checkpoint_format"), c.sym ? "gptq" : "gptq_v2");
  EXPECT_EQ(q.at("lm_head"), false);
  EXPECT_EQ(q.at("true_sequential"), true);
  EXPECT_EQ(q.at("damp_percent"), 0.02);
  EXPECT_EQ(q.at("meta").at("quantizer"), "faq");
  EXPECT_TRUE(QuantConfig(tmp / "fake").is_null());
}

INSTANTIATE_TEST_SUITE_P(Schemes, GptqExport,
                         ::testing::Values(Case{4, 32, true, false}, Case{4, -1, true, false}, Case{4, 32, false, true},
                                           Case{3, 32, false, true}, Case{3, 32, true, false},
                                           Case{2, 64, false, false}, Case{8, 32, true, true}),
                         CaseName);

TEST(GptqExportLogits, GptqAndFakeCheckpointsGiveTheSameLogits) {
  testing::TempDir tmp;
  testing::WriteTinyQwen3(tmp / "src");
  auto linears = testing::QuantizeAll(tmp / "src", SchemeOf({4, 32, true, true}));
  // With fp16-representable scales both formats hold the same weights.
  for (auto& [name, l] : linears) l = testing::WithHalfScales(l);
  WriteQuantizedCheckpoint(tmp / "src", tmp / "gptq", linears, {}, ExportOptions{});
  ExportOptions fake;
  fake.format = ExportOptions::Format::kFake;
  WriteQuantizedCheckpoint(tmp / "src", tmp / "fake", linears, {}, fake);
  at::manual_seed(3);
  at::Tensor ids = at::randint(0, 256, {2, 12}, at::kLong);
  at::Tensor lg = CausalLM(tmp / "gptq").Forward(ids);
  at::Tensor lf = CausalLM(tmp / "fake").Forward(ids);
  at::Tensor ls = CausalLM(tmp / "src").Forward(ids);
  EXPECT_LE((lg - lf).abs().max().item<double>(), 1e-4);
  // Quantization changed the model, so equal logits are not a vacuous comparison.
  EXPECT_GT((lg - ls).abs().max().item<double>(), 1e-3);
}

TEST(GptqExportCli, EvalPplRunsOnGptqOutputAndMatchesFake) {
  testing::TempDir tmp;
  testing::WriteTinyQwen3(tmp / "src");
  auto linears = testing::QuantizeAll(tmp / "src", SchemeOf({3, 32, false, true}));
  for (auto& [name, l] : linears) l = testing::WithHalfScales(l);
  WriteQuantizedCheckpoint(tmp / "src", tmp / "gptq", linears, {}, ExportOptions{});
  ExportOptions fake;
  fake.format = ExportOptions::Format::kFake;
  WriteQuantizedCheckpoint(tmp / "src", tmp / "fake", linears, {}, fake);
  std::string jsonl;
  at::manual_seed(11);
  for (int r = 0; r < 4; ++r) {
    at::Tensor ids = at::randint(0, 256, {40}, at::kLong);
    jsonl += nlohmann::json{{"input_ids", std::vector<int64_t>(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + 40)}}
                 .dump() +
             "\n";
  }
  WriteFileAtomic(tmp / "ids.jsonl", jsonl);
  auto ppl = [&](const fs::path& model) {
    auto r = testing::Run({testing::FaqBinary(), "eval", "ppl", "--model", model.string(), "--data",
                           (tmp / "ids.jsonl").string(), "--seqlen", "32", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return ParseJson(testing::LastLine(r.out), "faq eval ppl output").at("ppl").get<double>();
  };
  const double gptq_ppl = ppl(tmp / "gptq"), fake_ppl = ppl(tmp / "fake");
  EXPECT_GT(gptq_ppl, 1.0);
  EXPECT_NEAR(gptq_ppl, fake_ppl, 1e-4 * fake_ppl);
}

TEST(GptqExportFiles, ShardedBf16SourceSideFilesAndReplacingAnOldExport) {
  testing::TempDir tmp;
  testing::WriteTinyQwen3(tmp / "src", at::kBFloat16, /*max_shard_bytes=*/40000);
  ASSERT_TRUE(fs::exists(tmp / "src" / "model.safetensors.index.json"));
  const std::map<std::string, std::string> side = {{"tokenizer.json", "{\"model\": {}}"},
                                                   {"tokenizer_config.json", "{\"x\": 1}"},
                                                   {"generation_config.json", "{\"do_sample\": false}"},
                                                   {"chat_template.jinja", "{{ messages }}"},
                                                   {"special_tokens_map.json", "{}"}};
  for (const auto& [file, text] : side) WriteFileAtomic(tmp / "src" / file, text);
  auto linears = testing::QuantizeAll(tmp / "src", SchemeOf({4, 32, true, false}));
  ExportOptions fake;
  fake.format = ExportOptions::Format::kFake;
  fake.max_shard_bytes = 40000;
  // First a GPTQ export, then a fake one replacing it under the same name.
  WriteQuantizedCheckpoint(tmp / "src", tmp / "out", linears, {}, ExportOptions{});
  ASSERT_TRUE(fs::exists(tmp / "out" / "model.safetensors"));
  WriteQuantizedCheckpoint(tmp / "src", tmp / "out", linears, {}, fake);
  EXPECT_TRUE(fs::exists(tmp / "out" / "model.safetensors.index.json"));
  EXPECT_FALSE(fs::exists(tmp / "out" / "model.safetensors"));  // nothing left from the old export
  for (const auto& [file, text] : side) EXPECT_EQ(ReadFile(tmp / "out" / file), text) << file;
  for (const auto& entry : fs::directory_iterator(tmp.path())) {
    EXPECT_EQ(entry.path().filename().string().find(".faq-"), std::string::npos) << entry.path();
  }
  SafetensorsReader out(tmp / "out");
  for (const auto& [name, l] : linears) {
    EXPECT_EQ(out.Entry(name + ".weight").dtype, DType::kBF16);
    EXPECT_TRUE(at::equal(LoadTensor(out, name + ".weight", at::kBFloat16), l.Dequantize().to(at::kBFloat16)))
        << name;
  }
  EXPECT_EQ(out.Entry("model.norm.weight").dtype, DType::kBF16);
}

// Writes faq's loaded weights of `dir` for the Python reader to compare against.
void WriteFaqWeights(const fs::path& dir, const fs::path& file) {
  auto weights = testing::LoadedLinears(dir);
  std::vector<TensorToWrite> tensors;
  for (auto& [name, w] : weights) {
    w = w.to(at::kFloat).contiguous();
    tensors.push_back(ToWrite(name + ".weight", w));
  }
  WriteSafetensors(file, tensors);
}

TEST(GptqExportReference, IndependentPythonReaderAgrees) {
  const std::string python = testing::PythonPath();
  ASSERT_FALSE(python.empty()) << "FAQ_PYTHON is not set; the setup installs the reference venv";
  const Case cases[] = {{2, 32, false, true}, {3, 32, true, false}, {3, 32, false, true},
                        {4, 32, true, true},  {4, -1, false, false}, {8, 64, false, false}};
  testing::TempDir tmp;
  testing::WriteTinyQwen3(tmp / "src");
  for (const Case& c : cases) {
    SCOPED_TRACE(fmt::format("bits {} group {} sym {} act {}", c.bits, c.group_size, c.sym, c.act_order));
    auto linears = testing::QuantizeAll(tmp / "src", SchemeOf(c));
    WriteQuantizedCheckpoint(tmp / "src", tmp / "gptq", linears, {}, ExportOptions{});
    WriteFaqWeights(tmp / "gptq", tmp / "faq.safetensors");
    auto r = testing::Run({python, (testing::SourceDir() / "tests/reference/gptq_reader.py").string(),
                           (tmp / "gptq").string(), (tmp / "faq.safetensors").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::istringstream lines(r.out);
    std::string line;
    size_t seen = 0;
    while (std::getline(lines, line)) {
      auto j = ParseJson(line, "gptq_reader output");
      const std::string name = j.at("name");
      ASSERT_EQ(linears.count(name), 1u) << name;
      EXPECT_EQ(j.at("bits"), c.bits);
      const double max_scale = j.at("max_scale");
      EXPECT_LE(j.at("max_abs_diff").get<double>(), 1e-6 * max_scale) << name;
      // The reader saw the same scales (rounded to fp16) as the quantizer produced.
      EXPECT_NEAR(max_scale, MaxScale(linears.at(name)), 1e-3 * max_scale) << name;
      ++seen;
    }
    EXPECT_EQ(seen, linears.size());
  }
}

TEST(GptqExportReference, TransformersParsesTheConfig) {
  const std::string python = testing::PythonPath();
  ASSERT_FALSE(python.empty()) << "FAQ_PYTHON is not set; the setup installs the reference venv";
  testing::TempDir tmp;
  testing::WriteTinyQwen3(tmp / "src");
  auto linears = testing::QuantizeAll(tmp / "src", SchemeOf({3, 32, false, true}));
  WriteQuantizedCheckpoint(tmp / "src", tmp / "gptq", linears, {{"true_sequential", false}}, ExportOptions{});
  const char* script =
      "import json, sys\n"
      "from transformers import AutoConfig\n"
      "c = AutoConfig.from_pretrained(sys.argv[1])\n"
      "q = c.quantization_config\n"
      "q = q if isinstance(q, dict) else q.to_dict()\n"
      "print(json.dumps({'model_type': c.model_type, 'q': q}))\n";
  auto r = testing::Run({python, "-c", script, (tmp / "gptq").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = ParseJson(testing::LastLine(r.out), "transformers output");
  EXPECT_EQ(j.at("model_type"), "qwen3");
  const auto& q = j.at("q");
  EXPECT_EQ(q.at("quant_method"), "gptq");
  EXPECT_EQ(q.at("bits"), 3);
  EXPECT_EQ(q.at("group_size"), 32);
  EXPECT_EQ(q.at("sym"), false);
  EXPECT_EQ(q.at("desc_act"), true);
  EXPECT_EQ(q.at("checkpoint_format"), "gptq_v2");
  EXPECT_EQ(q.at("true_sequential"), false);
}

}  // namespace
}  // namespace faq
