// A tokenizer.json tokenizer: added tokens -> normalizer -> pre-tokenizer -> BPE ->
// post-processor, and the decoder on the way back.
#pragma once

#include <memory>

#include "added_tokens.h"
#include "bpe_model.h"
#include "decoder.h"
#include "faq/tokenizer/tokenizer.h"
#include "normalizer.h"
#include "post_processor.h"
#include "pre_tokenizer.h"

namespace faq::tok {

class HfTokenizer : public Tokenizer {
 public:
  // `json` is the parsed tokenizer.json; `file` labels error messages.
  HfTokenizer(const Json& json, const std::string& file, TokenizerConfig config);

  std::vector<int32_t> Encode(std::string_view text, bool add_special_tokens = false) const override;
  std::string Decode(std::span<const int32_t> ids, bool skip_special_tokens = false) const override;
  int32_t VocabSize() const override { return vocab_size_; }
  std::optional<int32_t> TokenToId(std::string_view token) const override;
  std::string IdToToken(int32_t id) const override;
  const TokenizerConfig& Config() const override { return config_; }
  bool IsSpecial(int32_t id) const override;

 private:
  void EncodeSegment(const Segment& segment, std::vector<int32_t>& ids) const;

  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<BpeModel> model_;
  std::unique_ptr<PostProcessor> post_processor_;
  std::unique_ptr<Decoder> decoder_;
  std::unique_ptr<AddedVocabulary> added_;
  int32_t vocab_size_ = 0;
  TokenizerConfig config_;
};

}  // namespace faq::tok
