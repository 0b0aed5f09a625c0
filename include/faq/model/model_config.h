// The typed model configuration read from a Hugging Face `config.json`.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace faq {

// The architectures faq runs. Adding one: a row in model_config.cc and, if its block
// differs, a branch in decoder_layer.cc.
enum class Architecture { kLlama, kQwen2, kQwen3, kQwen3Moe };

std::string_view ArchitectureName(Architecture arch);  // the HF class name

// RoPE frequency scaling (`rope_scaling` / `rope_parameters`).
struct RopeScaling {
  std::string type = "default";  // default | linear | llama3
  double factor = 1.0;
  double low_freq_factor = 1.0;   // llama3
  double high_freq_factor = 4.0;  // llama3
  int64_t original_max_position_embeddings = 8192;
};

struct ModelConfig {
  Architecture arch = Architecture::kLlama;
  std::string model_type;
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;
  int64_t head_dim = 0;  // explicit in Qwen3; hidden/heads otherwise
  int64_t max_position_embeddings = 0;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  bool tie_word_embeddings = false;
  bool qkv_bias = false;      // Qwen2 always; Llama/Qwen3 when attention_bias
  bool o_bias = false;        // Llama/Qwen3 when attention_bias
  bool mlp_bias = false;      // Llama mlp_bias
  bool qk_norm = false;       // Qwen3 / Qwen3-MoE per-head RMSNorm
  std::string torch_dtype;    // the stored dtype as declared ("bfloat16"...), may be empty
  // Qwen3-MoE (num_experts == 0 for dense models).
  int64_t num_experts = 0;
  int64_t num_experts_per_tok = 0;
  int64_t moe_intermediate_size = 0;
  int64_t decoder_sparse_step = 1;
  bool norm_topk_prob = false;
  std::vector<int64_t> mlp_only_layers;
  std::vector<int64_t> eos_token_ids;
  int64_t bos_token_id = -1;
  nlohmann::json raw;  // the whole config.json, for writers that copy it

  // Whether decoder layer `i` has a sparse (MoE) MLP.
  bool IsSparseLayer(int64_t i) const;
  int64_t NumKeyValueGroups() const { return num_attention_heads / num_key_value_heads; }
};

// Parses `config` (the text of a config.json); `label` names it in errors, which say
// which field was missing or wrong and what was expected.
ModelConfig ParseModelConfig(const nlohmann::json& config, std::string_view label);
// Reads `<dir>/config.json`.
ModelConfig LoadModelConfig(const std::filesystem::path& dir);

}  // namespace faq
