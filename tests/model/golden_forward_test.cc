// The forward pass against Hugging Face transformers' own outputs (../shared/golden/hf).
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "faq/model/causal_lm.h"
#include "faq/util/atomic_file.h"
#include "support/npy.h"
#include "support/test_env.h"

namespace faq {
namespace {

at::Tensor Npy(const std::filesystem::path& path) {
  auto a = testing::ReadNpy(path);
  EXPECT_EQ(a.descr, "<f4") << path;
  return at::from_blob(const_cast<float*>(a.f32()), a.shape, at::kFloat).clone();
}

double MaxAbs(const at::Tensor& a, const at::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return (a - b).abs().max().item<double>();
}

class GoldenForward : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = testing::SharedDir() / "golden/hf" / GetParam();
    inputs_ = nlohmann::json::parse(ReadFile(dir_ / "inputs.json"));
    std::vector<std::vector<int64_t>> rows = inputs_["input_ids"];
    ids_ = at::empty({static_cast<int64_t>(rows.size()), static_cast<int64_t>(rows[0].size())}, at::kLong);
    for (size_t b = 0; b < rows.size(); ++b) {
      for (size_t t = 0; t < rows[b].size(); ++t) ids_[b][t] = rows[b][t];
    }
  }
  std::filesystem::path dir_;
  nlohmann::json inputs_;
  at::Tensor ids_;
};

TEST_P(GoldenForward, LogitsAndHiddenStatesMatch) {
  CausalLM model(dir_ / "model");
  std::vector<at::Tensor> outs;
  at::Tensor logits = model.Forward(ids_, {}, nullptr, &outs);
  EXPECT_LE(MaxAbs(logits, Npy(dir_ / "logits.npy")), 1e-4);
  const int64_t layers = model.NumLayers();
  ASSERT_EQ(static_cast<int64_t>(outs.size()), layers + 1);
  for (int64_t i = 0; i < layers; ++i) {  // 00 = embeddings, XX = output of layer XX-1
    auto file = dir_ / fmt::format("hidden_states_{:02}.npy", i);
    EXPECT_LE(MaxAbs(outs[static_cast<size_t>(i)], Npy(file)), 1e-4) << file;
  }
  EXPECT_LE(MaxAbs(outs.back(), Npy(dir_ / "last_layer_prenorm.npy")), 1e-4);
  EXPECT_LE(MaxAbs(model.FinalNorm(outs.back()), Npy(dir_ / fmt::format("hidden_states_{:02}.npy", layers))), 1e-4);
}

TEST_P(GoldenForward, IncrementalDecodingWithKvCacheMatches) {
  // HF: prefill ids[:, :12] (last-position logits), then one token at a time for t = 12..16.
  CausalLM model(dir_ / "model");
  at::Tensor expected = Npy(dir_ / "incremental_logits.npy");  // [B, 6, V]
  KvCache cache;
  std::vector<at::Tensor> steps;
  steps.push_back(model.Forward(ids_.narrow(1, 0, 12), {}, &cache).select(1, -1));
  for (int64_t t = 12; t < ids_.size(1); ++t) {
    steps.push_back(model.Forward(ids_.narrow(1, t, 1), {}, &cache).select(1, -1));
  }
  EXPECT_LE(MaxAbs(at::stack(steps, 1), expected), 1e-4);
  EXPECT_EQ(cache.Length(), ids_.size(1));
}

TEST_P(GoldenForward, GreedyDecodingMatches) {
  CausalLM model(dir_ / "model");
  std::vector<int64_t> want = inputs_["greedy"]["tokens"];
  at::Tensor expected = Npy(dir_ / "greedy_logits.npy");  // [8, V]
  KvCache cache;
  at::Tensor next = ids_.narrow(0, 0, 1);
  for (size_t step = 0; step < want.size(); ++step) {
    at::Tensor logits = model.Forward(next, {}, &cache).select(1, -1)[0];
    EXPECT_LE(MaxAbs(logits, expected[static_cast<int64_t>(step)]), 1e-4) << "step " << step;
    int64_t token = logits.argmax().item<int64_t>();
    ASSERT_EQ(token, want[step]) << "step " << step;
    next = at::full({1, 1}, token, at::kLong);
  }
}

INSTANTIATE_TEST_SUITE_P(HuggingFace, GoldenForward, ::testing::Values("llama", "qwen3", "qwen3_bf16", "qwen3_moe"));

TEST(GoldenForwardMoe, RouterLogitsMatch) {
  auto dir = testing::SharedDir() / "golden/hf/qwen3_moe";
  CausalLM model(dir / "model");
  auto inputs = nlohmann::json::parse(ReadFile(dir / "inputs.json"));
  std::vector<std::vector<int64_t>> rows = inputs["input_ids"];
  at::Tensor ids = at::empty({2, 17}, at::kLong);
  for (int b = 0; b < 2; ++b) {
    for (int t = 0; t < 17; ++t) ids[b][t] = rows[static_cast<size_t>(b)][static_cast<size_t>(t)];
  }
  at::Tensor expected = Npy(dir / "router_logits.npy");  // [layers, B*T, experts]
  AttentionInputs attn = model.PrepareAttention({}, 2, 17);
  at::Tensor h = model.Embed(ids);
  for (int64_t i = 0; i < model.NumLayers(); ++i) {
    at::Tensor router;
    h = DecoderLayerForward(model.config(), *model.Layer(i), h, attn, nullptr, nullptr, &router);
    EXPECT_LE(MaxAbs(router, expected[i]), 1e-4) << "layer " << i;
  }
}

}  // namespace
}  // namespace faq
