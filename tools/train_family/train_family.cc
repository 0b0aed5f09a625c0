// train_family: trains one member of faq's bundled tiny Qwen3 family on CPU with LibTorch.
// Deterministic for a seed (data order and initialisation; one fixed thread count).
//   train_family --name tiny-qwen3-target --tokenizer models/tokenizer --data /tmp/family-data
//                --arch '{"hidden_size":128,"num_hidden_layers":8,...}' --steps 3000 --out models/tiny-qwen3-target
// Writes the HF model directory (config.json, model.safetensors in bf16, generation config,
// tokenizer files), train_log.jsonl (one line per logged step) and train.json (the figures
// the model card quotes).
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>

#include "faq/util/atomic_file.h"
#include "faq/util/error.h"
#include "faq/util/log.h"
#include "faq/util/progress.h"
#include "family_model.h"

namespace fs = std::filesystem;
using faq::family::FamilyModel;

namespace {

std::vector<int32_t> ReadTokens(const fs::path& path) {
  const std::string bytes = faq::ReadFile(path);
  if (bytes.size() % sizeof(int32_t) != 0) throw faq::Error(path.string() + ": size is not a multiple of 4 (int32 tokens)");
  std::vector<int32_t> ids(bytes.size() / sizeof(int32_t));
  std::memcpy(ids.data(), bytes.data(), bytes.size());
  return ids;
}

// Decoupled weight decay Adam (Loshchilov & Hutter), the usual LLM recipe.
class AdamW {
 public:
  AdamW(std::vector<at::Tensor>& params, std::vector<bool> decays, double beta1, double beta2, double weight_decay)
      : params_(params), decays_(std::move(decays)), beta1_(beta1), beta2_(beta2), weight_decay_(weight_decay) {
    for (const auto& p : params_) {
      m_.push_back(at::zeros_like(p));
      v_.push_back(at::zeros_like(p));
    }
  }
  void Step(double lr) {
    c10::NoGradGuard no_grad;
    ++t_;
    const double c1 = 1 - std::pow(beta1_, t_), c2 = 1 - std::pow(beta2_, t_);
    for (size_t i = 0; i < params_.size(); ++i) {
      at::Tensor& p = params_[i];
      const at::Tensor& g = p.grad();
      if (decays_[i]) p.mul_(1 - lr * weight_decay_);
      m_[i].mul_(beta1_).add_(g, 1 - beta1_);
      v_[i].mul_(beta2_).addcmul_(g, g, 1 - beta2_);
      p.addcdiv_(m_[i] / c1, (v_[i] / c2).sqrt_().add_(1e-8), -lr);
    }
  }

