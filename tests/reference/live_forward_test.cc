// faq's forward pass against Hugging Face transformers from the venv, live, on random
// tiny models of many configurations written by faq's own fixture generator (so the
// generator's checkpoints are also checked to load in transformers).
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "faq/model/causal_lm.h"
#include "faq/model/random_model.h"
#include "faq/format/tensor_io.h"
#include "faq/util/atomic_file.h"
#include "support/test_env.h"

namespace faq {
namespace {

struct Variant {
  std::string name;
  std::string arch;
  nlohmann::json overrides;
  at::ScalarType storage = at::kFloat;
  uint64_t max_shard_bytes = 4ull << 30;
};

std::vector<Variant> Variants() {
  using J = nlohmann::json;
  return {
      {"llama_mha", "llama", {{"num_key_value_heads", 4}}},
      {"llama_gqa", "llama", J::object()},
      {"llama_mqa", "llama", {{"num_key_value_heads", 1}}},
      {"llama_head_dim_32", "llama", {{"head_dim", 32}}},
      {"llama_rope_llama3", "llama",
       {{"rope_theta", 500000.0},
        {"rope_scaling",
         {{"rope_type", "llama3"}, {"factor", 8.0}, {"low_freq_factor", 1.0}, {"high_freq_factor", 4.0},
          {"original_max_position_embeddings", 16}}}}},
      {"llama_rope_linear", "llama", {{"rope_scaling", {{"rope_type", "linear"}, {"factor", 2.0}}}}},
      {"llama_biases", "llama", {{"attention_bias", true}, {"mlp_bias", true}}},
      {"llama_tied", "llama", {{"tie_word_embeddings", true}}},
      {"llama_fp16", "llama", J::object(), at::kHalf},
      {"qwen2", "qwen2", J::object()},
      {"qwen3", "qwen3", J::object()},
      {"qwen3_head_dim_8", "qwen3", {{"head_dim", 8}, {"num_attention_heads", 8}, {"num_key_value_heads", 2}}},
      {"qwen3_tied_bf16", "qwen3", {{"tie_word_embeddings", true}}, at::kBFloat16},
      {"qwen3_attention_bias", "qwen3", {{"attention_bias", true}}},
      {"qwen3_sharded", "qwen3", {{"num_hidden_layers", 3}}, at::kFloat, 60000},
      {"qwen3_moe", "qwen3_moe", J::object()},
      {"qwen3_moe_mixed", "qwen3_moe",
       {{"norm_topk_prob", false}, {"num_hidden_layers", 3}, {"mlp_only_layers", {1}}, {"num_experts", 6},
        {"num_experts_per_tok", 3}}},
  };
}

// One test over every variant: the transformers side runs once for all of them (ctest
// runs each test in its own process).
TEST(LiveForward, LogitsMatchTransformersOnRealTokensForEveryConfig) {
  const std::string python = testing::PythonPath();
  ASSERT_FALSE(python.empty()) << "FAQ_PYTHON is not set: the setup installs transformers in the venv";
  testing::TempDir root;
  nlohmann::json spec = nlohmann::json::array();
  std::vector<std::pair<at::Tensor, at::Tensor>> inputs;
  uint64_t seed = 100;
  for (const auto& v : Variants()) {
    nlohmann::json config = TinyModelConfig(v.arch);
    config.update(v.overrides);
    WriteRandomModel(root / v.name, config,
                     {.seed = seed++, .storage = v.storage, .max_shard_bytes = v.max_shard_bytes});
    // Three rows of 11 tokens: plain, left-padded by 3, right-padded by 2.
    at::Tensor ids = at::randint(3, config["vocab_size"].get<int64_t>(), {3, 11}, at::kLong);
    at::Tensor mask = at::ones({3, 11}, at::kLong);
    mask[1].narrow(0, 0, 3).zero_();
    mask[2].narrow(0, 9, 2).zero_();
    nlohmann::json rows = nlohmann::json::array(), masks = nlohmann::json::array();
    for (int b = 0; b < 3; ++b) {
      rows.push_back(std::vector<int64_t>(ids[b].data_ptr<int64_t>(), ids[b].data_ptr<int64_t>() + 11));
      masks.push_back(std::vector<int64_t>(mask[b].data_ptr<int64_t>(), mask[b].data_ptr<int64_t>() + 11));
    }
    spec.push_back({{"dir", (root / v.name).string()}, {"ids", rows}, {"mask", masks}});
    inputs.emplace_back(ids, mask);
  }
  WriteFileAtomic(root / "spec.json", spec.dump());
  auto r = testing::Run({python, (testing::SourceDir() / "tests/reference/hf_forward.py").string(),
                         (root / "spec.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto variants = Variants();
  for (size_t i = 0; i < variants.size(); ++i) {
    const auto& v = variants[i];
    SCOPED_TRACE(v.name);
    const auto& [ids, mask] = inputs[i];
    at::Tensor ours = CausalLM(root / v.name).Forward(ids, mask);
    SafetensorsFile ref_file(root / v.name / "hf_logits.safetensors");
    const TensorEntry* entry = ref_file.header().Find("logits");
    ASSERT_NE(entry, nullptr);
    ASSERT_EQ(entry->dtype, DType::kF32);
    at::Tensor ref =
        at::from_blob(const_cast<uint8_t*>(ref_file.Bytes(*entry).data()), entry->shape, at::kFloat).clone();
    ASSERT_EQ(ours.sizes(), ref.sizes());
    at::Tensor real = mask.to(at::kBool).unsqueeze(-1).expand_as(ours);
    double err = (ours - ref).abs().masked_select(real).max().item<double>();
    EXPECT_LE(err, 1e-4) << v.name << ": max |faq - transformers| over real tokens = " << err;
  }
}

}  // namespace
}  // namespace faq
