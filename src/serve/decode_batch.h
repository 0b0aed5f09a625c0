// The running batch of the generation engine: the shared KV cache of the sequences being
// decoded, how new sequences join it (prefilled left-padded, then merged) and how finished
// ones leave it. Tensor work only; the scheduler decides who joins and when.
#pragma once

#include <ATen/core/Tensor.h>

#include <future>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "faq/model/causal_lm.h"
#include "faq/serve/generation_engine.h"

namespace faq {
class Tokenizer;
}

namespace faq::serve {

// One sequence in flight and what it has produced so far.
struct LiveSequence {
  SequenceRequest request;
  std::promise<SequenceResult> promise;
  SequenceResult result;
  std::mt19937_64 rng;
  bool finished = false;
  std::exception_ptr error;   // set when choosing this sequence's token failed: it fails alone
  size_t stop_scan_from = 0;  // generated tokens before this index are known to hold no stop string
};

class DecodeBatch {
 public:
  DecodeBatch(const CausalLM& model, const Tokenizer& tokenizer);

  // Prefills `joining` together (left-padded), chooses each one's first token and moves
  // them into the running batch. Throws on a model error; `joining` and the batch are then
  // unchanged.
  void Admit(std::vector<std::unique_ptr<LiveSequence>>& joining);
  // One decode step for every running sequence.
  void Step();
  // Removes finished sequences and hands them back.
  std::vector<std::unique_ptr<LiveSequence>> TakeFinished();
  // Removes every sequence (after a failed step).
  std::vector<std::unique_ptr<LiveSequence>> TakeAll();

  size_t Size() const { return rows_.size(); }

 private:
  // Chooses `seq`'s next token from its logits row [vocab] and decides whether it is done;
  // an error here fails `seq` only.
  void Accept(LiveSequence& seq, const at::Tensor& logits);
  void AcceptOrFail(LiveSequence& seq, const at::Tensor& logits);
  // Decoded text; ids beyond the tokenizer's vocabulary (a model's padded embedding rows)
  // have no text.
  std::string Text(std::span<const int32_t> ids) const;
  void CheckStopStrings(LiveSequence& seq);
  void Keep(const std::vector<int64_t>& rows);

  const CausalLM& model_;
  const Tokenizer& tokenizer_;
  std::vector<std::unique_ptr<LiveSequence>> rows_;
  KvCache cache_;
};

}  // namespace faq::serve
