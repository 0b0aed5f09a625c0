// ParseModelConfig: typed, checked getters over config.json.
#include "faq/model/model_config.h"

#include <algorithm>

#include "faq/io/json.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"

namespace faq {
namespace {

using Json = nlohmann::json;

struct ArchRow {
  Architecture arch;
  std::string_view hf_class;
  std::string_view model_type;
};
constexpr ArchRow kArchitectures[] = {
    {Architecture::kLlama, "LlamaForCausalLM", "llama"},
    {Architecture::kQwen2, "Qwen2ForCausalLM", "qwen2"},
    {Architecture::kQwen3, "Qwen3ForCausalLM", "qwen3"},
    {Architecture::kQwen3Moe, "Qwen3MoeForCausalLM", "qwen3_moe"},
};

class Fields {
 public:
  Fields(const Json& j, std::string_view label) : j_(j), label_(label) {}

  const Json* Find(std::string_view key) const {
    auto it = j_.find(key);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }
  int64_t Int(std::string_view key) const {
    const Json* v = Find(key);
    if (v == nullptr) Fail("{}: missing required field '{}' (an integer)", label_, key);
    return AsInt(*v, key);
  }
  int64_t Int(std::string_view key, int64_t fallback) const {
    const Json* v = Find(key);
    return v == nullptr ? fallback : AsInt(*v, key);
  }
  double Real(std::string_view key, double fallback) const {
    const Json* v = Find(key);
    if (v == nullptr) return fallback;
    if (!v->is_number()) Fail("{}: field '{}' must be a number, got {}", label_, key, v->dump());
    return v->get<double>();
  }
  bool Bool(std::string_view key, bool fallback) const {
    const Json* v = Find(key);
    if (v == nullptr) return fallback;
    if (!v->is_boolean()) Fail("{}: field '{}' must be true or false, got {}", label_, key, v->dump());
    return v->get<bool>();
  }
  std::string Str(std::string_view key, std::string fallback) const {
    const Json* v = Find(key);
    if (v == nullptr) return fallback;
    if (!v->is_string()) Fail("{}: field '{}' must be a string, got {}", label_, key, v->dump());
    return v->get<std::string>();
  }
  std::vector<int64_t> IntList(std::string_view key) const {
    const Json* v = Find(key);
    std::vector<int64_t> out;
    if (v == nullptr) return out;
    if (v->is_array()) {
      for (const auto& x : *v) out.push_back(AsInt(x, key));
    } else {
      out.push_back(AsInt(*v, key));
    }
    return out;
  }
  std::string_view label() const { return label_; }

