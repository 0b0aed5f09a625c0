// WriteRandomModel and TinyModelConfig.
#include "faq/model/random_model.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "faq/io/safetensors_writer.h"
#include "faq/model/model_config.h"
#include "faq/format/tensor_io.h"
#include "faq/model/weights.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"

namespace faq {
namespace {

std::string DTypeConfigName(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return "float32";
    case at::kBFloat16: return "bfloat16";
    case at::kHalf: return "float16";
    default: Fail("random models are stored as float32, bfloat16 or float16, not {}", c10::toString(t));
  }
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

nlohmann::json TinyModelConfig(const std::string& model_type) {
  nlohmann::json c = {{"vocab_size", 256},        {"hidden_size", 64},         {"intermediate_size", 128},
                      {"num_hidden_layers", 2},   {"num_attention_heads", 4},  {"num_key_value_heads", 2},
                      {"max_position_embeddings", 512}, {"rms_norm_eps", 1e-6}, {"rope_theta", 10000.0},
                      {"hidden_act", "silu"},     {"tie_word_embeddings", false}, {"bos_token_id", 1},
                      {"eos_token_id", 2},        {"model_type", model_type}};
  if (model_type == "llama") {
    c["architectures"] = {"LlamaForCausalLM"};
  } else if (model_type == "qwen2") {
    c["architectures"] = {"Qwen2ForCausalLM"};
  } else if (model_type == "qwen3") {
    c["architectures"] = {"Qwen3ForCausalLM"};
    c["head_dim"] = 32;
  } else if (model_type == "qwen3_moe") {
    c["architectures"] = {"Qwen3MoeForCausalLM"};
    c["head_dim"] = 16;
    c["num_experts"] = 4;
    c["num_experts_per_tok"] = 2;
    c["moe_intermediate_size"] = 32;
    c["norm_topk_prob"] = true;
  } else {
    Fail("no tiny config for model type '{}' (expected llama, qwen2, qwen3 or qwen3_moe)", model_type);
  }
  return c;
}

void WriteRandomModel(const std::filesystem::path& dir, const nlohmann::json& config, const RandomModelOptions& options) {
  nlohmann::json full = config;
  full["torch_dtype"] = DTypeConfigName(options.storage);
  ModelConfig c = ParseModelConfig(full, "random model config");
  at::Generator gen = at::detail::createCPUGenerator(options.seed);
  ShardedSafetensorsWriter writer(dir, options.max_shard_bytes);
  for (const auto& [name, shape] : ExpectedTensors(c)) {
    at::Tensor t;
    if (EndsWith(name, "norm.weight")) {
      t = 1.0 + 0.25 * at::randn(shape, gen);
    } else if (name == "model.embed_tokens.weight") {
      t = at::randn(shape, gen);
    } else if (EndsWith(name, ".bias")) {
      t = 0.1 * at::randn(shape, gen);
    } else {
      t = at::randn(shape, gen) / std::sqrt(static_cast<double>(shape[1]));
    }
    t = t.to(options.storage).contiguous();
    writer.Add(ToWrite(name, t));
  }
  writer.Finish();
  WriteFileAtomic(dir / "config.json", full.dump(2) + "\n");
}

}  // namespace faq
