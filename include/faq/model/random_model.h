// Random-weight models in Hugging Face layout: fixtures for tests, the demo and benchmarks.
#pragma once

#include <ATen/core/ScalarType.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>

namespace faq {

struct RandomModelOptions {
  uint64_t seed = 0;
  at::ScalarType storage = at::kFloat;       // F32, BF16 or F16 on disk
  uint64_t max_shard_bytes = 4ull << 30;     // smaller values give a sharded checkpoint
};

// Writes `config.json` (the given config, with `torch_dtype` set from the storage type)
// and a checkpoint with every tensor the config implies. Linear weights are
// N(0, 1/in_features), embeddings N(0, 1), norm weights 1 + 0.25·N(0, 1) so that a
// missing norm multiply shows in tests. Deterministic for a seed.
void WriteRandomModel(const std::filesystem::path& dir, const nlohmann::json& config, const RandomModelOptions& options);

// A small config of the given architecture ("llama", "qwen2", "qwen3", "qwen3_moe") to
// start from; callers override fields.
nlohmann::json TinyModelConfig(const std::string& model_type);

}  // namespace faq
