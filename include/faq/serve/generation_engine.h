// The model side of `faq serve`: sequences submitted from any thread are batched by one
// scheduler thread that prefills new arrivals and decodes every running sequence one token
// per step on a shared KV cache (continuous batching), and answers each with a future.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace faq {

class CausalLM;
class Tokenizer;

struct SamplingParams {
  double temperature = 1.0;  // 0 = greedy (argmax)
  double top_p = 1.0;        // nucleus mass kept, (0, 1]
  int64_t top_k = 0;         // 0 = all tokens
  uint64_t seed = 0;         // the sequence's own generator: same seed, same tokens
};

struct TokenLogprob {
  float logprob = 0.0F;
  std::vector<std::pair<int32_t, float>> top;  // the k most likely tokens, best first
};

struct SequenceResult;

// One sequence to continue. A request with n choices is n sequences.
struct SequenceRequest {
  std::vector<int32_t> prompt;             // at least one token
  int64_t max_new_tokens = 16;             // 0 = score the prompt only
  SamplingParams sampling;
  std::vector<std::string> stop;           // stop strings: the text ends before the first match
  std::vector<int64_t> stop_token_ids;     // EOS ids: generation ends after one of them
  int prompt_logprobs = -1;                // k >= 0: logprob of every prompt token after the first, top k
  int logprobs = -1;                       // k >= 0: logprob of every generated token, top k
  // Streaming: called on the scheduler thread with the result so far after each generated
  // token (done false), and once more when the sequence has finished or failed (done true,
  // just before its future becomes ready). Must be quick and must not throw.
  std::function<void(const SequenceResult& so_far, bool done)> on_progress;
  // Set once nobody waits for the result any more (a streaming client went away): the
  // sequence ends after its next token with finish_reason "abort".
  std::shared_ptr<const std::atomic<bool>> cancelled;
};

struct SequenceResult {
  std::vector<int32_t> tokens;                // generated ids, a final EOS id included
  std::string text;                           // their decoding (special tokens skipped), cut before a stop string
  std::string finish_reason;                  // "stop" (EOS or stop string), "length" or "abort" (cancelled)
  std::vector<TokenLogprob> prompt_logprobs;  // for prompt tokens 1.. (the first has none)
  std::vector<TokenLogprob> logprobs;         // for each generated token
};

struct EngineStats {
  uint64_t sequences = 0;
  uint64_t prompt_tokens = 0;
  uint64_t generated_tokens = 0;
  uint64_t decode_steps = 0;
  uint64_t decode_rows = 0;  // sum of the batch size over decode steps
  double busy_seconds = 0.0;
};

class GenerationEngine {
 public:
  // `model` and `tokenizer` must outlive the engine; only the scheduler thread uses the model.
  GenerationEngine(const CausalLM& model, const Tokenizer& tokenizer, int max_batch);
  ~GenerationEngine();  // Stop()
  GenerationEngine(const GenerationEngine&) = delete;
  GenerationEngine& operator=(const GenerationEngine&) = delete;

  // Thread-safe. The future holds the result, or the exception that failed this sequence.
  std::future<SequenceResult> Submit(SequenceRequest request);
  // Fails queued and running sequences with faq::Error and joins the scheduler thread.
  void Stop();
  EngineStats Stats() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace faq
