// tokenizer.json "added_tokens": tokens matched verbatim in the text before normalization
// and pre-tokenization (chat markers, special tokens).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "json_field.h"

namespace faq::tok {

class Normalizer;

struct AddedToken {
  int32_t id = 0;
  std::string content;
  bool single_word = false, lstrip = false, rstrip = false, normalized = false, special = false;
};

// One piece of the input: plain text to tokenize, or an added token's id.
struct Segment {
  std::string text;
  int32_t token_id = -1;   // >= 0 for an added token
  bool at_start = false;   // begins at offset 0 of the input
};

// Leftmost-longest matcher over a set of token contents (a byte trie).
class TokenMatcher {
 public:
  void Add(const std::string& content, size_t token_index);
  // Earliest position >= from where some content matches, taking the longest there;
  // returns false when there is none.
  bool Find(std::string_view text, size_t from, size_t& begin, size_t& end, size_t& token_index) const;
  bool empty() const { return nodes_.size() <= 1; }

 private:
  struct Node {
    std::unordered_map<unsigned char, int32_t> children;
    int64_t token_index = -1;
  };
  std::vector<Node> nodes_{1};
  bool first_byte_[256] = {};
};

class AddedVocabulary {
 public:
  // `normalizer` (may be null) is applied to the contents of normalized tokens, as HF does.
  AddedVocabulary(const Field& added_tokens, const Normalizer* normalizer);

  // Splits raw text on non-normalized tokens.
  void SplitRaw(std::string_view text, std::vector<Segment>& out) const;
  // Splits an already normalized text segment on normalized tokens.
  void SplitNormalized(const Segment& segment, std::vector<Segment>& out) const;

  const std::vector<AddedToken>& tokens() const { return tokens_; }
  const AddedToken* ById(int32_t id) const;
  const AddedToken* ByContent(std::string_view content) const;

 private:
  void Split(const TokenMatcher& matcher, std::string_view text, bool at_start, std::vector<Segment>& out) const;

  std::vector<AddedToken> tokens_;
  std::unordered_map<int32_t, size_t> by_id_;
  std::unordered_map<std::string, size_t> by_content_;
  TokenMatcher raw_matcher_, normalized_matcher_;
};

}  // namespace faq::tok
