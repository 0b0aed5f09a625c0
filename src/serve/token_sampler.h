// Choosing the next token from one row of logits: greedy, or temperature / top-k / top-p
// sampling driven by the sequence's own generator.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <random>

#include "faq/serve/generation_engine.h"

namespace faq::serve {

// `logits` is fp32 [vocab]. Temperature 0 takes the first maximum, as torch.argmax (and so
// transformers' greedy search) does.
int32_t SampleToken(const at::Tensor& logits, const SamplingParams& params, std::mt19937_64& rng);

// log_softmax of `logits` [vocab] at `token`, and the `k` most likely tokens.
TokenLogprob TokenLogprobOf(const at::Tensor& log_probs, int32_t token, int k);

}  // namespace faq::serve
