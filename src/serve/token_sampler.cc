// SampleToken: temperature, then top-k, then top-p (the order of vLLM and transformers).
#include "token_sampler.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace faq::serve {

int32_t SampleToken(const at::Tensor& logits, const SamplingParams& params, std::mt19937_64& rng) {
  if (params.temperature <= 0.0 || params.top_k == 1) return static_cast<int32_t>(logits.argmax().item<int64_t>());
  at::Tensor scaled = logits.to(at::kDouble) / params.temperature;
  const int64_t vocab = scaled.size(0);
  const int64_t k = params.top_k > 0 ? std::min(params.top_k, vocab) : vocab;
  // Sorted best first; topk is stable enough here since ties only matter for greedy.
  auto [values, indices] = k < vocab ? scaled.topk(k) : scaled.sort(/*dim=*/0, /*descending=*/true);
  at::Tensor probs = at::softmax(values, 0).contiguous();
  const double* p = probs.data_ptr<double>();
  const int64_t n = probs.size(0);
  // Nucleus: the shortest prefix whose mass reaches top_p (at least one token).
  int64_t keep = n;
  if (params.top_p < 1.0) {
    double mass = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      mass += p[i];
      if (mass >= params.top_p) {
        keep = i + 1;
        break;
      }
    }
  }
  double total = 0.0;
  for (int64_t i = 0; i < keep; ++i) total += p[i];
  // One uniform draw per token from the sequence's generator: reproducible for a seed and
  // independent of which other sequences share the batch.
  double u = std::uniform_real_distribution<double>(0.0, total)(rng);
  int64_t chosen = keep - 1;
  for (int64_t i = 0; i < keep; ++i) {
    u -= p[i];
    if (u < 0.0) {
      chosen = i;
      break;
    }
  }
  return static_cast<int32_t>(indices[chosen].item<int64_t>());
}

TokenLogprob TokenLogprobOf(const at::Tensor& log_probs, int32_t token, int k) {
  TokenLogprob out;
  out.logprob = log_probs[token].item<float>();
  if (k > 0) {
    auto [values, indices] = log_probs.topk(std::min<int64_t>(k, log_probs.size(0)));
    for (int64_t i = 0; i < values.size(0); ++i) {
      out.top.emplace_back(static_cast<int32_t>(indices[i].item<int64_t>()), values[i].item<float>());
    }
  }
  return out;
}

}  // namespace faq::serve
