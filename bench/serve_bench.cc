// faq serve's decoding speed over loopback HTTP on random-weight Qwen3 models with the real
// Qwen3 tokenizer: one request at a time against 8 concurrent ones (continuous batching),
// and prompt scoring as lm-evaluation-harness does it (echo + logprobs). Prints figures.
#include <ATen/Parallel.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "faq/model/random_model.h"
#include "faq/serve/openai_server.h"
#include "faq/util/atomic_file.h"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

int64_t Complete(int port, const json& body) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(600, 0);
  auto r = client.Post("/v1/completions", body.dump(), "application/json");
  if (!r || r->status != 200) {
    std::fprintf(stderr, "request failed: %s\n", r ? r->body.c_str() : "no answer");
    std::exit(1);
  }
  return json::parse(r->body)["usage"]["completion_tokens"].get<int64_t>();
}

void Bench(const std::string& label, const std::filesystem::path& dir, int concurrency, int new_tokens) {
  faq::ServeOptions options;
  options.model_dir = dir;
  options.port = 0;
  options.max_batch = 8;
  faq::OpenAiServer server(options);
  const int port = server.Start();
  // ignore_eos-free greedy: random weights rarely pick an EOS id, and the count is measured anyway.
  auto body = [&](int i) {
    return json{{"prompt", "Request " + std::to_string(i) + ": tell me about the weather in a few words."},
                {"max_tokens", new_tokens}, {"temperature", 0}};
  };
  Complete(port, body(0));  // warm-up
  auto start = Clock::now();
  int64_t tokens = 0;
  for (int i = 0; i < concurrency; ++i) tokens += Complete(port, body(i));
  const double single = static_cast<double>(tokens) / Seconds(start);
  start = Clock::now();
  std::vector<int64_t> counts(static_cast<size_t>(concurrency));
  std::vector<std::thread> threads;
  for (int i = 0; i < concurrency; ++i) {
    threads.emplace_back([&, i] { counts[static_cast<size_t>(i)] = Complete(port, body(i)); });
  }
  for (auto& t : threads) t.join();
  tokens = 0;
  for (auto c : counts) tokens += c;
  const double batched = static_cast<double>(tokens) / Seconds(start);
  // lm-eval's loglikelihood request: 8 prompts of 256 token ids, echo, logprobs 1, one new token.
  json prompts = json::array();
  for (int p = 0; p < 8; ++p) {
    json ids = json::array();
    for (int t = 0; t < 256; ++t) ids.push_back((p * 7919 + t * 104729) % 150000);
    prompts.push_back(ids);
  }
  start = Clock::now();
  Complete(port, {{"prompt", prompts}, {"max_tokens", 1}, {"echo", true}, {"logprobs", 1}, {"temperature", 0}});
  const double scored = 8.0 * 256.0 / Seconds(start);
  std::printf("%-28s one at a time %8.1f tok/s | %d concurrent %8.1f tok/s (x%.2f) | scoring %8.0f prompt tok/s\n",
              label.c_str(), single, concurrency, batched, batched / single, scored);
  server.Stop();
}

}  // namespace

int main() {
  at::set_num_threads(1);
  const auto root = std::filesystem::temp_directory_path() / "faq-serve-bench";
  std::filesystem::remove_all(root);
  struct Variant {
    std::string name;
    nlohmann::json overrides;
  };
  const std::vector<Variant> variants = {
      {"qwen3 tiny (h64, 2 layers)", json::object()},
      {"qwen3 small (h256, 4 layers)",
       {{"hidden_size", 256}, {"intermediate_size", 768}, {"num_hidden_layers", 4}, {"num_attention_heads", 8},
        {"num_key_value_heads", 4}, {"head_dim", 32}, {"tie_word_embeddings", true}}},
  };
  for (const auto& v : variants) {
    auto config = faq::TinyModelConfig("qwen3");
    config["vocab_size"] = 151669;
    config["eos_token_id"] = 151645;
    config.update(v.overrides);
    const auto dir = root / "model";
    std::filesystem::remove_all(dir);
    faq::WriteRandomModel(dir, config, {.seed = 1});
    for (const char* f : {"tokenizer.json", "tokenizer_config.json"}) {
      std::filesystem::copy_file(std::filesystem::path(FAQ_SHARED_DIR) / "tokenizers/qwen3" / f, dir / f);
    }
    Bench(v.name, dir, 8, 64);
  }
  std::filesystem::remove_all(root);
  return 0;
}
