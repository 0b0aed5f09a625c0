// compressed-tensors "pack-quantized" (llm-compressor's default output): checkpoints written
// by an independent Python writer that follows compressed-tensors' packing read back as the
// writer's dequantized weights; the layouts faq does not read are refused by name.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "export_test_util.h"
#include "faq/io/json.h"
#include "faq/model/causal_lm.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"
#include "support/test_env.h"

namespace faq {
namespace {

namespace fs = std::filesystem;
using testing::ErrorOf;

struct Written {
  fs::path packed, dense;
};

Written WriteCheckpoint(const testing::TempDir& tmp, const std::vector<std::string>& flags) {
  const std::string python = testing::PythonPath();
  EXPECT_FALSE(python.empty()) << "FAQ_PYTHON is not set; the setup installs the reference venv";
  Written w{tmp / "packed", tmp / "dense"};
  std::vector<std::string> argv = {python, (testing::SourceDir() / "tests/reference/compressed_tensors_writer.py").string(),
                                   (testing::SharedDir() / "models/llama2xs-hf").string(), w.packed.string(),
                                   w.dense.string()};
  argv.insert(argv.end(), flags.begin(), flags.end());
  auto r = testing::Run(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return w;
}

class CompressedTensorsRead : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(CompressedTensorsRead, ReadsBackAsTheDequantizedWeights) {
  testing::TempDir tmp;
  const Written w = WriteCheckpoint(tmp, GetParam());
  const auto packed = testing::LoadedLinears(w.packed);
  const auto dense = testing::LoadedLinears(w.dense);
  ASSERT_EQ(packed.size(), dense.size());
  ASSERT_EQ(packed.size(), 5u * 7u);  // llama2xs: 5 layers × q k v o gate up down
  for (const auto& [name, weight] : dense) {
    ASSERT_EQ(packed.count(name), 1u) << name;
    const double tol = 1e-6 * weight.abs().max().item<double>();
    EXPECT_LE((packed.at(name) - weight).abs().max().item<double>(), tol) << name;
  }
  // And the model runs: the same logits as the dense twin.
  CausalLM a(w.packed), b(w.dense);
  at::Tensor ids = at::arange(1, 33, at::kLong).view({1, 32});
  EXPECT_TRUE(at::allclose(a.Forward(ids), b.Forward(ids), 1e-4, 1e-4));
}

INSTANTIATE_TEST_SUITE_P(Schemes, CompressedTensorsRead,
                         ::testing::Values(std::vector<std::string>{"--bits", "4", "--group-size", "32"},
                                           std::vector<std::string>{"--bits", "4", "--group-size", "32", "--asym"},
                                           std::vector<std::string>{"--bits", "8", "--group-size", "-1"}));

TEST(CompressedTensorsRefusal, OtherFormatsAreRefusedByNameWhenTheModelOpens) {
  testing::TempDir tmp;
  const Written w = WriteCheckpoint(tmp, {"--format", "float-quantized"});
  const std::string err = ErrorOf([&] { CausalLM model(w.packed); });
  for (const char* part : {"config.json", "quantization_config.format", "float-quantized", "pack-quantized"}) {
    EXPECT_NE(err.find(part), std::string::npos) << part << " not in: " << err;
  }
}

TEST(CompressedTensorsRefusal, ActivationQuantizationIsRefused) {
  testing::TempDir tmp;
  const Written w = WriteCheckpoint(tmp, {});
  const fs::path config = w.packed / "config.json";
  nlohmann::json j = ParseJson(ReadFile(config), config.string());
  j["quantization_config"]["config_groups"]["group_0"]["input_activations"] = {{"num_bits", 8}, {"type", "int"}};
  WriteFileAtomic(config, j.dump());
  const std::string err = ErrorOf([&] { CausalLM model(w.packed); });
  EXPECT_NE(err.find("input_activations"), std::string::npos) << err;
  EXPECT_NE(err.find("pack-quantized"), std::string::npos) << err;
}

}  // namespace
}  // namespace faq
