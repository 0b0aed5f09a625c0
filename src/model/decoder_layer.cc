// The decoder block: pre-norm attention with RoPE and GQA, then a SwiGLU MLP or a
// top-k routed mixture of SwiGLU experts.
#include "faq/model/decoder_layer.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "faq/model/skinny_linear.h"

namespace faq {
namespace {

at::Tensor ApplyLinear(const Linear& l, const at::Tensor& x, const char* name, const LinearObserver* observer) {
  const bool observed = observer != nullptr && *observer;
  if (observed) (*observer)(name, x, at::Tensor());
  at::Tensor y = ModelLinear(x, l.weight, l.bias.defined() ? std::optional<at::Tensor>(l.bias) : std::nullopt);
  if (observed) (*observer)(name, x, y);
  return y;
}

at::Tensor ApplyLinear(const Linear& l, const at::Tensor& x, const std::string& name, const LinearObserver* observer) {
  return ApplyLinear(l, x, name.c_str(), observer);
}

at::Tensor SwiGlu(const MlpWeights& m, const at::Tensor& x, const std::string& prefix, const LinearObserver* observer) {
  at::Tensor gate = ApplyLinear(m.gate_proj, x, prefix + "gate_proj", observer);
  at::Tensor up = ApplyLinear(m.up_proj, x, prefix + "up_proj", observer);
  return ApplyLinear(m.down_proj, at::silu(gate) * up, prefix + "down_proj", observer);
}

// `view` followed by `add` along dim 2, written into the spare columns of `buffer` when `view`
// is its front; otherwise into a new buffer of twice the length (amortized: a copy of the
// cache every doubling instead of every token).
at::Tensor ExtendAlongSequence(at::Tensor& buffer, const at::Tensor& view, const at::Tensor& add) {
  const int64_t length = view.size(2), total = length + add.size(2);
  const bool front_of_buffer = buffer.defined() && view.data_ptr() == buffer.data_ptr() &&
                               view.strides() == buffer.strides() && view.size(0) == buffer.size(0) &&
                               view.size(1) == buffer.size(1) && view.size(3) == buffer.size(3);
  if (!front_of_buffer || buffer.size(2) < total) {
    std::vector<int64_t> sizes = view.sizes().vec();
    sizes[2] = std::max<int64_t>(2 * total, 16);
    at::Tensor grown = at::empty(sizes, view.options());
    grown.narrow(2, 0, length).copy_(view);
    buffer = grown;
  }
  buffer.narrow(2, length, add.size(2)).copy_(add);
  return buffer.narrow(2, 0, total);
}

at::Tensor Attention(const ModelConfig& c, const DecoderLayerWeights& w, const at::Tensor& x,
                     const AttentionInputs& attn, const LinearObserver* observer, LayerKvCache* cache) {
  const int64_t b = x.size(0), t = x.size(1), hd = c.head_dim;
  at::Tensor q = ApplyLinear(w.q_proj, x, "self_attn.q_proj", observer).view({b, t, c.num_attention_heads, hd});
  at::Tensor k = ApplyLinear(w.k_proj, x, "self_attn.k_proj", observer).view({b, t, c.num_key_value_heads, hd});
  at::Tensor v = ApplyLinear(w.v_proj, x, "self_attn.v_proj", observer).view({b, t, c.num_key_value_heads, hd});
  if (c.qk_norm) {  // Qwen3: per-head RMSNorm before RoPE
    q = RmsNorm(q, w.q_norm, c.rms_norm_eps);
    k = RmsNorm(k, w.k_norm, c.rms_norm_eps);
  }
  q = ApplyRope(q.transpose(1, 2), attn.rope);
  k = ApplyRope(k.transpose(1, 2), attn.rope);
  v = v.transpose(1, 2);
  if (cache != nullptr) {
    cache->Append(k, v);
    k = cache->k;
    v = cache->v;
  }
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  at::Tensor out;
  if (attn.mask.defined()) {
    out = at::scaled_dot_product_attention(q, k, v, attn.mask, 0.0, false, scale, /*enable_gqa=*/true);
  } else {
    out = at::scaled_dot_product_attention(q, k, v, std::nullopt, 0.0, /*is_causal=*/true, scale, true);
  }
  out = out.transpose(1, 2).reshape({b, t, c.num_attention_heads * hd});
  return ApplyLinear(w.o_proj, out, "self_attn.o_proj", observer);
}

at::Tensor MixtureOfExperts(const ModelConfig& c, const DecoderLayerWeights& w, const at::Tensor& x,
                            const LinearObserver* observer, at::Tensor* router_logits) {
  const auto shape = x.sizes().vec();
  at::Tensor flat = x.reshape({-1, x.size(-1)});
  at::Tensor logits = ApplyLinear(w.router, flat, "mlp.gate", observer);
  if (router_logits != nullptr) *router_logits = logits;
  at::Tensor probs = at::softmax(logits, 1, at::kFloat);
  auto [weights, selected] = at::topk(probs, c.num_experts_per_tok, -1);
  if (c.norm_topk_prob) weights = weights / weights.sum(-1, true);
  weights = weights.to(x.scalar_type());
  at::Tensor out = at::zeros_like(flat);
  for (int64_t e = 0; e < c.num_experts; ++e) {
    at::Tensor hit = (selected == e).nonzero();  // [n, 2]: (token, slot)
    if (hit.size(0) == 0) continue;
    at::Tensor tokens = hit.select(1, 0);
    at::Tensor slots = hit.select(1, 1);
    at::Tensor y = SwiGlu(w.experts[static_cast<size_t>(e)], flat.index_select(0, tokens),
                          fmt::format("mlp.experts.{}.", e), observer);
    at::Tensor gate = weights.index({tokens, slots}).unsqueeze(1);
    out.index_add_(0, tokens, y * gate);
  }
  return out.view(shape);
}

}  // namespace

at::Tensor RmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps) {
  at::Tensor xf = x.to(at::kFloat);
  at::Tensor var = xf.pow(2).mean(-1, /*keepdim=*/true);
  return weight * (xf * at::rsqrt(var + eps)).to(x.scalar_type());
}

void LayerKvCache::Append(const at::Tensor& k_new, const at::Tensor& v_new) {
  if (!k.defined()) {  // a prefill: kept as computed; the first decode step makes the buffers
    k = k_new;
    v = v_new;
    return;
  }
  k = ExtendAlongSequence(k_buffer, k, k_new);
  v = ExtendAlongSequence(v_buffer, v, v_new);
}

at::Tensor DecoderLayerForward(const ModelConfig& c, const DecoderLayerWeights& w, const at::Tensor& hidden,
                               const AttentionInputs& attn, const LinearObserver* observer, LayerKvCache* cache,
                               at::Tensor* router_logits) {
  at::Tensor h = hidden + Attention(c, w, RmsNorm(hidden, w.input_layernorm, c.rms_norm_eps), attn, observer, cache);
  at::Tensor u = RmsNorm(h, w.post_attention_layernorm, c.rms_norm_eps);
  at::Tensor mlp = w.experts.empty() ? SwiGlu(w.mlp, u, "mlp.", observer)
                                     : MixtureOfExperts(c, w, u, observer, router_logits);
  return h + mlp;
}

}  // namespace faq
