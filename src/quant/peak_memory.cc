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
  // The loaded layer, its full-precision copy for methods that keep both, and the solved one.
  const uint64_t layer = (attn + 3 * inter * static_cast<uint64_t>(c.hidden_size)) * element * streams;
  const uint64_t k_max = static_cast<uint64_t>(
      std::max(c.hidden_size, c.num_experts > 0 ? c.moe_intermediate_size : c.intermediate_size));
  const uint64_t hessians = 4 * k_max * k_max * 4 * streams;  // fp32, up to four groups of a stage at once
  uint64_t temporaries = static_cast<uint64_t>(o.micro_batch * calib.ids.size(1)) * inter * element * 3;
  if (method.transform) {  // a search's input sample and the inspected module outputs it compares
    const auto rows = static_cast<uint64_t>(method.transform->Needs().sample_rows);
    temporaries += rows * (k_max + 2 * static_cast<uint64_t>(c.hidden_size)) * 4;
  }
  // Offloaded activations live in the page cache, not in the planned resident set.
  const bool hidden_on_device = device.is_cuda() && !o.activations_on_host && o.offload_dir.empty();
  const uint64_t hidden_resident = o.offload_dir.empty() ? hidden : 0;
  PeakMemory peak;
  if (device.is_cpu()) {
    peak.host_bytes = hidden_resident + layer + hessians + temporaries;
  } else {
    peak.device_bytes = (hidden_on_device ? hidden : 0) + layer + hessians + temporaries;
    peak.host_bytes = hidden_on_device ? 0 : hidden_resident;
  }
  return peak;
}

}  // namespace faq
