// Token logprobs in the two OpenAI shapes: the legacy completions object (parallel lists
// tokens / token_logprobs / top_logprobs / text_offset, which lm-evaluation-harness reads) and
// chat's `logprobs.content` entries ({token, logprob, bytes, top_logprobs}).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "faq/serve/generation_engine.h"
#include "served_model.h"

namespace faq::serve {

// UTF-8 characters, the unit of Python's len() that text_offset counts in.
int64_t CharCount(const std::string& s);

// Builds completions `logprobs` objects token by token; a stream takes one per chunk, with
// text_offset running on across them.
class CompletionLogprobs {
 public:
  // `offset`: the characters before the first token's text.
  CompletionLogprobs(const ServedModel& model, int64_t offset);
  // `lp` null: a token with no logprob (the first prompt token of an echo).
  void Add(int32_t token, const TokenLogprob* lp);
  // The object for the tokens added since the previous Take.
  nlohmann::ordered_json Take();

 private:
  const ServedModel& model_;
  int64_t offset_;
  nlohmann::ordered_json tokens_, token_logprobs_, top_logprobs_, text_offset_;
};

// One entry of a chat choice's `logprobs.content`: the token's text, its logprob, its UTF-8
// bytes and the top alternatives (as many as the token's TokenLogprob holds).
nlohmann::ordered_json ChatLogprobEntry(const ServedModel& model, int32_t token, const TokenLogprob& lp);

}  // namespace faq::serve
