// A /v1/chat/completions request body, read and checked before any model work: the
// conversation as the chat template takes it and the generation fields. Torch-free, so the
// fuzz build reads bodies exactly as `faq serve` does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "faq/template/chat_template.h"
#include "request_fields.h"

namespace faq::serve {

struct ChatRequest {
  GenerationFields fields;
  // messages (content parts flattened to strings), tools, chat_template_kwargs and
  // add_generation_prompt; the special tokens are the served tokenizer's, set by the caller.
  ChatTemplateInputs inputs;
  bool return_token_ids = false;  // vLLM's extension: the prompt's and each choice's ids
  std::optional<int64_t> top_logprobs;  // set when `logprobs: true`: the alternatives per token, in [0, 20]
};

// Throws ApiError: 400 naming the field for a malformed body, 404 for a `model` other than
// `served_name`.
ChatRequest ReadChatRequest(const std::string& body, const std::string& served_name);

}  // namespace faq::serve
