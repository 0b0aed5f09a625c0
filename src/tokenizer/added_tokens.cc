#include "added_tokens.h"

#include <fmt/format.h>

#include "normalizer.h"
#include "unicode.h"

namespace faq::tok {
namespace {

char32_t LastCodePoint(std::string_view s) {
  if (s.empty()) return 0;
  size_t pos = s.size() - 1;
  while (pos > 0 && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80) --pos;
  char32_t cp = 0;
  return NextCodePoint(s, pos, cp) ? cp : 0;
}

char32_t FirstCodePoint(std::string_view s) {
  size_t pos = 0;
  char32_t cp = 0;
  return !s.empty() && NextCodePoint(s, pos, cp) ? cp : 0;
}

}  // namespace

void TokenMatcher::Add(const std::string& content, size_t token_index) {
  if (content.empty()) return;
  int32_t node = 0;
  for (unsigned char c : content) {
    auto it = nodes_[node].children.find(c);
    if (it == nodes_[node].children.end()) {
      nodes_.emplace_back();
      int32_t child = static_cast<int32_t>(nodes_.size() - 1);
      nodes_[node].children.emplace(c, child);
      node = child;
    } else {
      node = it->second;
    }
  }
  if (nodes_[node].token_index < 0) nodes_[node].token_index = static_cast<int64_t>(token_index);
  first_byte_[static_cast<unsigned char>(content[0])] = true;
}

bool TokenMatcher::Find(std::string_view text, size_t from, size_t& begin, size_t& end, size_t& token_index) const {
  for (size_t i = from; i < text.size(); ++i) {
    if (!first_byte_[static_cast<unsigned char>(text[i])]) continue;
    int32_t node = 0;
    int64_t best = -1;
    size_t best_end = 0;
    for (size_t j = i; j < text.size(); ++j) {
      auto it = nodes_[node].children.find(static_cast<unsigned char>(text[j]));
      if (it == nodes_[node].children.end()) break;
      node = it->second;
      if (nodes_[node].token_index >= 0) {
        best = nodes_[node].token_index;
        best_end = j + 1;
      }
    }
    if (best >= 0) {
      begin = i;
      end = best_end;
      token_index = static_cast<size_t>(best);
      return true;
    }
  }
  return false;
}

AddedVocabulary::AddedVocabulary(const Field& added_tokens, const Normalizer* normalizer) {
  if (added_tokens.value().is_null()) return;
  const Json& list = added_tokens.Array();
  for (size_t i = 0; i < list.size(); ++i) {
    Field f = added_tokens[i];
    AddedToken t;
    int64_t id = f["id"].Int();
    if (id < 0 || id > INT32_MAX) f["id"].Throw(fmt::format("id {} out of range", id));
    t.id = static_cast<int32_t>(id);
    t.content = f["content"].String();
    if (t.content.empty()) f["content"].Throw("an added token cannot be empty");
    if (FindInvalidUtf8(t.content) != std::string::npos) f["content"].Throw("not valid UTF-8");
    t.single_word = f.BoolOr("single_word", false);
    t.lstrip = f.BoolOr("lstrip", false);
    t.rstrip = f.BoolOr("rstrip", false);
    t.normalized = f.BoolOr("normalized", false);
    t.special = f.BoolOr("special", false);
    size_t index = tokens_.size();
    by_id_[t.id] = index;
    by_content_[t.content] = index;
    if (t.normalized && normalizer) {
      std::string normalized = t.content;
      normalizer->Normalize(normalized);
      normalized_matcher_.Add(normalized, index);
    } else if (t.normalized) {
      normalized_matcher_.Add(t.content, index);
    } else {
      raw_matcher_.Add(t.content, index);
    }
    tokens_.push_back(std::move(t));
  }
}

const AddedToken* AddedVocabulary::ById(int32_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

const AddedToken* AddedVocabulary::ByContent(std::string_view content) const {
  auto it = by_content_.find(std::string(content));
  return it == by_content_.end() ? nullptr : &tokens_[it->second];
}

void AddedVocabulary::SplitRaw(std::string_view text, std::vector<Segment>& out) const {
  Split(raw_matcher_, text, true, out);
}

void AddedVocabulary::SplitNormalized(const Segment& segment, std::vector<Segment>& out) const {
  Split(normalized_matcher_, segment.text, segment.at_start, out);
}

void AddedVocabulary::Split(const TokenMatcher& matcher, std::string_view text, bool at_start,
                            std::vector<Segment>& out) const {
  size_t start_offset = 0, search = 0;
  size_t begin = 0, end = 0, index = 0;
  if (!matcher.empty()) {
    while (matcher.Find(text, search, begin, end, index)) {
      // Matching resumes after the match even when the token's constraints reject it.
      search = end;
      const AddedToken& token = tokens_[index];
      size_t start = begin, stop = end;
      if (token.single_word) {
        bool word_before = start > 0 && IsWordChar(LastCodePoint(text.substr(0, start)));
        bool word_after = stop < text.size() && IsWordChar(FirstCodePoint(text.substr(stop)));
        if (word_before || word_after) continue;
      }
      if (token.lstrip) {
        size_t s = start;
        while (s > 0) {
          size_t p = s - 1;
          while (p > 0 && (static_cast<unsigned char>(text[p]) & 0xC0) == 0x80) --p;
          size_t q = p;
          char32_t cp = 0;
          if (!NextCodePoint(text, q, cp) || !IsWhiteSpace(cp)) break;
          s = p;
        }
        start = std::max(s, start_offset);
      }
      if (token.rstrip) {
        size_t q = stop;
        char32_t cp = 0;
        while (q < text.size()) {
          size_t at = q;
          if (!NextCodePoint(text, q, cp) || !IsWhiteSpace(cp)) {
            q = at;
            break;
          }
        }
        stop = q;
      }
      if (start_offset < start) {
        out.push_back(Segment{std::string(text.substr(start_offset, start - start_offset)), -1,
                              at_start && start_offset == 0});
      }
      out.push_back(Segment{std::string(text.substr(start, stop - start)), token.id, at_start && start == 0});
      start_offset = std::max(start_offset, stop);
    }
  }
  if (start_offset < text.size()) {
    out.push_back(Segment{std::string(text.substr(start_offset)), -1, at_start && start_offset == 0});
  }
}

}  // namespace faq::tok
