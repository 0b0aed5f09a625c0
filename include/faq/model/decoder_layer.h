// One decoder layer's forward pass (Llama / Qwen2 / Qwen3 / Qwen3-MoE), with an observer
// on every linear's input and output so quantization can collect statistics.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <string>

#include "faq/model/model_config.h"
#include "faq/model/rope.h"
#include "faq/model/weights.h"

namespace faq {

// What every layer of one forward call shares.
struct AttentionInputs {
  RopeTables rope;  // [B, T, head_dim]
  // bool [B, 1, T, S], true = may attend. Undefined means plain causal attention with no
  // padding and no cache (T == S), which takes the fastest kernel.
  at::Tensor mask;
};

// Called twice per linear with its layer-relative HF name ("self_attn.q_proj",
// "mlp.experts.3.down_proj") and its input [.., in]: first before it runs, with `output`
// undefined (an observer that needs inputs only acts then, and may end the layer there by
// throwing), then after it, with its output [.., out]. For MoE experts the input holds only
// the tokens routed to that expert.
using LinearObserver = std::function<void(const std::string& name, const at::Tensor& input, const at::Tensor& output)>;

// Keys and values seen so far by one layer: [B, kv_heads, S, head_dim]. `k` and `v` may be
// views of the front of larger buffers whose spare columns take the next tokens, so that a
// decode step writes its own token instead of copying the whole cache (as at::cat did, every
// layer, every step). Whoever replaces `k`/`v` by other tensors (padding, joining, dropping
// rows) needs not touch the buffers: the next Append starts new ones.
struct LayerKvCache {
  at::Tensor k;
  at::Tensor v;
  at::Tensor k_buffer;
  at::Tensor v_buffer;

  // Extends `k` and `v` along S by `k_new` and `v_new` ([B, kv_heads, T, head_dim]).
  void Append(const at::Tensor& k_new, const at::Tensor& v_new);
};

// x·rsqrt(mean(x²)+eps) in fp32, cast back to x's type, times `weight` (HF order).
at::Tensor RmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps);

// hidden [B, T, hidden] → [B, T, hidden]. `cache`, when given, is extended with this
// call's keys and values. `router_logits`, when given and the layer is sparse, receives
// the router's logits [B·T, num_experts].
at::Tensor DecoderLayerForward(const ModelConfig& config, const DecoderLayerWeights& w, const at::Tensor& hidden,
                               const AttentionInputs& attn, const LinearObserver* observer = nullptr,
                               LayerKvCache* cache = nullptr, at::Tensor* router_logits = nullptr);

}  // namespace faq
