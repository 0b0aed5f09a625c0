// The architecture's group table: every quantized linear in exactly one group, smoothing
// sources only where a scale can be folded.
#include <gtest/gtest.h>

#include <map>

#include "faq/model/linear_groups.h"
#include "faq/model/random_model.h"
#include "faq/model/weights.h"

namespace faq {
namespace {

std::map<std::string, const LinearGroup*> ByName(const std::vector<LinearGroup>& groups) {
  std::map<std::string, const LinearGroup*> out;
  for (const auto& g : groups) out[g.name] = &g;
  return out;
}

// Every `*_proj` linear of layer `i` (from the checkpoint's tensor list) is in exactly one group.
void ExpectEveryLinearOnce(const ModelConfig& c, int64_t i) {
  std::map<std::string, int> seen;
  for (const auto& g : DecoderLayerGroups(c, i)) {
    for (const auto& l : g.linears) ++seen[l];
  }
  int expected = 0;
  for (const auto& [name, shape] : ExpectedTensors(c)) {
    const std::string prefix = LayerPrefix(i);
    if (name.rfind(prefix, 0) != 0 || name.find("_proj.weight") == std::string::npos) continue;
    const std::string rel = name.substr(prefix.size(), name.size() - prefix.size() - 7);
    EXPECT_EQ(seen[rel], 1) << rel;
    ++expected;
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(expected)) << "groups name linears the checkpoint does not have";
}

TEST(LinearGroups, DenseLayerWithGroupedQueryAttention) {
  const ModelConfig c = ParseModelConfig(TinyModelConfig("qwen3"), "tiny");
  ASSERT_NE(c.num_key_value_heads, c.num_attention_heads);
  const auto groups = DecoderLayerGroups(c, 0);
  auto g = ByName(groups);
  ASSERT_EQ(groups.size(), 4u);
  EXPECT_EQ(g.at("self_attn.qkv")->linears, (std::vector<std::string>{"self_attn.q_proj", "self_attn.k_proj",
                                                                      "self_attn.v_proj"}));
  EXPECT_EQ(g.at("self_attn.qkv")->smoothing, SmoothingKind::kNorm);
  EXPECT_EQ(g.at("self_attn.qkv")->smoothing_source, "input_layernorm");
  EXPECT_EQ(g.at("self_attn.o_proj")->smoothing, SmoothingKind::kNone) << "GQA: v_proj cannot absorb o_proj's scale";
  EXPECT_EQ(g.at("mlp.gate_up")->smoothing_source, "post_attention_layernorm");
  EXPECT_EQ(g.at("mlp.down_proj")->smoothing, SmoothingKind::kLinear);
  EXPECT_EQ(g.at("mlp.down_proj")->smoothing_source, "mlp.up_proj");
  EXPECT_EQ(NumStages(groups), 4);
  ExpectEveryLinearOnce(c, 0);
}

TEST(LinearGroups, FullMultiHeadAttentionFoldsIntoVProj) {
  nlohmann::json config = TinyModelConfig("llama");
  config["num_key_value_heads"] = config["num_attention_heads"];
  const ModelConfig c = ParseModelConfig(config, "tiny");
  const auto groups = DecoderLayerGroups(c, 1);
  auto g = ByName(groups);
  EXPECT_EQ(g.at("self_attn.o_proj")->smoothing, SmoothingKind::kLinear);
  EXPECT_EQ(g.at("self_attn.o_proj")->smoothing_source, "self_attn.v_proj");
}

TEST(LinearGroups, MixtureOfExpertsGroupsEachExpertAndNeverTheRouter) {
  const ModelConfig c = ParseModelConfig(TinyModelConfig("qwen3_moe"), "tiny");
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    SCOPED_TRACE(i);
    const auto groups = DecoderLayerGroups(c, i);
    ExpectEveryLinearOnce(c, i);
    for (const auto& grp : groups) {
      for (const auto& l : grp.linears) EXPECT_NE(l, "mlp.gate");
    }
    if (!c.IsSparseLayer(i)) continue;
    auto g = ByName(groups);
    EXPECT_EQ(groups.size(), 2u + 2u * static_cast<size_t>(c.num_experts));
    EXPECT_EQ(g.at("mlp.experts.0.gate_up")->smoothing, SmoothingKind::kNone) << "the norm also feeds the router";
    EXPECT_EQ(g.at("mlp.experts.1.down_proj")->smoothing_source, "mlp.experts.1.up_proj");
  }
}

}  // namespace
}  // namespace faq
