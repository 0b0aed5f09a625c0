// Splits a template into tokens the way Jinja2's lexer does with trim_blocks=True and
// lstrip_blocks=True: text, {{ }}, {% %}, {# #} (dropped), {% raw %} and whitespace
// control ({%- -%} {%+ +%}).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace faq::tmpl {

enum class Tok { kData, kVarBegin, kVarEnd, kBlockBegin, kBlockEnd, kName, kString, kInt, kFloat, kOp, kEof };

struct Token {
  Tok type = Tok::kEof;
  std::string text;  // data, name, operator, or the unescaped string literal
  int64_t int_value = 0;
  double float_value = 0;
  size_t pos = 0;  // byte offset in the normalised source
};

// Maps byte offsets of the normalised source to "name:line:col: " prefixes.
class SourceMap {
 public:
  SourceMap(std::string name, std::string_view source);
  std::string Where(size_t pos) const;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::string source_;
  std::vector<size_t> line_starts_;
};

// Jinja's newline handling: \r\n and \r become \n, one trailing newline is dropped
// (keep_trailing_newline=False).
std::string NormalizeSource(std::string_view source);

// Tokenises a normalised source; throws faq::Error "<where>: message" on lexical errors.
std::vector<Token> Tokenize(std::string_view source, const SourceMap& map);

}  // namespace faq::tmpl

namespace faq::tmpl {
// Decodes the body of a quoted string literal like Python's "unicode-escape" codec (which
// Jinja uses): \n \t \xhh \uhhhh \Uhhhhhhhh \ooo ...; unknown escapes keep the backslash.
std::string UnescapeStringLiteral(std::string_view raw);
}  // namespace faq::tmpl
