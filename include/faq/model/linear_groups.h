// What an architecture declares about its decoder layers for quantization, as data: which
// linears read the same input (and so share its statistics), the true-sequential stage in
// which they are solved, and the tensor their input comes out of, into which a smoothing
// scale on that input can be folded (GPTQModel's `module_tree`, llm-compressor's AWQ
// mappings). The layer loop reads this table and never names a projection itself.
#pragma once

#include <string>
#include <vector>

#include "faq/model/model_config.h"

namespace faq {

// The tensor that produces a group's input, seen from the input's channels.
enum class SmoothingKind {
  kNone,    // nothing can absorb a per-channel scale (e.g. a norm shared with a router)
  kNorm,    // an RMSNorm weight [K]: scale its entries
  kLinear,  // a linear whose output rows are the input channels: scale its rows (and bias)
};

struct LinearGroup {
  std::string name;                  // "self_attn.qkv", "mlp.gate_up", "mlp.experts.3.down_proj"
  std::vector<std::string> linears;  // layer-relative HF names, in execution order
  int stage = 0;                     // true-sequential order: 0 q/k/v, 1 o, 2 gate/up, 3 down
  SmoothingKind smoothing = SmoothingKind::kNone;
  std::string smoothing_source;      // layer-relative name: "input_layernorm", "self_attn.v_proj"
  // The linear whose output is the output of the module that consumes this group (the
  // attention block ends in o_proj, the MLP in down_proj): where a search measures the effect
  // of changing the group (AutoAWQ's module2inspect).
  std::string inspect_output;
};

// The groups of decoder layer `layer`, in execution order. Every linear that is quantized
// appears in exactly one group; the MoE router (`mlp.gate`) appears in none.
std::vector<LinearGroup> DecoderLayerGroups(const ModelConfig& config, int64_t layer);

// The number of true-sequential stages of `groups` (distinct `stage` values).
int NumStages(const std::vector<LinearGroup>& groups);

}  // namespace faq
