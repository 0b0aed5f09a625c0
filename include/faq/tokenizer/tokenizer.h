// Text <-> token ids, exactly as Hugging Face `tokenizers` (tokenizer.json) or SentencePiece
// (tokenizer.model) computes them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "faq/tokenizer/tokenizer_config.h"

namespace faq {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Loads a tokenizer directory: tokenizer.json (preferred) or tokenizer.model, plus
  // tokenizer_config.json. Throws faq::Error naming file and field for malformed input.
  static std::unique_ptr<Tokenizer> Load(const std::filesystem::path& dir);

  // add_special_tokens applies the post-processor of tokenizer.json (as `tokenizers` does;
  // transformers' add_bos_token override is not applied) or, for SentencePiece, the
  // add_bos_token/add_eos_token of tokenizer_config.json.
  virtual std::vector<int32_t> Encode(std::string_view text, bool add_special_tokens = false) const = 0;
  // Throws faq::Error for an id outside [0, VocabSize()).
  virtual std::string Decode(std::span<const int32_t> ids, bool skip_special_tokens = false) const = 0;
  virtual int32_t VocabSize() const = 0;  // including added tokens: the largest id + 1
  virtual std::optional<int32_t> TokenToId(std::string_view token) const = 0;
  // Empty string for an id with no token.
  virtual std::string IdToToken(int32_t id) const = 0;
  virtual const TokenizerConfig& Config() const = 0;
  // True for ids of special tokens (skipped by Decode(..., skip_special_tokens=true)).
  virtual bool IsSpecial(int32_t id) const = 0;
};

// The pieces, for callers that want one kind explicitly (tests, tools).
std::unique_ptr<Tokenizer> LoadHfTokenizer(const std::filesystem::path& tokenizer_json,
                                           TokenizerConfig config);
std::unique_ptr<Tokenizer> LoadSentencePieceTokenizer(const std::filesystem::path& model_file,
                                                      TokenizerConfig config);

}  // namespace faq
