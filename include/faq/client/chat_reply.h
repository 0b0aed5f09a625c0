// A chat-completions response body, parsed into what faq keeps of it.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "faq/util/error.h"

namespace faq {

struct ChatChoice {
  std::string content;                   // the final answer (after any </think>)
  std::optional<std::string> reasoning;  // chain of thought, if the server returned one
  std::string finish_reason;             // "stop", "length", ... ("" if absent)
};

struct ChatReply {
  std::vector<ChatChoice> choices;  // in the server's `index` order
  nlohmann::json usage;             // the server's usage object (null if absent)
  std::string model;
  std::string endpoint;  // base URL that answered
  double seconds = 0;    // wall time of the successful attempt
  int attempts = 1;
};

// A 200 response whose body is not a chat completion (cut JSON, no `choices`): the server
// or a proxy failed mid-answer, so the request is worth retrying.
class MalformedReply : public Error {
 public:
  using Error::Error;
};

// Parses an OpenAI chat.completion object. Reasoning comes from `message.reasoning_content`
// (vLLM/SGLang reasoning parsers) or `message.reasoning`, else from a `<think>…</think>`
// block in `content`. Throws MalformedReply naming `where`.
ChatReply ParseChatReply(std::string_view body, std::string_view where);

// usage[key] ("prompt_tokens", "completion_tokens") when the server reported it, else 0.
int64_t UsageTokens(const nlohmann::json& usage, const char* key);

// Splits "<think>r</think>answer" into {r, answer}; an unclosed <think> (the answer was
// cut off while thinking) is all reasoning. Content without a think block is returned
// unchanged with no reasoning.
std::pair<std::optional<std::string>, std::string> SplitThinkBlock(std::string_view content);

}  // namespace faq
