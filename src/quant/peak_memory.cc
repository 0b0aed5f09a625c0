// EstimatePeakMemory: the pre-flight plan of the layer loop's largest resident set.
#include <ATen/ATen.h>

#include <algorithm>

#include "faq/quant/model_quantizer.h"

namespace faq {

PeakMemory EstimatePeakMemory(const ModelConfig& c, const CalibrationSet& calib, const ModelQuantizerOptions& o,
                              at::Device device, at::ScalarType compute_type) {
  const QuantMethod method = MakeQuantMethod(o.method, o.method_options);
  const uint64_t streams = method.Policy().needs_fp_inputs ? 2 : 1;
  const uint64_t element = static_cast<uint64_t>(c10::elementSize(compute_type));
  const auto kept = static_cast<uint64_t>(c10::elementSize(o.activation_dtype.value_or(compute_type)));
  const uint64_t hidden = static_cast<uint64_t>(calib.ids.numel() * c.hidden_size) * kept * streams;
  const uint64_t attn =
      static_cast<uint64_t>(c.hidden_size * c.head_dim * (2 * c.num_attention_heads + 2 * c.num_key_value_heads));
  const uint64_t inter =
      static_cast<uint64_t>(c.num_experts > 0 ? c.num_experts * c.moe_intermediate_size : c.intermediate_size);
  const uint64_t layer_weights = attn + 3 * inter * static_cast<uint64_t>(c.hidden_size);
  // The loaded layer, its full-precision copy for methods that keep both, and the solved one.
  const uint64_t layer = layer_weights * element * streams;
  const uint64_t k_max = static_cast<uint64_t>(
      std::max(c.hidden_size, c.num_experts > 0 ? c.moe_intermediate_size : c.intermediate_size));
  // A pass sums every group's Hessian in float64 (GPTAQ: ΔXXᵀ too): q/k/v and gate/up read
  // the hidden width, o_proj the heads', down_proj (each expert's) the intermediate width.
  const auto h = static_cast<uint64_t>(c.hidden_size);
  const auto heads = static_cast<uint64_t>(c.num_attention_heads * c.head_dim);
  const auto mlp_squares = c.num_experts > 0
                               ? static_cast<uint64_t>(c.num_experts) * (h * h + k_max * k_max)
                               : h * h + k_max * k_max;
  // ...and the solve factorizes the widest in fp32 (its damped copy, factor and inverse).
  const uint64_t hessians = (h * h + heads * heads + mlp_squares) * 8 * streams + 3 * k_max * k_max * 4;
  // One micro-batch's layer run: the MLP's four [rows, inter] products, the attention scores
  // and probabilities, and the widest input's fp32 product and row copies.
  const auto rows = static_cast<uint64_t>(o.micro_batch * calib.ids.size(1));
  const auto scores = static_cast<uint64_t>(o.micro_batch * c.num_attention_heads) *
                      static_cast<uint64_t>(calib.ids.size(1) * calib.ids.size(1)) * element * 2;
  uint64_t temporaries = rows * inter * element * 4 + scores + k_max * k_max * 4 + 2 * rows * k_max * 4;
  if (method.transform) {  // a search's input sample and the inspected module outputs it compares
    const auto sample = static_cast<uint64_t>(method.transform->Needs().sample_rows);
    temporaries += sample * (k_max + 2 * static_cast<uint64_t>(c.hidden_size)) * 4;
  }
  // Every solved layer is held until export: one byte per code (CompactCodes), scales aside.
  const uint64_t solved = layer_weights * static_cast<uint64_t>(c.num_hidden_layers);
  // Offloaded activations live in the page cache, not in the planned resident set.
  const bool hidden_on_device = device.is_cuda() && !o.activations_on_host && o.offload_dir.empty();
  const uint64_t hidden_resident = o.offload_dir.empty() ? hidden : 0;
  PeakMemory peak;
  if (device.is_cpu()) {
    peak.host_bytes = hidden_resident + layer + hessians + temporaries + solved;
  } else {
    peak.device_bytes = (hidden_on_device ? hidden : 0) + layer + hessians + temporaries;
    peak.host_bytes = (hidden_on_device ? 0 : hidden_resident) + solved;  // results come back to the host
  }
  return peak;
}

}  // namespace faq
