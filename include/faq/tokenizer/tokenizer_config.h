// tokenizer_config.json: the chat template and the special tokens transformers reads from it.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace faq {

struct TokenizerConfig {
  std::string chat_template;  // empty if none
  std::optional<std::string> bos_token, eos_token, pad_token, unk_token;
  bool add_bos_token = false, add_eos_token = false;
  std::optional<int64_t> model_max_length;
  nlohmann::json raw;  // the whole tokenizer_config.json (an empty object if the file is absent)
};

// Reads dir/tokenizer_config.json (and dir/chat_template.jinja, which wins over the JSON's
// chat_template as in transformers). A missing file gives a default config; a malformed
// one throws faq::Error naming the file and the field.
TokenizerConfig LoadTokenizerConfig(const std::filesystem::path& dir);

// Same, from an already parsed object; `file` only labels error messages.
TokenizerConfig ParseTokenizerConfig(const nlohmann::json& raw, const std::string& file);

}  // namespace faq
