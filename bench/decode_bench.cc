// A decode step on the CPU: ModelLinear's streaming kernel beside at::linear on one model's
// linear shapes (weights read from memory, not cache, as in a step over a real model), then
// a step of 1 and of 8 rows split into linears, head and the rest. Model: argv[1], or a
// random-weight model with SmolLM2-135M's shapes. Prints Markdown.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "faq/model/causal_lm.h"
#include "faq/model/decoder_layer.h"
#include "faq/model/random_model.h"
#include "faq/model/skinny_linear.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

// Best of five, each after reading 256 MiB so that the weight comes from memory.
template <typename F>
double ColdSeconds(F&& f) {
  static const at::Tensor flush = at::ones({64 << 20});
  double best = 1e30;
  for (int r = 0; r < 5; ++r) {
    (void)flush.sum().item<float>();
    const auto start = Clock::now();
    f();
    best = std::min(best, Seconds(start));
  }
  return best;
}

void LinearTable(const faq::ModelConfig& c) {
  std::printf("\n| linear [out × in] | rows | at::linear µs | ModelLinear µs | GB/s read | at::linear ÷ ModelLinear |\n");
  std::printf("|---|---|---|---|---|---|\n");
  const std::pair<const char*, std::pair<int64_t, int64_t>> shapes[] = {
      {"q_proj", {c.num_attention_heads * c.head_dim, c.hidden_size}},
      {"gate/up_proj", {c.intermediate_size, c.hidden_size}},
      {"down_proj", {c.hidden_size, c.intermediate_size}},
      {"lm_head", {c.vocab_size, c.hidden_size}}};
  for (const auto& [name, shape] : shapes) {
    const auto [n, k] = shape;
    at::Tensor w = at::randn({n, k});
    for (int64_t rows : {1, 2, 4, 8, 16}) {
      at::Tensor x = at::randn({rows, k});
      const double library = ColdSeconds([&] { (void)at::linear(x, w); });
      const double skinny = ColdSeconds([&] { (void)faq::ModelLinear(x, w, std::nullopt); });
      std::printf("| %s [%ld × %ld] | %ld | %.0f | %.0f | %.1f | %.2f× |\n", name, n, k, rows, library * 1e6,
                  skinny * 1e6, static_cast<double>(n * k * 4) / skinny / 1e9, library / skinny);
    }
  }
}

// 40 steps after a 40-token prefill of `rows` sequences; linears are timed through the observer.
void StepRow(const faq::CausalLM& model, int64_t rows) {
  at::manual_seed(0);
  const int64_t vocab = model.config().vocab_size;
  faq::KvCache cache;
  (void)model.ForwardHidden(at::randint(0, vocab, {rows, 40}, at::kLong), {}, &cache);
  at::Tensor next = at::randint(0, vocab, {rows, 1}, at::kLong);
  double linears = 0, head = 0, total = 0;
  Clock::time_point linear_start;
  const faq::LinearObserver observer = [&](const std::string&, const at::Tensor&, const at::Tensor& out) {
    if (!out.defined()) {
      linear_start = Clock::now();
    } else {
      linears += Seconds(linear_start);
    }
  };
  constexpr int kWarm = 5, kSteps = 40;
  for (int s = 0; s < kWarm + kSteps; ++s) {
    if (s == kWarm) linears = head = total = 0;
    const auto start = Clock::now();
    const faq::AttentionInputs attn = model.PrepareAttention({}, rows, 1, &cache);
    at::Tensor h = model.Embed(next);
    for (int64_t i = 0; i < model.NumLayers(); ++i) {
      h = model.RunLayer(i, *model.Layer(i), h, attn, &observer, &cache.layers[static_cast<size_t>(i)]);
    }
    cache.next_position = cache.next_position + 1;
    cache.key_valid = at::cat({cache.key_valid, at::ones({rows, 1}, cache.key_valid.options())}, 1);
    h = model.FinalNorm(h);
    const auto head_start = Clock::now();
    (void)model.Head(h.select(1, 0));
    head += Seconds(head_start);
    total += Seconds(start);
  }
  auto ms = [&](double s) { return 1e3 * s / kSteps; };
  std::printf("| %ld | %.1f | %.1f | %.1f | %.1f | %.1f |\n", rows, ms(total), ms(linears), ms(head),
              ms(total - linears - head), static_cast<double>(rows) * kSteps / total);
}

}  // namespace

int main(int argc, char** argv) {
  at::InferenceMode inference;
  std::filesystem::path dir;
  std::filesystem::path scratch;
  if (argc > 1) {
    dir = argv[1];
  } else {
    scratch = std::filesystem::temp_directory_path() / "faq-decode-bench";
    dir = scratch / "smollm2-shaped";
    std::filesystem::remove_all(scratch);
    auto config = faq::TinyModelConfig("llama");
    config.update({{"hidden_size", 576}, {"intermediate_size", 1536}, {"num_hidden_layers", 30},
                   {"num_attention_heads", 9}, {"num_key_value_heads", 3}, {"head_dim", 64},
                   {"vocab_size", 49152}, {"tie_word_embeddings", true}, {"max_position_embeddings", 8192}});
    faq::WriteRandomModel(dir, config, {.seed = 1});
  }
  const faq::CausalLM model(dir);
  std::printf("model %s, fp32, %d threads, streaming kernel %s\n", dir.string().c_str(), at::get_num_threads(),
              faq::TakesSkinnyKernel(at::ones({1, 8}), at::ones({8, 8})) ? "on (AVX2+FMA)" : "off (at::linear)");
  LinearTable(model.config());
  std::printf("\n| decode rows | step ms | linears ms | head ms | rest ms | tokens/s |\n|---|---|---|---|---|---|\n");
  for (int64_t rows : {1, 8}) StepRow(model, rows);
  if (!scratch.empty()) std::filesystem::remove_all(scratch);
  return 0;
}
