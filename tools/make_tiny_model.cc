// make_tiny_model: writes a random-weight Llama/Qwen2/Qwen3/Qwen3-MoE model in Hugging Face
// layout, for tests and the demo. Example:
//   make_tiny_model --arch qwen3 --out /tmp/m --set '{"num_hidden_layers": 4}' --dtype bf16
#include <CLI/CLI.hpp>
#include <ATen/ATen.h>

#include <cstdio>
#include <iostream>

#include "faq/model/random_model.h"
#include "faq/util/error.h"

int main(int argc, char** argv) {
  CLI::App app{"Write a random-weight tiny model in Hugging Face layout", "make_tiny_model"};
  std::string arch = "llama", out, overrides = "{}", dtype = "f32";
  uint64_t seed = 0, max_shard_kb = 4ull << 20;
  app.add_option("--arch", arch, "llama | qwen2 | qwen3 | qwen3_moe")->capture_default_str();
  app.add_option("--out", out, "Output directory")->required();
  app.add_option("--set", overrides, "JSON object of config.json fields to override")->capture_default_str();
  app.add_option("--dtype", dtype, "Storage type: f32 | bf16 | f16")->capture_default_str();
  app.add_option("--seed", seed, "Random seed")->capture_default_str();
  app.add_option("--max-shard-kb", max_shard_kb, "Shard size limit in KiB (small values shard)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    nlohmann::json config = faq::TinyModelConfig(arch);
    auto patch = nlohmann::json::parse(overrides, nullptr, false);
    if (patch.is_discarded() || !patch.is_object()) throw faq::UsageError("--set must be a JSON object");
    config.update(patch);
    faq::RandomModelOptions options;
    options.seed = seed;
    options.max_shard_bytes = max_shard_kb << 10;
    if (dtype == "f32") {
      options.storage = at::kFloat;
    } else if (dtype == "bf16") {
      options.storage = at::kBFloat16;
    } else if (dtype == "f16") {
      options.storage = at::kHalf;
    } else {
      throw faq::UsageError("--dtype must be f32, bf16 or f16, got '" + dtype + "'");
    }
    faq::WriteRandomModel(out, config, options);
    std::cout << out << std::endl;
    return 0;
  } catch (const faq::UsageError& e) {
    std::fprintf(stderr, "make_tiny_model: usage error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_tiny_model: error: %s\n", e.what());
    return 1;
  }
}
