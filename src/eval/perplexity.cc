// EvaluatePerplexity: layer-outer passes over chunks of windows.
#include "faq/eval/perplexity.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

#include "faq/util/error.h"
#include "faq/util/progress.h"

namespace faq {
namespace {

// Sum of next-token NLL over one window's predicted positions, in fp64.
double WindowNll(const CausalLM& model, const at::Tensor& hidden, const at::Tensor& ids, int64_t chunk) {
  const int64_t t = ids.size(0);
  double total = 0;
  for (int64_t start = 0; start < t - 1; start += chunk) {
    const int64_t n = std::min(chunk, t - 1 - start);
    at::Tensor logits = model.Head(model.FinalNorm(hidden.narrow(0, start, n)));
    at::Tensor logp = at::log_softmax(logits, -1);
    at::Tensor target = ids.narrow(0, start + 1, n).unsqueeze(1);
    total -= logp.gather(1, target).to(at::kDouble).sum().item<double>();
  }
  return total;
}

}  // namespace

PerplexityResult EvaluatePerplexity(const CausalLM& model, const std::vector<int32_t>& stream,
                                    const PerplexityOptions& options, const dist::Communicator& comm) {
  if (options.seqlen < 2) Fail("--seqlen must be at least 2, got {}", options.seqlen);
  int64_t windows = static_cast<int64_t>(stream.size()) / options.seqlen;
  if (options.max_windows > 0) windows = std::min(windows, options.max_windows);
  if (windows == 0) {
    Fail("the evaluation data has {} tokens, fewer than one window of --seqlen {}", stream.size(), options.seqlen);
  }
  const ModelConfig& c = model.config();
  // This rank's contiguous share of the windows; each window is computed alone, so the
  // split changes only the order in which the sums are added.
  const int64_t shard_begin = windows * comm.rank() / comm.world_size();
  const int64_t shard_windows = windows * (comm.rank() + 1) / comm.world_size() - shard_begin;
  at::Tensor all_ids = at::from_blob(const_cast<int32_t*>(stream.data()), {windows, options.seqlen}, at::kInt)
                           .narrow(0, shard_begin, shard_windows)
                           .to(at::kLong);
  const uint64_t per_window =
      static_cast<uint64_t>(options.seqlen * c.hidden_size) * static_cast<uint64_t>(c10::elementSize(model.compute_type()));
  const int64_t per_pass = std::clamp<int64_t>(static_cast<int64_t>(options.activation_budget_bytes / per_window), 1,
                                               std::max<int64_t>(shard_windows, 1));
  const int64_t passes = (shard_windows + per_pass - 1) / per_pass;
  const int64_t steps_per_pass = model.NumLayers() + 1;  // layers, then the head

  Progress progress("eval ppl", static_cast<uint64_t>(passes * steps_per_pass), "layers");
  double nll_sum = 0;
  for (int64_t pass = 0; pass < passes; ++pass) {
    const int64_t first = pass * per_pass;
    const int64_t n = std::min(per_pass, shard_windows - first);
    at::Tensor ids = all_ids.narrow(0, first, n).to(model.device());
    at::Tensor hidden = model.Embed(ids);  // [n, T, H]
    AttentionInputs attn = model.PrepareAttention({}, 1, options.seqlen);
    for (int64_t i = 0; i < model.NumLayers(); ++i) {
      auto w = model.Layer(i);
      for (int64_t k = 0; k < n; ++k) {
        at::Tensor h = hidden.narrow(0, k, 1);
        h.copy_(model.RunLayer(i, *w, h, attn));
      }
      if (options.show_progress) {
        double done_tokens = static_cast<double>(first * options.seqlen) +
                             static_cast<double>(n * options.seqlen) * (i + 1) / steps_per_pass;
        progress.SetDetail(fmt::format("{:.0f} tok/s", done_tokens / std::max(1e-9, progress.ElapsedSeconds())));
        progress.Advance();
      }
    }
    for (int64_t k = 0; k < n; ++k) {
      nll_sum += WindowNll(model, hidden[k], ids[k], options.head_chunk_tokens);
    }
    if (options.show_progress) progress.Advance();
  }
  if (options.show_progress) progress.Finish();
  // fp64: the sums of a large evaluation lose digits in fp32.
  // On the model's device: NCCL reduces GPU tensors only.
  at::Tensor totals = at::tensor({nll_sum, static_cast<double>(shard_windows * (options.seqlen - 1))}, at::kDouble)
                          .to(model.device());
  comm.AllReduceSum(totals, "eval ppl NLL sums and token counts");
  nll_sum = totals[0].item<double>();
  const auto tokens = static_cast<int64_t>(totals[1].item<double>());
  FAQ_CHECK(tokens == windows * (options.seqlen - 1), "ranks evaluated {} tokens, expected {}", tokens,
            windows * (options.seqlen - 1));

  PerplexityResult r;
  r.windows = windows;
  r.tokens = tokens;
  r.nll = nll_sum / static_cast<double>(r.tokens);
  r.ppl = std::exp(r.nll);
  r.seconds = progress.ElapsedSeconds();
  return r;
}

}  // namespace faq
