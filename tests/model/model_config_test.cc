// config.json parsing: defaults, architecture switches and errors that name the field.
#include <gtest/gtest.h>

#include "faq/model/model_config.h"
#include "faq/model/random_model.h"
#include "faq/util/error.h"
#include "support/test_env.h"

namespace faq {
namespace {

std::string ErrorOf(const nlohmann::json& j) {
  try {
    ParseModelConfig(j, "cfg.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ModelConfig, ReadsTheGoldensAndTheTrainedModel) {
  auto llama = LoadModelConfig(testing::SharedDir() / "models/llama2xs-hf");
  EXPECT_EQ(llama.arch, Architecture::kLlama);
  EXPECT_EQ(llama.head_dim, 8);  // hidden / heads
  EXPECT_EQ(llama.NumKeyValueGroups(), 2);
  EXPECT_TRUE(llama.tie_word_embeddings);
  auto moe = LoadModelConfig(testing::SharedDir() / "golden/hf/qwen3_moe/model");
  EXPECT_EQ(moe.arch, Architecture::kQwen3Moe);
  EXPECT_TRUE(moe.qk_norm);
  EXPECT_TRUE(moe.norm_topk_prob);
  EXPECT_TRUE(moe.IsSparseLayer(0));
}

TEST(ModelConfig, ArchitectureSwitches) {
  auto q2 = ParseModelConfig(TinyModelConfig("qwen2"), "q2");
  EXPECT_TRUE(q2.qkv_bias);
  EXPECT_FALSE(q2.o_bias);
  EXPECT_FALSE(q2.qk_norm);
  auto q3 = ParseModelConfig(TinyModelConfig("qwen3"), "q3");
  EXPECT_TRUE(q3.qk_norm);
  EXPECT_EQ(q3.head_dim, 32);
  auto llama = TinyModelConfig("llama");
  llama["attention_bias"] = true;
  llama["mlp_bias"] = true;
  auto l = ParseModelConfig(llama, "l");
  EXPECT_TRUE(l.qkv_bias && l.o_bias && l.mlp_bias);
}

TEST(ModelConfig, SparseLayerSchedule) {
  auto j = TinyModelConfig("qwen3_moe");
  j["num_hidden_layers"] = 6;
  j["decoder_sparse_step"] = 2;
  j["mlp_only_layers"] = {3};
  auto c = ParseModelConfig(j, "moe");
  std::vector<bool> sparse;
  for (int i = 0; i < 6; ++i) sparse.push_back(c.IsSparseLayer(i));
  EXPECT_EQ(sparse, (std::vector<bool>{false, true, false, false, false, true}));
}

TEST(ModelConfig, RopeScalingForms) {
  auto j = TinyModelConfig("llama");
  j["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 8.0}, {"low_freq_factor", 1.0},
                       {"high_freq_factor", 4.0}, {"original_max_position_embeddings", 64}};
  auto c = ParseModelConfig(j, "l3");
  EXPECT_EQ(c.rope_scaling.type, "llama3");
  EXPECT_EQ(c.rope_scaling.original_max_position_embeddings, 64);
  auto k = TinyModelConfig("qwen3");
  k.erase("rope_theta");
  k["rope_parameters"] = {{"rope_type", "default"}, {"rope_theta", 5e5}};
  EXPECT_EQ(ParseModelConfig(k, "new").rope_theta, 5e5);
  j["rope_scaling"] = {{"type", "yarn"}, {"factor", 4.0}};
  EXPECT_NE(ErrorOf(j).find("'yarn' is not supported"), std::string::npos) << ErrorOf(j);
}

TEST(ModelConfig, ErrorsNameTheFieldAndTheExpectation) {
  auto j = TinyModelConfig("llama");
  j.erase("hidden_size");
  EXPECT_NE(ErrorOf(j).find("cfg.json: missing required field 'hidden_size'"), std::string::npos) << ErrorOf(j);
  j = TinyModelConfig("llama");
  j["num_attention_heads"] = "four";
  EXPECT_NE(ErrorOf(j).find("'num_attention_heads' must be an integer"), std::string::npos) << ErrorOf(j);
  j = TinyModelConfig("llama");
  j["architectures"] = {"GPT2LMHeadModel"};
  EXPECT_NE(ErrorOf(j).find("unsupported architecture 'GPT2LMHeadModel'"), std::string::npos) << ErrorOf(j);
  j = TinyModelConfig("llama");
  j["num_key_value_heads"] = 3;
  EXPECT_NE(ErrorOf(j).find("multiple of num_key_value_heads"), std::string::npos) << ErrorOf(j);
  j = TinyModelConfig("llama");
  j["hidden_act"] = "gelu";
  EXPECT_NE(ErrorOf(j).find("hidden_act 'gelu'"), std::string::npos) << ErrorOf(j);
}

// Inputs that tests/fuzz/model_config_fuzz rejects: a negative head_dim was accepted (even, not
// zero), and rope_parameters.rope_theta of another type escaped as nlohmann's type_error.
TEST(ModelConfig, MalformedValuesAreErrorsNamingTheField) {
  auto j = TinyModelConfig("qwen3");
  j["head_dim"] = -16;
  EXPECT_NE(ErrorOf(j).find("head_dim must be positive"), std::string::npos) << ErrorOf(j);
  j = TinyModelConfig("qwen3");
  j["rope_parameters"] = {{"rope_type", "default"}, {"rope_theta", "1e6"}};
  EXPECT_NE(ErrorOf(j).find("'rope_theta' must be a number"), std::string::npos) << ErrorOf(j);
}

TEST(ModelConfig, SizesMustBePositive) {
  for (const auto& [field, value] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"max_position_embeddings", 0}, {"intermediate_size", -1}, {"intermediate_size", 0}, {"rms_norm_eps", 0},
           {"rms_norm_eps", -1e-6}, {"rope_theta", 0}}) {
    for (const char* arch : {"llama", "qwen3"}) {
      auto j = TinyModelConfig(arch);
      j[field] = value;
      if (field == "rope_theta") j.erase("rope_parameters");
      EXPECT_NE(ErrorOf(j).find(field + " must be positive"), std::string::npos) << arch << " " << field << "=" << value
                                                                                  << ": " << ErrorOf(j);
    }
  }
}

}  // namespace
}  // namespace faq