 private:
  int64_t AsInt(const Json& v, std::string_view key) const {
    if (!v.is_number_integer()) Fail("{}: field '{}' must be an integer, got {}", label_, key, v.dump());
    return v.get<int64_t>();
  }
  const Json& j_;
  std::string label_;
};

Architecture ResolveArchitecture(const Fields& f, const Json& config) {
  std::string arch_name;
  if (const Json* a = f.Find("architectures"); a != nullptr && a->is_array() && !a->empty() && (*a)[0].is_string()) {
    arch_name = (*a)[0].get<std::string>();
  }
  std::string model_type = f.Str("model_type", "");
  for (const auto& row : kArchitectures) {
    if (arch_name == row.hf_class || (arch_name.empty() && model_type == row.model_type)) return row.arch;
  }
  std::string known;
  for (const auto& row : kArchitectures) known += (known.empty() ? "" : ", ") + std::string(row.hf_class);
  Fail("{}: unsupported architecture '{}' (model_type '{}'); faq supports {}", f.label(),
       arch_name.empty() ? "(none given)" : arch_name, model_type, known);
}

RopeScaling ParseRope(const Fields& f, double* theta) {
  RopeScaling rope;
  const Json* scaling = f.Find("rope_scaling");
  if (const Json* params = f.Find("rope_parameters")) {  // newer transformers serialisation
    if (params->is_object()) {
      *theta = Fields(*params, std::string(f.label()) + ": rope_parameters").Real("rope_theta", *theta);
    }
    scaling = params;
  }
  if (scaling == nullptr) return rope;
  if (!scaling->is_object()) Fail("{}: field 'rope_scaling' must be an object or null", f.label());
  Fields s(*scaling, std::string(f.label()) + ": rope_scaling");
  rope.type = s.Str("rope_type", s.Str("type", "default"));
  rope.factor = s.Real("factor", 1.0);
  rope.low_freq_factor = s.Real("low_freq_factor", 1.0);
  rope.high_freq_factor = s.Real("high_freq_factor", 4.0);
  rope.original_max_position_embeddings = s.Int("original_max_position_embeddings", 8192);
  if (rope.type != "default" && rope.type != "linear" && rope.type != "llama3") {
    Fail("{}: rope_scaling type '{}' is not supported (expected default, linear or llama3)", f.label(), rope.type);
  }
  return rope;
}

}  // namespace

std::string_view ArchitectureName(Architecture arch) {
  for (const auto& row : kArchitectures) {
    if (row.arch == arch) return row.hf_class;
  }
  return "?";
}

bool ModelConfig::IsSparseLayer(int64_t i) const {
  if (num_experts <= 0) return false;
  if (std::find(mlp_only_layers.begin(), mlp_only_layers.end(), i) != mlp_only_layers.end()) return false;
  return (i + 1) % decoder_sparse_step == 0;
}

// Sizes the model's tensors and caches are built from: a zero or negative one would fail
// later, far from config.json, or allocate nothing and compute garbage.
void CheckSizes(const ModelConfig& c, std::string_view label) {
  if (c.max_position_embeddings <= 0)
    Fail("{}: max_position_embeddings must be positive, got {}", label, c.max_position_embeddings);
  if (c.arch != Architecture::kQwen3Moe && c.intermediate_size <= 0)
    Fail("{}: intermediate_size must be positive, got {}", label, c.intermediate_size);
  if (c.arch == Architecture::kQwen3Moe) {
    if (c.intermediate_size < 0) Fail("{}: intermediate_size must not be negative, got {}", label, c.intermediate_size);
    if (c.moe_intermediate_size <= 0)
      Fail("{}: moe_intermediate_size must be positive, got {}", label, c.moe_intermediate_size);
    if (c.num_experts <= 0 || c.num_experts_per_tok <= 0 || c.num_experts_per_tok > c.num_experts)
      Fail("{}: num_experts_per_tok ({}) must be between 1 and num_experts ({})", label, c.num_experts_per_tok,
           c.num_experts);
  }
  if (!(c.rms_norm_eps > 0)) Fail("{}: rms_norm_eps must be positive, got {}", label, c.rms_norm_eps);
  if (!(c.rope_theta > 0)) Fail("{}: rope_theta must be positive, got {}", label, c.rope_theta);
}

ModelConfig ParseModelConfig(const nlohmann::json& config, std::string_view label) {
  if (!config.is_object()) Fail("{}: expected a JSON object", label);
  Fields f(config, label);
  ModelConfig c;
  c.raw = config;
  c.arch = ResolveArchitecture(f, config);
  c.model_type = f.Str("model_type", "");
  c.vocab_size = f.Int("vocab_size");
  c.hidden_size = f.Int("hidden_size");
  c.num_hidden_layers = f.Int("num_hidden_layers");
  c.num_attention_heads = f.Int("num_attention_heads");
  c.num_key_value_heads = f.Int("num_key_value_heads", c.num_attention_heads);
  if (c.hidden_size <= 0 || c.num_hidden_layers <= 0 || c.num_attention_heads <= 0 || c.vocab_size <= 0) {
    Fail("{}: vocab_size, hidden_size, num_hidden_layers and num_attention_heads must be positive", label);
  }
  if (c.num_key_value_heads <= 0 || c.num_attention_heads % c.num_key_value_heads != 0) {
    Fail("{}: num_attention_heads ({}) must be a multiple of num_key_value_heads ({})", label,
         c.num_attention_heads, c.num_key_value_heads);
  }
  c.head_dim = f.Int("head_dim", 0);
  if (c.head_dim < 0) Fail("{}: head_dim must be positive, got {}", label, c.head_dim);
  if (c.head_dim == 0) {
    if (c.hidden_size % c.num_attention_heads != 0) {
      Fail("{}: no 'head_dim' and hidden_size {} is not divisible by num_attention_heads {}", label, c.hidden_size,
           c.num_attention_heads);
    }
    c.head_dim = c.hidden_size / c.num_attention_heads;
  }
  if (c.head_dim % 2 != 0) Fail("{}: head_dim must be even for rotary embeddings, got {}", label, c.head_dim);
  c.max_position_embeddings = f.Int("max_position_embeddings", 2048);
  c.rms_norm_eps = f.Real("rms_norm_eps", 1e-6);
  c.rope_theta = f.Real("rope_theta", 10000.0);
  c.rope_scaling = ParseRope(f, &c.rope_theta);
  c.tie_word_embeddings = f.Bool("tie_word_embeddings", false);
  c.torch_dtype = f.Str("torch_dtype", f.Str("dtype", ""));
  std::string act = f.Str("hidden_act", "silu");
  if (act != "silu") Fail("{}: hidden_act '{}' is not supported (expected silu)", label, act);
  if (f.Bool("use_sliding_window", false)) {
    Fail("{}: use_sliding_window is true; sliding-window attention is not supported", label);
  }
  bool attention_bias = f.Bool("attention_bias", false);
  switch (c.arch) {
    case Architecture::kQwen2:
      c.qkv_bias = true;  // Qwen2 always has q/k/v biases and no o_proj bias
      break;
    case Architecture::kQwen3Moe:
      c.num_experts = f.Int("num_experts", 128);
      c.num_experts_per_tok = f.Int("num_experts_per_tok", 8);
      c.moe_intermediate_size = f.Int("moe_intermediate_size", 768);
      c.decoder_sparse_step = f.Int("decoder_sparse_step", 1);
      c.norm_topk_prob = f.Bool("norm_topk_prob", false);
      c.mlp_only_layers = f.IntList("mlp_only_layers");
      if (c.decoder_sparse_step <= 0) Fail("{}: decoder_sparse_step must be positive", label);
      [[fallthrough]];
    case Architecture::kQwen3:
      c.qk_norm = true;
      c.qkv_bias = c.o_bias = attention_bias;
      break;
    case Architecture::kLlama:
      c.qkv_bias = c.o_bias = attention_bias;
      c.mlp_bias = f.Bool("mlp_bias", false);
      break;
  }
  c.intermediate_size = c.arch == Architecture::kQwen3Moe ? f.Int("intermediate_size", 0) : f.Int("intermediate_size");
  CheckSizes(c, label);
  c.eos_token_ids = f.IntList("eos_token_id");
  c.bos_token_id = f.Int("bos_token_id", -1);
  return c;
}

ModelConfig LoadModelConfig(const std::filesystem::path& dir) {
  auto path = dir / "config.json";
  if (!std::filesystem::exists(path)) Fail("model directory '{}' has no config.json", dir.string());
  return ParseModelConfig(ParseJson(ReadFile(path), path.string()), path.string());
}

}  // namespace faq
