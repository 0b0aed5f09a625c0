// Padded batches and cached decoding agree with plain single-sequence passes.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <vector>

#include "faq/model/causal_lm.h"
#include "faq/model/random_model.h"
#include "faq/util/error.h"
#include "support/test_env.h"

namespace faq {
namespace {

class PaddedBatch : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    WriteRandomModel(dir_.path(), TinyModelConfig(GetParam()), {.seed = 7});
  }
  testing::TempDir dir_;
};

TEST_P(PaddedBatch, LeftAndRightPaddingDoNotChangeRealTokens) {
  CausalLM model(dir_.path());
  at::Tensor a = at::randint(3, 200, {1, 9}, at::kLong);
  at::Tensor b = at::randint(3, 200, {1, 5}, at::kLong);
  at::Tensor la = model.Forward(a), lb = model.Forward(b);
  // Right padding: b then 4 pads. Left padding: 4 pads then b.
  at::Tensor pad = at::zeros({1, 4}, at::kLong);
  for (bool left : {false, true}) {
    at::Tensor b_padded = left ? at::cat({pad, b}, 1) : at::cat({b, pad}, 1);
    at::Tensor mask = at::ones({2, 9}, at::kLong);
    if (left) {
      mask[1].narrow(0, 0, 4).zero_();
    } else {
      mask[1].narrow(0, 5, 4).zero_();
    }
    at::Tensor out = model.Forward(at::cat({a, b_padded}, 0), mask);
    EXPECT_LE((out[0] - la[0]).abs().max().item<double>(), 1e-4);
    at::Tensor real = left ? out[1].narrow(0, 4, 5) : out[1].narrow(0, 0, 5);
    EXPECT_LE((real - lb[0]).abs().max().item<double>(), 1e-4) << (left ? "left" : "right");
    EXPECT_FALSE(out.isnan().any().item<bool>());
  }
}

TEST_P(PaddedBatch, CachedDecodingOfALeftPaddedBatchMatchesFullPasses) {
  CausalLM model(dir_.path());
  at::Tensor a = at::randint(3, 200, {1, 8}, at::kLong);
  at::Tensor b = at::randint(3, 200, {1, 5}, at::kLong);
  at::Tensor ids = at::cat({a, at::cat({at::zeros({1, 3}, at::kLong), b}, 1)}, 0);
  at::Tensor mask = at::ones({2, 8}, at::kLong);
  mask[1].narrow(0, 0, 3).zero_();
  // Prefill 6 columns, then feed the last two one at a time.
  KvCache cache;
  model.Forward(ids.narrow(1, 0, 6), mask.narrow(1, 0, 6), &cache);
  at::Tensor step1 = model.Forward(ids.narrow(1, 6, 1), mask.narrow(1, 0, 7), &cache);
  at::Tensor step2 = model.Forward(ids.narrow(1, 7, 1), {}, &cache);  // mask taken from the cache
  at::Tensor full_a = model.Forward(a), full_b = model.Forward(b);
  EXPECT_LE((step1[0][0] - full_a[0][6]).abs().max().item<double>(), 1e-4);
  EXPECT_LE((step2[0][0] - full_a[0][7]).abs().max().item<double>(), 1e-4);
  EXPECT_LE((step1[1][0] - full_b[0][3]).abs().max().item<double>(), 1e-4);
  EXPECT_LE((step2[1][0] - full_b[0][4]).abs().max().item<double>(), 1e-4);
}

// Decode steps write into the spare columns of the cache's buffers (a new buffer only when one
// is full, or after rows were dropped); every step's logits still equal a full pass.
TEST_P(PaddedBatch, LongCachedDecodingMatchesFullPassesAcrossBufferGrowthAndDroppedRows) {
  CausalLM model(dir_.path());
  constexpr int64_t kPrompt = 3, kSteps = 40, kDropAt = 25;
  at::Tensor ids = at::randint(3, 200, {2, kPrompt + kSteps}, at::kLong);
  KvCache cache;
  model.Forward(ids.narrow(1, 0, kPrompt), {}, &cache);
  std::set<const void*> buffers;
  int64_t rows = 2;
  for (int64_t t = kPrompt; t < kPrompt + kSteps; ++t) {
    if (t == kPrompt + kDropAt) {  // as the server drops a finished row: row 1 stays
      at::Tensor keep = at::tensor(std::vector<int64_t>{1}, at::kLong);
      for (auto& layer : cache.layers) {
        layer.k = layer.k.index_select(0, keep);
        layer.v = layer.v.index_select(0, keep);
      }
      cache.key_valid = cache.key_valid.index_select(0, keep);
      cache.next_position = cache.next_position.index_select(0, keep);
      rows = 1;
    }
    at::Tensor batch = rows == 2 ? ids : ids.narrow(0, 1, 1);
    at::Tensor step = model.Forward(batch.narrow(1, t, 1), {}, &cache);
    at::Tensor full = model.Forward(batch.narrow(1, 0, t + 1));
    ASSERT_LE((step.select(1, 0) - full.select(1, t)).abs().max().item<double>(), 1e-4) << "token " << t;
    buffers.insert(cache.layers[0].k_buffer.data_ptr());
    EXPECT_EQ(cache.layers[0].k.data_ptr(), cache.layers[0].k_buffer.data_ptr());
  }
  // Lengths 4..28 fit buffers of 16 and 34 columns (twice the length when full), and the drop
  // at 29 starts one of 58 that lasts to 43: 3 (5 allowed), where copying every step made 40.
  EXPECT_LE(buffers.size(), 5u);
}

INSTANTIATE_TEST_SUITE_P(Architectures, PaddedBatch, ::testing::Values("llama", "qwen2", "qwen3", "qwen3_moe"));

TEST(CausalLM, ShardedCheckpointLoadsLikeASingleFile) {
  testing::TempDir one, many;
  auto config = TinyModelConfig("qwen3");
  WriteRandomModel(one.path(), config, {.seed = 3});
  WriteRandomModel(many.path(), config, {.seed = 3, .max_shard_bytes = 40000});
  EXPECT_TRUE(std::filesystem::exists(many / "model.safetensors.index.json"));
  at::Tensor ids = at::randint(0, 256, {2, 6}, at::kLong);
  at::Tensor x = CausalLM(one.path()).Forward(ids);
  at::Tensor y = CausalLM(many.path()).Forward(ids);
  EXPECT_TRUE(at::equal(x, y));
}

TEST(CausalLM, WrongTensorShapeIsReportedWithNames) {
  testing::TempDir dir;
  auto config = TinyModelConfig("llama");
  WriteRandomModel(dir.path(), config, {});
  config["intermediate_size"] = 96;  // the checkpoint has 128
  nlohmann::json full = config;
  full["torch_dtype"] = "float32";
  std::ofstream(dir / "config.json") << full.dump();
  CausalLM model(dir.path());
  try {
    model.Layer(0);
    FAIL();
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("model.layers.0.mlp.gate_proj.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[128, 64]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[96, 64]"), std::string::npos) << msg;
  }
}

TEST(CausalLM, TokenIdOutsideTheVocabularyIsAnError) {
  testing::TempDir dir;
  WriteRandomModel(dir.path(), TinyModelConfig("llama"), {});
  CausalLM model(dir.path());
  EXPECT_THROW(model.Forward(at::full({1, 3}, 256, at::kLong)), Error);
}

}  // namespace
}  // namespace faq
