// faq quantize through the binary: YAML config with flag overrides, per-module rules,
// refusals with the documented exit codes.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "faq/model/random_model.h"
#include "faq/util/atomic_file.h"
#include "support/test_env.h"

namespace faq {
namespace {

class QuantizeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteRandomModel(dir_ / "m", TinyModelConfig("qwen3"), {.seed = 9});
    std::string ids;
    for (int i = 0; i < 600; ++i) ids += (i ? "," : "") + std::to_string((i * 13 + 5) % 256);
    WriteFileAtomic(dir_ / "calib.jsonl", "{\"input_ids\": [" + ids + "]}\n");
  }
  testing::CommandResult Quantize(std::vector<std::string> extra) {
    std::vector<std::string> argv = {testing::FaqBinary(), "quantize", "--model", (dir_ / "m").string(),
                                     "--calib", (dir_ / "calib.jsonl").string(), "--nsamples", "8",
                                     "--seqlen", "64"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return testing::Run(argv);
  }
  testing::TempDir dir_;
};

TEST_F(QuantizeCli, YamlConfigWithFlagOverridesAndModuleRules) {
  WriteFileAtomic(dir_ / "q.yaml",
                  "method: rtn\nbits: 3\ngroup_size: 32\nformat: fake\n"
                  "modules:\n  - {pattern: 'mlp\\.down_proj$', bits: 8}\n  - {pattern: 'layers\\.1\\.self_attn\\.o_proj', skip: true}\n");
  auto r = Quantize({"--config", (dir_ / "q.yaml").string(), "--method", "gptq", "--out", (dir_ / "o").string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(testing::LastLine(r.out));
  EXPECT_EQ(j["method"], "gptq");  // the flag wins over the file
  EXPECT_EQ(j["bits"], 3);         // the file's value where no flag is given
  EXPECT_EQ(j["linears"], 2 * 7 - 1);
  auto report = nlohmann::json::parse(ReadFile(dir_ / "o" / "quant_report.json"));
  for (const auto& row : report) {
    const std::string name = row["name"];
    EXPECT_EQ(row["bits"].get<int>(), name.find("down_proj") != std::string::npos ? 8 : 3) << name;
    EXPECT_EQ(row["skipped"].get<bool>(), name == "model.layers.1.self_attn.o_proj") << name;
  }
  auto ppl = testing::Run({testing::FaqBinary(), "eval", "ppl", "--model", (dir_ / "o").string(), "--data",
                           (dir_ / "calib.jsonl").string(), "--seqlen", "64", "--json"});
  EXPECT_EQ(ppl.exit_code, 0) << ppl.err;
}

TEST_F(QuantizeCli, Refusals) {
  // Writing over the input model: usage error, nothing touched.
  auto over = Quantize({"--group-size", "32", "--out", (dir_ / "m").string()});
  EXPECT_EQ(over.exit_code, 2);
  EXPECT_NE(over.err.find("refusing to overwrite"), std::string::npos) << over.err;
  EXPECT_EQ(Quantize({"--method", "awq-ish", "--group-size", "32", "--out", (dir_ / "o").string()}).exit_code, 2);
  EXPECT_EQ(Quantize({"--bits", "5", "--group-size", "32", "--out", (dir_ / "o").string()}).exit_code, 2);
  // A YAML key that does not exist names the file and the key.
  WriteFileAtomic(dir_ / "bad.yaml", "bitz: 4\n");
  auto bad = Quantize({"--config", (dir_ / "bad.yaml").string(), "--group-size", "32", "--out", (dir_ / "o").string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("unknown option 'bitz'"), std::string::npos) << bad.err;
  // Mixed schemes cannot be one GPTQ quantization_config.
  WriteFileAtomic(dir_ / "mixed.yaml", "modules:\n  - {pattern: 'down_proj', bits: 8}\n");
  auto mixed = Quantize({"--config", (dir_ / "mixed.yaml").string(), "--group-size", "32", "--out",
                         (dir_ / "o").string()});
  EXPECT_EQ(mixed.exit_code, 1) << mixed.err;
  EXPECT_NE(mixed.err.find("use different schemes"), std::string::npos) << mixed.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "o" / "config.json"));
  // A group size that does not divide a layer's width is refused before any work.
  auto width = Quantize({"--group-size", "48", "--out", (dir_ / "o").string()});
  EXPECT_EQ(width.exit_code, 1);
  EXPECT_NE(width.err.find("model.layers.0.self_attn.q_proj: group size 48 does not divide its input width 64"),
            std::string::npos) << width.err;
  // A memory budget too small for the plan is refused before any work (a wider model).
  auto wide = TinyModelConfig("qwen3");
  wide["hidden_size"] = 512;
  wide["intermediate_size"] = 2048;
  WriteRandomModel(dir_ / "wide", wide, {.seed = 1});
  auto small = testing::Run({testing::FaqBinary(), "quantize", "--model", (dir_ / "wide").string(), "--calib",
                             (dir_ / "calib.jsonl").string(), "--nsamples", "8", "--seqlen", "64", "--group-size",
                             "32", "--max-memory-mb", "1", "--out", (dir_ / "o").string()});
  EXPECT_EQ(small.exit_code, 1);
  EXPECT_NE(small.err.find("exceeds the budget"), std::string::npos) << small.err;
}

// Every option is checked when the command line and the config are read, before the model
// is opened: nothing is written and no time is spent.
TEST_F(QuantizeCli, OptionsAreCheckedBeforeAnyWork) {
  const std::string out = (dir_ / "o").string();
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string message;
  };
  WriteFileAtomic(dir_ / "rule9.yaml", "format: fake\nmodules:\n  - {pattern: \'down_proj\', bits: 9}\n");
  // Keys that are lists or maps (found by quantize_yaml_fuzz): yaml-cpp's "bad conversion" escaped
  // without the file or the key.
  WriteFileAtomic(dir_ / "listkey.yaml", "[bits]: 4\n");
  WriteFileAtomic(dir_ / "mapkey.yaml", "format: fake\nmodules:\n  - pattern: down_proj\n    {bits: 4}: 8\n");
  const std::vector<Case> cases = {
      {{"--method", "gptq", "--gptaq-alpha", "0.5"}, 2, "--gptaq-alpha does not apply to method 'gptq'"},
      {{"--method", "rtn", "--damp", "0.1"}, 2, "--damp does not apply to method 'rtn'"},
      {{"--damp", "0"}, 2, "--damp: expected a fraction of the mean Hessian diagonal in (0, 1]"},
      {{"--nsamples", "0"}, 2, "--nsamples: expected a positive integer, got '0'"},
      {{"--seqlen", "-5"}, 2, "--seqlen: expected a positive integer, got '-5'"},
      {{"--calib-mode", "per-record", "--calib-skip", "10"}, 2, "--calib-skip applies to --calib-mode concat, not per-record"},
      {{"--calib-skip", "-1"}, 2, "--calib-skip: expected an integer >= 0"},
      {{"--device", "cuda"}, 2, "--device cuda: no CUDA device is available"},
      {{"--device", "tpu"}, 2, "--device: expected cpu, cuda, cuda:N or auto"},
      {{"--dtype", "int8"}, 2, "--dtype: expected auto, fp32, bf16 or fp16"},
      {{"--method", "gptq+rtn"}, 2, "'gptq' has no transform"},
      {{"--config", (dir_ / "rule9.yaml").string()}, 1, "modules[0].bits: expected 2, 3, 4 or 8, got '9'"},
      {{"--config", (dir_ / "listkey.yaml").string()}, 1, "listkey.yaml: expected an option name as key"},
      {{"--config", (dir_ / "mapkey.yaml").string()}, 1, "mapkey.yaml: modules[0]: expected an option name as key"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = c.args;
    args.insert(args.end(), {"--group-size", "32", "--out", out});
    auto r = Quantize(args);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.message << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << c.message;
  }
}

TEST_F(QuantizeCli, EveryOptionHasAYamlKeyAndFalseTurnsAFlagOff) {
  WriteFileAtomic(dir_ / "q.yaml",
                  "method: gptaq\nbits: 4\ngroup_size: 32\ngptaq_exact: true\nmax_memory_mb: 4096\nmicro_batch: 2\n"
                  "act_order: true\ndevice: cpu\ndtype: fp32\n");
  auto r = Quantize({"--config", (dir_ / "q.yaml").string(), "--no-act-order", "--out", (dir_ / "o").string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto config = nlohmann::json::parse(ReadFile(dir_ / "o" / "config.json"));
  const auto& q = config["quantization_config"];
  EXPECT_EQ(q["gptaq_exact"], true);
  EXPECT_EQ(q["method"], "gptaq");
  EXPECT_EQ(q["desc_act"], false) << "--no-act-order overrides act_order: true from the file";
}

}  // namespace
}  // namespace faq