 private:
  std::vector<at::Tensor>& params_;
  std::vector<bool> decays_;
  double beta1_, beta2_, weight_decay_;
  std::vector<at::Tensor> m_, v_;
  int64_t t_ = 0;
};

double ClipGradNorm(std::vector<at::Tensor>& params, double max_norm) {
  c10::NoGradGuard no_grad;
  double total = 0;
  for (const auto& p : params) total += p.grad().pow(2).sum().item<double>();
  const double norm = std::sqrt(total);
  if (norm > max_norm) {
    for (auto& p : params) p.grad().mul_(max_norm / (norm + 1e-6));
  }
  return norm;
}

// Windows of seqlen+1 tokens at random offsets (seeded, so the data order is reproducible).
at::Tensor SampleBatch(const std::vector<int32_t>& tokens, int64_t batch, int64_t seqlen, std::mt19937_64& rng) {
  at::Tensor out = at::empty({batch, seqlen + 1}, at::kLong);
  auto acc = out.accessor<int64_t, 2>();
  std::uniform_int_distribution<size_t> start(0, tokens.size() - static_cast<size_t>(seqlen) - 2);
  for (int64_t b = 0; b < batch; ++b) {
    const size_t s = start(rng);
    for (int64_t t = 0; t <= seqlen; ++t) acc[b][t] = tokens[s + t];
  }
  return out;
}

// Mean loss over consecutive non-overlapping windows of the validation stream.
double EvalLoss(const FamilyModel& model, const std::vector<int32_t>& tokens, int64_t seqlen, int64_t max_windows) {
  at::InferenceMode guard;
  const int64_t windows = std::min<int64_t>(max_windows, static_cast<int64_t>(tokens.size() - 1) / seqlen);
  double sum = 0;
  for (int64_t w = 0; w < windows; w += 8) {
    const int64_t b = std::min<int64_t>(8, windows - w);
    at::Tensor ids = at::empty({b, seqlen + 1}, at::kLong);
    auto acc = ids.accessor<int64_t, 2>();
    for (int64_t i = 0; i < b; ++i)
      for (int64_t t = 0; t <= seqlen; ++t) acc[i][t] = tokens[(w + i) * seqlen + t];
    sum += model.Loss(ids).item<double>() * static_cast<double>(b);
  }
  return sum / static_cast<double>(windows);
}

// Cross-entropy of a unigram model fit on the training stream (add-one smoothing): the
// baseline a trained model must clearly beat.
double UnigramLoss(const std::vector<int32_t>& train, const std::vector<int32_t>& valid, int64_t vocab) {
  std::vector<double> counts(vocab, 1.0);
  for (int32_t id : train) counts[id] += 1;
  const double total = static_cast<double>(train.size() + vocab);
  double sum = 0;
  for (int32_t id : valid) sum -= std::log(counts[id] / total);
  return sum / static_cast<double>(valid.size());
}

struct TrainOptions {
  std::string name, arch_json, tokenizer, data, out;
  uint64_t seed = 1;
  int64_t steps = 2000, batch = 16, seqlen = 256, warmup = 100, log_every = 50, eval_windows = 64, threads = 2;
  double lr = 3e-3, min_lr_ratio = 0.1, weight_decay = 0.1, clip = 1.0;
};

int Train(const TrainOptions& o) {
  at::set_num_threads(static_cast<int>(o.threads));
  const std::vector<int32_t> train = ReadTokens(fs::path(o.data) / "train.bin");
  const std::vector<int32_t> valid = ReadTokens(fs::path(o.data) / "valid.bin");
  nlohmann::json config = nlohmann::json::parse(o.arch_json);
  FamilyModel model(config, o.seed);
  const int64_t vocab = model.config().vocab_size;
  for (int32_t id : train)
    if (id < 0 || id >= vocab) throw faq::Error(o.data + "/train.bin: token id " + std::to_string(id) + " outside the vocabulary");
  spdlog::info("{}: {} parameters, {} training tokens, {} steps of {}x{} tokens", o.name, model.NumParameters(), train.size(),
               o.steps, o.batch, o.seqlen);

  AdamW optimizer(model.Parameters(), model.Decays(), 0.9, 0.95, o.weight_decay);
  std::mt19937_64 rng(o.seed * 7919 + 17);
  fs::create_directories(o.out);
  std::ofstream log(fs::path(o.out) / "train_log.jsonl", std::ios::trunc);
  faq::Progress progress(o.name, static_cast<uint64_t>(o.steps), "steps", 30.0);
  double smoothed = 0;
  for (int64_t step = 0; step < o.steps; ++step) {
    const double warm = std::min(1.0, static_cast<double>(step + 1) / static_cast<double>(o.warmup));
    const double cosine = 0.5 * (1 + std::cos(M_PI * static_cast<double>(step) / static_cast<double>(o.steps)));
    const double lr = o.lr * warm * (o.min_lr_ratio + (1 - o.min_lr_ratio) * cosine);
    for (auto& p : model.Parameters()) p.mutable_grad() = at::Tensor();
    at::Tensor loss = model.Loss(SampleBatch(train, o.batch, o.seqlen, rng));
    loss.backward();
    const double grad_norm = ClipGradNorm(model.Parameters(), o.clip);
    optimizer.Step(lr);
    const double value = loss.item<double>();
    smoothed = step == 0 ? value : 0.98 * smoothed + 0.02 * value;
    progress.SetDetail(fmt::format("loss {:.3f}", smoothed));
    progress.Advance();
    if ((step + 1) % o.log_every == 0 || step + 1 == o.steps) {
      log << nlohmann::json{{"step", step + 1}, {"loss", value}, {"smoothed_loss", smoothed}, {"lr", lr},
                            {"grad_norm", grad_norm}, {"seconds", progress.ElapsedSeconds()}}
                 .dump()
          << std::endl;
    }
  }
  progress.Finish();
  const double seconds = progress.ElapsedSeconds();
  const double valid_loss = EvalLoss(model, valid, o.seqlen, o.eval_windows);
  const double unigram = UnigramLoss(train, valid, vocab);
  model.Save(o.out);
  for (const char* file : {"tokenizer.json", "tokenizer_config.json"})
    fs::copy_file(fs::path(o.tokenizer) / file, fs::path(o.out) / file, fs::copy_options::overwrite_existing);
  nlohmann::ordered_json summary{{"name", o.name}, {"parameters", model.NumParameters()}, {"seed", o.seed},
                                 {"steps", o.steps}, {"batch", o.batch}, {"seqlen", o.seqlen},
                                 {"tokens_seen", o.steps * o.batch * o.seqlen}, {"train_tokens", train.size()},
                                 {"lr", o.lr}, {"final_smoothed_loss", smoothed}, {"valid_loss", valid_loss},
                                 {"valid_ppl", std::exp(valid_loss)}, {"unigram_valid_ppl", std::exp(unigram)},
                                 {"seconds", seconds}, {"threads", o.threads}};
  faq::WriteFileAtomic(fs::path(o.out) / "train.json", summary.dump(2) + "\n");
  std::cout << summary.dump() << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Train one member of faq's tiny Qwen3 family", "train_family"};
  TrainOptions o;
  app.add_option("--name", o.name)->required();
  app.add_option("--arch", o.arch_json, "config.json of the model (JSON text)")->required();
  app.add_option("--tokenizer", o.tokenizer, "Tokenizer directory copied into the model")->required();
  app.add_option("--data", o.data, "Directory with train.bin and valid.bin (make_family_data train)")->required();
  app.add_option("--out", o.out)->required();
  app.add_option("--seed", o.seed)->capture_default_str();
  app.add_option("--steps", o.steps)->capture_default_str();
  app.add_option("--batch", o.batch)->capture_default_str();
  app.add_option("--seqlen", o.seqlen)->capture_default_str();
  app.add_option("--lr", o.lr)->capture_default_str();
  app.add_option("--warmup", o.warmup)->capture_default_str();
  app.add_option("--threads", o.threads)->capture_default_str();
  app.add_option("--eval-windows", o.eval_windows)->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  faq::SetupLogging("info");
  try {
    return Train(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "train_family: error: %s\n", e.what());
    return 1;
  }
}
