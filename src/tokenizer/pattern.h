// The `pattern` of Split pre-tokenizers and Replace normalizers/decoders: a literal string
// or a regex (Oniguruma syntax in HF, run here by PCRE2 in UTF+UCP mode).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "json_field.h"

namespace faq::tok {

using Span = std::pair<size_t, size_t>;  // [begin, end) byte offsets

class Pattern {
 public:
  virtual ~Pattern() = default;
  // Successive non-overlapping matches, leftmost first. `text` must be valid UTF-8.
  virtual void FindAll(std::string_view text, std::vector<Span>& out) const = 0;
};

std::unique_ptr<Pattern> MakeLiteralPattern(std::string literal);
// Throws faq::Error naming `field` if PCRE2 rejects the pattern.
std::unique_ptr<Pattern> MakeRegexPattern(const std::string& regex, const Field& field);
// {"String": "..."} or {"Regex": "..."}.
std::unique_ptr<Pattern> ParsePattern(const Field& field);

// Oniguruma's \s is Unicode White_Space, PCRE2's UCP \s also takes U+180E; Oniguruma's \w
// takes marks, PCRE2 10.42's does not. Rewrites \s \S \w \W (\S and \W only outside
// classes) into explicit classes with Oniguruma's meaning.
std::string TranslateOnigurumaPattern(std::string_view pattern);

// Replaces every match of `pattern` in `text` by `content`.
std::string ReplaceAll(const Pattern& pattern, std::string_view text, std::string_view content);

}  // namespace faq::tok
