// apply_chat_template: renders a conversation with a model's chat template exactly as
// Hugging Face transformers' tokenizer.apply_chat_template(..., tokenize=False) does.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "faq/template/template.h"

namespace faq {

struct ChatTemplateInputs {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  nlohmann::ordered_json tools;      // null when absent
  nlohmann::ordered_json documents;  // null when absent (retrieval-augmented templates)
  bool add_generation_prompt = false;
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();  // e.g. {"enable_thinking": false}
  std::optional<std::string> bos_token, eos_token, pad_token, unk_token;
};

class ChatTemplate {
 public:
  // Parses once; throws faq::Error "<name>:<line>:<col>: ..." on syntax errors.
  explicit ChatTemplate(std::string source, std::string name = "chat_template");
  // Throws faq::Error (including the text of raise_exception).
  std::string Render(const ChatTemplateInputs& inputs, const TemplateLimits& limits = {}) const;

 private:
  Template template_;
};

// The template variables transformers builds for `inputs`: special tokens that are set,
// extra kwargs, `messages` with None-valued keys dropped and reasoning fields aliased
// (`reasoning_content`/`thinking`/`reasoning`), `tools`, `documents` and
// `add_generation_prompt`.
nlohmann::ordered_json ChatTemplateVariables(const ChatTemplateInputs& inputs);

}  // namespace faq
