// A /v1/completions request body, read and checked before any model work. Torch-free, so the
// fuzz build reads bodies exactly as `faq serve` does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "request_fields.h"

namespace faq::serve {

// One prompt as the request gave it: text (tokenized by the caller) or token ids.
using PromptInput = std::variant<std::string, std::vector<int32_t>>;

struct CompletionRequest {
  GenerationFields fields;
  std::vector<PromptInput> prompts;  // at least one; id prompts are non-empty and inside the vocabulary
  bool echo = false;
  bool return_token_ids = false;     // vLLM's extension
  std::optional<int64_t> logprobs;   // top-k logprobs per token, in [0, 20]
};

// `prompt` is a string, a list of strings, a list of token ids or a list of such lists; ids
// must lie in [0, vocab_size). Throws ApiError: 400 naming the field for a malformed body,
// 404 for a `model` other than `served_name`.
CompletionRequest ReadCompletionRequest(const std::string& body, const std::string& served_name, int64_t vocab_size);

}  // namespace faq::serve
