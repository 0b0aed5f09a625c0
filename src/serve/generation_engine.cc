// GenerationEngine: the scheduler thread. Each turn it admits queued sequences up to the
// batch limit, runs one decode step over the batch, and completes the sequences that
// finished. A model error fails only the sequences it concerns.
#include "faq/serve/generation_engine.h"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "decode_batch.h"
#include "faq/util/error.h"

namespace faq {

using serve::DecodeBatch;
using serve::LiveSequence;

struct GenerationEngine::State {
  State(const CausalLM& model, const Tokenizer& tokenizer, int max_batch)
      : batch(model, tokenizer), max_batch(static_cast<size_t>(std::max(1, max_batch))) {}

  void Loop();
  void AdmitOrFail(std::vector<std::unique_ptr<LiveSequence>> joining);
  void Complete(std::vector<std::unique_ptr<LiveSequence>> done);
  void Fail(std::vector<std::unique_ptr<LiveSequence>> failed, const std::exception_ptr& error);

  DecodeBatch batch;  // scheduler thread only
  const size_t max_batch;
  mutable std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::unique_ptr<LiveSequence>> queue;
  bool stopping = false;
  EngineStats stats;
  std::thread thread;
};

GenerationEngine::GenerationEngine(const CausalLM& model, const Tokenizer& tokenizer, int max_batch)
    : state_(std::make_unique<State>(model, tokenizer, max_batch)) {
  state_->thread = std::thread([s = state_.get()] { s->Loop(); });
}

GenerationEngine::~GenerationEngine() { Stop(); }

std::future<SequenceResult> GenerationEngine::Submit(SequenceRequest request) {
  auto seq = std::make_unique<LiveSequence>();
  seq->rng.seed(request.sampling.seed);
  seq->request = std::move(request);
  std::future<SequenceResult> future = seq->promise.get_future();
  {
    std::lock_guard lock(state_->mutex);
    if (state_->stopping) throw Error("the generation engine is stopping");
    state_->queue.push_back(std::move(seq));
  }
  state_->wake.notify_one();
  return future;
}

void GenerationEngine::Stop() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->wake.notify_one();
  if (state_->thread.joinable()) state_->thread.join();
}

EngineStats GenerationEngine::Stats() const {
  std::lock_guard lock(state_->mutex);
  return state_->stats;
}

void GenerationEngine::State::Loop() {
  at::InferenceMode inference;
  while (true) {
    std::vector<std::unique_ptr<LiveSequence>> joining;
    {
      std::unique_lock lock(mutex);
      wake.wait(lock, [&] { return stopping || !queue.empty() || batch.Size() > 0; });
      if (stopping) break;
      while (!queue.empty() && batch.Size() + joining.size() < max_batch) {
        joining.push_back(std::move(queue.front()));
        queue.pop_front();
      }
    }
    const auto start = std::chrono::steady_clock::now();
    uint64_t prompt_tokens = 0;
    for (const auto& s : joining) prompt_tokens += s->request.prompt.size();
    AdmitOrFail(std::move(joining));
    // Sequences done at admission (EOS first, max_tokens 0 or 1) leave before the step.
    Complete(batch.TakeFinished());
    const size_t rows = batch.Size();
    if (rows > 0) {
      try {
        batch.Step();
      } catch (...) {
        // The batch shares one cache; after a failed step no row can continue.
        Fail(batch.TakeAll(), std::current_exception());
      }
      Complete(batch.TakeFinished());
    }
    std::lock_guard lock(mutex);
    stats.prompt_tokens += prompt_tokens;
    stats.decode_steps += rows > 0 ? 1 : 0;
    stats.decode_rows += rows;
    stats.busy_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  std::vector<std::unique_ptr<LiveSequence>> left = batch.TakeAll();
  {
    std::lock_guard lock(mutex);
    for (auto& s : queue) left.push_back(std::move(s));
    queue.clear();
  }
  Fail(std::move(left), std::make_exception_ptr(Error("the server is shutting down")));
}

void GenerationEngine::State::AdmitOrFail(std::vector<std::unique_ptr<LiveSequence>> joining) {
  if (joining.empty()) return;
  try {
    batch.Admit(joining);
    return;
  } catch (...) {
    // Admit left the group intact: retry its sequences one by one so that only the one
    // the model cannot take fails.
    if (joining.size() == 1) {
      Fail(std::move(joining), std::current_exception());
      return;
    }
  }
  for (auto& s : joining) {
    std::vector<std::unique_ptr<LiveSequence>> one;
    one.push_back(std::move(s));
    AdmitOrFail(std::move(one));
  }
}

void GenerationEngine::State::Complete(std::vector<std::unique_ptr<LiveSequence>> done) {
  uint64_t generated = 0;
  for (auto& s : done) {
    generated += s->result.tokens.size();
    if (s->request.on_progress) s->request.on_progress(s->result, true);
    if (s->error) {
      s->promise.set_exception(s->error);
    } else {
      s->promise.set_value(std::move(s->result));
    }
  }
  std::lock_guard lock(mutex);
  stats.sequences += done.size();
  stats.generated_tokens += generated;
}

void GenerationEngine::State::Fail(std::vector<std::unique_ptr<LiveSequence>> failed, const std::exception_ptr& error) {
  for (auto& s : failed) {
    if (!s) continue;
    if (s->request.on_progress) s->request.on_progress(s->result, true);
    s->promise.set_exception(error);
  }
}

}  // namespace faq
