// Splitting a chat answer into reasoning and content as vLLM's qwen3 reasoning parser does.
#pragma once

#include <optional>
#include <string>

namespace faq::serve {

struct ReasoningSplit {
  std::optional<std::string> reasoning;  // null: none
  std::optional<std::string> content;    // null: none (vLLM's `content or None`)
};

// A leading "<think>" is dropped. Text before "</think>" is reasoning, the rest content.
// Without "</think>": if thinking had started (the output opened "<think>", or the prompt
// ended with it as newer templates do) the whole text is unfinished reasoning; otherwise it
// is all content (thinking disabled, or a model that answered directly).
ReasoningSplit SplitReasoning(const std::string& text, bool prompt_opened_thinking);

}  // namespace faq::serve
