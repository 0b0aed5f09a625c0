// EvaluatePerplexity against a direct full-forward computation, and its window protocol.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "faq/eval/perplexity.h"
#include "faq/model/random_model.h"
#include "faq/util/error.h"
#include "support/test_env.h"

namespace faq {
namespace {

double DirectNll(const CausalLM& model, const std::vector<int32_t>& stream, int64_t seqlen, int64_t windows) {
  double total = 0;
  for (int64_t w = 0; w < windows; ++w) {
    at::Tensor ids = at::empty({1, seqlen}, at::kLong);
    for (int64_t t = 0; t < seqlen; ++t) ids[0][t] = stream[static_cast<size_t>(w * seqlen + t)];
    at::Tensor logp = at::log_softmax(model.Forward(ids)[0].narrow(0, 0, seqlen - 1), -1);
    total -= logp.gather(1, ids[0].narrow(0, 1, seqlen - 1).unsqueeze(1)).to(at::kDouble).sum().item<double>();
  }
  return total / static_cast<double>(windows * (seqlen - 1));
}

TEST(Perplexity, LayerwiseStreamingEqualsFullForwardAndDropsTheRemainder) {
  testing::TempDir dir;
  WriteRandomModel(dir.path(), TinyModelConfig("qwen3"), {.seed = 11, .storage = at::kBFloat16});
  std::vector<int32_t> stream(5 * 32 + 7);
  for (size_t i = 0; i < stream.size(); ++i) stream[i] = static_cast<int32_t>((i * 37 + 11) % 256);
  CausalLM streamed(dir.path(), {.resident = false});
  CausalLM resident(dir.path());
  PerplexityOptions o;
  o.seqlen = 32;
  o.show_progress = false;
  o.activation_budget_bytes = 2 * 32 * 64 * 4;  // two windows per pass: three passes
  o.head_chunk_tokens = 5;                      // logits in uneven chunks
  PerplexityResult r = EvaluatePerplexity(streamed, stream, o);
  EXPECT_EQ(r.windows, 5);
  EXPECT_EQ(r.tokens, 5 * 31);
  double direct = DirectNll(resident, stream, 32, 5);
  EXPECT_NEAR(r.nll, direct, 1e-5);
  EXPECT_NEAR(r.ppl, std::exp(direct), 1e-4 * r.ppl);
  o.max_windows = 2;
  EXPECT_EQ(EvaluatePerplexity(streamed, stream, o).windows, 2);
}

TEST(Perplexity, TooFewTokensForOneWindowIsAnError) {
  testing::TempDir dir;
  WriteRandomModel(dir.path(), TinyModelConfig("llama"), {});
  CausalLM model(dir.path(), {.resident = false});
  PerplexityOptions o;
  o.seqlen = 64;
  o.show_progress = false;
  EXPECT_THROW(EvaluatePerplexity(model, std::vector<int32_t>(63, 1), o), Error);
}

}  // namespace
}  // namespace faq
