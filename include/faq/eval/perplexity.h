// Perplexity with the protocol of the GPTQ literature: concatenate the token stream,
// cut non-overlapping windows of `seqlen`, drop the remainder, and take
// exp(mean next-token NLL over every predicted position of every window).
#pragma once

#include <cstdint>
#include <vector>

#include "faq/dist/communicator.h"
#include "faq/model/causal_lm.h"

namespace faq {

struct PerplexityOptions {
  int64_t seqlen = 2048;
  int64_t max_windows = 0;  // 0 = every full window
  // Hidden states of this many bytes are kept at once; more windows are done in several
  // passes over the layers.
  uint64_t activation_budget_bytes = 4ull << 30;
  int64_t head_chunk_tokens = 512;  // logits are formed this many tokens at a time
  bool show_progress = true;
};

struct PerplexityResult {
  double ppl = 0;
  double nll = 0;       // mean negative log-likelihood per predicted token (nats)
  int64_t tokens = 0;   // predicted positions: windows × (seqlen − 1)
  int64_t windows = 0;
  double seconds = 0;
};

// Walks the model one decoder layer at a time over all windows of a pass, so that only
// one layer's converted weights are resident (open the model with `resident = false`).
// Throws faq::Error if the stream is shorter than one window.
// Data-parallel under `comm`: each rank evaluates a contiguous share of the windows and the
// NLL sums are all-reduced in fp64, so every rank returns the whole result.
PerplexityResult EvaluatePerplexity(const CausalLM& model, const std::vector<int32_t>& stream,
                                    const PerplexityOptions& options,
                                    const dist::Communicator& comm = dist::Communicator());

}  // namespace faq
