// DecoderLayerGroups: the Llama-family block (Llama, Qwen2, Qwen3) and its MoE variant.
#include "faq/model/linear_groups.h"

#include <fmt/format.h>

#include <set>

namespace faq {
namespace {

// One row of the table: relative names are completed with the expert prefix when present.
struct GroupRow {
  const char* name;
  std::vector<const char*> linears;
  int stage;
  SmoothingKind smoothing;
  const char* source;
  const char* inspect;  // relative to the module ("o_proj", "down_proj")
};

// A dense block. o_proj's input is v_proj's output only when every attention head has its
// own value head; with grouped-query attention one value channel feeds several o_proj
// channels, so a per-channel scale cannot be folded into v_proj.
std::vector<GroupRow> AttentionRows(const ModelConfig& c) {
  const SmoothingKind o_smoothing =
      c.num_key_value_heads == c.num_attention_heads ? SmoothingKind::kLinear : SmoothingKind::kNone;
  return {
      {"self_attn.qkv", {"q_proj", "k_proj", "v_proj"}, 0, SmoothingKind::kNorm, "input_layernorm", "o_proj"},
      {"self_attn.o_proj", {"o_proj"}, 1, o_smoothing, "self_attn.v_proj", "o_proj"},
  };
}

std::vector<GroupRow> DenseMlpRows() {
  return {
      {"mlp.gate_up", {"gate_proj", "up_proj"}, 2, SmoothingKind::kNorm, "post_attention_layernorm", "down_proj"},
      {"mlp.down_proj", {"down_proj"}, 3, SmoothingKind::kLinear, "mlp.up_proj", "down_proj"},
  };
}

LinearGroup Complete(const GroupRow& row, const std::string& module) {
  LinearGroup g;
  g.name = row.name;
  for (const char* l : row.linears) g.linears.push_back(module + l);
  g.stage = row.stage;
  g.smoothing = row.smoothing;
  g.smoothing_source = row.smoothing == SmoothingKind::kNone ? "" : row.source;
  g.inspect_output = module + row.inspect;
  return g;
}

}  // namespace

std::vector<LinearGroup> DecoderLayerGroups(const ModelConfig& c, int64_t layer) {
  std::vector<LinearGroup> out;
  for (const auto& row : AttentionRows(c)) out.push_back(Complete(row, "self_attn."));
  if (!c.IsSparseLayer(layer)) {
    for (const auto& row : DenseMlpRows()) out.push_back(Complete(row, "mlp."));
    return out;
  }
  // Experts: each reads its own routed tokens. The post-attention norm also feeds the router
  // and every other expert, so no expert can fold a scale into it.
  for (int64_t e = 0; e < c.num_experts; ++e) {
    const std::string module = fmt::format("mlp.experts.{}.", e);
    LinearGroup gate_up = Complete(DenseMlpRows()[0], module);
    gate_up.name = module + "gate_up";
    gate_up.smoothing = SmoothingKind::kNone;
    gate_up.smoothing_source.clear();
    LinearGroup down = Complete(DenseMlpRows()[1], module);
    down.name = module + "down_proj";
    down.smoothing_source = module + "up_proj";
    out.push_back(std::move(gate_up));
    out.push_back(std::move(down));
  }
  return out;
}

int NumStages(const std::vector<LinearGroup>& groups) {
  std::set<int> stages;
  for (const auto& g : groups) stages.insert(g.stage);
  return static_cast<int>(stages.size());
}

}  // namespace faq
