#include "template/lexer.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "faq/util/error.h"
#include "template/unicode.h"
#include "template/value.h"

namespace faq::tmpl {

SourceMap::SourceMap(std::string name, std::string_view source) : name_(std::move(name)), source_(source) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\n') line_starts_.push_back(i + 1);
  }
}

std::string SourceMap::Where(size_t pos) const {
  pos = std::min(pos, source_.size());
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), pos);
  size_t line = it - line_starts_.begin();
  size_t start = line_starts_[line - 1];
  size_t col = CodePointCount(std::string_view(source_).substr(start, pos - start)) + 1;
  return fmt::format("{}:{}:{}: ", name_, line, col);
}

std::string NormalizeSource(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out.push_back(source[i]);
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

namespace {

// Python's str.isspace on the code point starting at s[i]; returns its byte length or 0.
size_t SpaceAt(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return IsSpace(c) ? 1 : 0;
  size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
  if (i + len > s.size()) return 0;
  std::u32string cp = DecodeUtf8(s.substr(i, len));
  return cp.size() == 1 && IsSpace(cp[0]) ? len : 0;
}

// Length of `text` without trailing (Unicode) whitespace, like str.rstrip().
size_t RstripLength(std::string_view text) {
  std::u32string cps = DecodeUtf8(text);
  size_t keep = cps.size();
  while (keep > 0 && IsSpace(cps[keep - 1])) --keep;
  return EncodeUtf8(std::u32string_view(cps).substr(0, keep)).size();
}

bool AllSpace(std::string_view text) {
  if (text.empty()) return false;
  for (size_t i = 0; i < text.size();) {
    size_t n = SpaceAt(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

size_t SkipSpace(std::string_view s, size_t i) {
  while (i < s.size()) {
    size_t n = SpaceAt(s, i);
    if (n == 0) break;
    i += n;
  }
  return i;
}

class Lexer {
 public:
  Lexer(std::string_view src, const SourceMap& map) : src_(src), map_(map) {}

  std::vector<Token> Run() {
    while (pos_ < src_.size()) {
      size_t tag = FindTag(pos_);
      if (tag == std::string_view::npos) {
        Emit(Tok::kData, std::string(src_.substr(pos_)), pos_);
        break;
      }
      char kind = src_[tag + 1];
      char sign = tag + 2 < src_.size() && (src_[tag + 2] == '-' || src_[tag + 2] == '+') ? src_[tag + 2] : 0;
      std::string_view text = src_.substr(pos_, tag - pos_);
      size_t raw_end = kind == '%' ? MatchRawBegin(tag + 2 + (sign ? 1 : 0)) : 0;
      text = StripBefore(text, sign, kind != '{');
      if (!text.empty()) Emit(Tok::kData, std::string(text), pos_);
      size_t after = tag + 2 + (sign ? 1 : 0);
      if (raw_end) {
        LexRaw(raw_end);
      } else if (kind == '#') {
        LexComment(after);
      } else {
        Emit(kind == '{' ? Tok::kVarBegin : Tok::kBlockBegin, "", tag);
        LexExpression(after, kind == '{');
      }
    }
    Emit(Tok::kEof, "", src_.size());
    return std::move(tokens_);
  }

 private:
  [[noreturn]] void Fail(size_t pos, const std::string& msg) { throw Error(map_.Where(pos) + msg); }

  void Emit(Tok type, std::string text, size_t pos) {
    Token t;
    t.type = type;
    t.text = std::move(text);
    t.pos = pos;
    tokens_.push_back(std::move(t));
  }

  size_t FindTag(size_t from) const {
    for (size_t i = src_.find('{', from); i != std::string_view::npos; i = src_.find('{', i + 1)) {
      if (i + 1 < src_.size() && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) return i;
    }
    return std::string_view::npos;
  }

  // Jinja applies "-" (strip all whitespace) or lstrip_blocks (strip the indentation of a
  // line holding only the tag) to the text before a tag.
  std::string_view StripBefore(std::string_view text, char sign, bool lstrip_applies) const {
    if (sign == '-') return text.substr(0, RstripLength(text));
    if (sign == '+' || !lstrip_applies) return text;
    size_t nl = text.rfind('\n');
    size_t l_pos = nl == std::string_view::npos ? 0 : nl + 1;
    if ((l_pos > 0 || line_starting_) && AllSpace(text.substr(l_pos))) return text.substr(0, l_pos);
    return text;
  }

  // After "{%" and its sign: `\s*raw\s*(-%}\s*|%})`. Returns the end offset or 0.
  size_t MatchRawBegin(size_t i) const {
    i = SkipSpace(src_, i);
    if (src_.substr(i, 3) != "raw") return 0;
    i = SkipSpace(src_, i + 3);
    if (src_.substr(i, 3) == "-%}") return SkipSpace(src_, i + 3);
    if (src_.substr(i, 2) == "%}") return i + 2;
    return 0;
  }

  void SetPos(size_t end) {
    line_starting_ = end > 0 && src_[end - 1] == '\n';
    pos_ = end;
  }

  // Block/comment end with trim_blocks: "+X}" keeps, "-X}" eats all whitespace, "X}" eats one "\n".
  size_t EndAfter(size_t i, char sign) const {
    if (sign == '-') return SkipSpace(src_, i);
    if (sign == '+') return i;
    return i < src_.size() && src_[i] == '\n' ? i + 1 : i;
  }

  void LexComment(size_t from) {
    size_t j = src_.find("#}", from);
    if (j == std::string_view::npos) Fail(from, "Missing end of comment tag");
    char sign = j > from && (src_[j - 1] == '-' || src_[j - 1] == '+') ? src_[j - 1] : 0;
    SetPos(EndAfter(j + 2, sign));
  }

  void LexRaw(size_t from) {
    size_t i = from;
    while (true) {
      size_t j = src_.find("{%", i);
      if (j == std::string_view::npos) Fail(from, "Missing end of raw directive");
      size_t k = j + 2;
      char sign = k < src_.size() && (src_[k] == '-' || src_[k] == '+') ? src_[k] : 0;
      if (sign) ++k;
      k = SkipSpace(src_, k);
      if (src_.substr(k, 6) == "endraw") {
        k = SkipSpace(src_, k + 6);
        char esign = 0;
        if (k < src_.size() && (src_[k] == '-' || src_[k] == '+')) esign = src_[k++];
        if (src_.substr(k, 2) == "%}") {
          std::string_view text = StripBefore(src_.substr(from, j - from), sign, true);
          if (!text.empty()) Emit(Tok::kData, std::string(text), from);
          SetPos(EndAfter(k + 2, esign));
          return;
        }
      }
      i = j + 2;
    }
  }

  void LexExpression(size_t i, bool variable) {
    std::vector<char> balance;
    while (true) {
      i = SkipSpace(src_, i);
      if (i >= src_.size()) Fail(i, variable ? "unexpected end of template, expected '}}'" : "unexpected end of template, expected '%}'");
      if (balance.empty() && TryEnd(i, variable)) return;
      char c = src_[i];
      unsigned char uc = static_cast<unsigned char>(c);
      if (std::isdigit(uc)) {
        i = LexNumber(i);
      } else if (std::isalpha(uc) || c == '_' || uc >= 0x80) {
        size_t j = i;
        while (j < src_.size()) {
          unsigned char d = static_cast<unsigned char>(src_[j]);
          if (std::isalnum(d) || d == '_') {
            ++j;
          } else if (d >= 0x80) {
            size_t len = d >= 0xF0 ? 4 : d >= 0xE0 ? 3 : 2;
            std::u32string cp = DecodeUtf8(src_.substr(j, std::min(len, src_.size() - j)));
            if (cp.empty() || !(IsAlnum(cp[0]) && cp[0] < 0xD800)) break;
            j += EncodeUtf8(cp.substr(0, 1)).size();
          } else {
            break;
          }
        }
        if (j == i) Fail(i, fmt::format("unexpected char '{}' at {}", EncodeUtf8(DecodeUtf8(src_.substr(i, 1))), i));
        Emit(Tok::kName, std::string(src_.substr(i, j - i)), i);
        i = j;
      } else if (c == '\'' || c == '"') {
        i = LexString(i);
      } else {
        i = LexOperator(i, balance);
      }
    }
  }

  bool TryEnd(size_t i, bool variable) {
    char close = variable ? '}' : '%';
    auto at = [&](size_t k, char a, char b) { return k + 1 < src_.size() && src_[k] == a && src_[k + 1] == b; };
    if (!variable && src_[i] == '+' && at(i + 1, '%', '}')) {
      Emit(Tok::kBlockEnd, "", i);
      SetPos(i + 3);
      return true;
    }
    if (src_[i] == '-' && at(i + 1, close, '}')) {
      Emit(variable ? Tok::kVarEnd : Tok::kBlockEnd, "", i);
      SetPos(SkipSpace(src_, i + 3));
      return true;
    }
    if (at(i, close, '}')) {
      Emit(variable ? Tok::kVarEnd : Tok::kBlockEnd, "", i);
      SetPos(variable ? i + 2 : EndAfter(i + 2, 0));
      return true;
    }
    return false;
  }

  size_t LexNumber(size_t i) {
    auto digits = [&](size_t k, auto pred) {  // (\d+_)*\d+ style run; returns end or k
      size_t j = k;
      while (j < src_.size() && (pred(src_[j]) || (src_[j] == '_' && j > k && j + 1 < src_.size() && pred(src_[j + 1])))) ++j;
      return j;
    };
    auto dec = [](char ch) { return ch >= '0' && ch <= '9'; };
    size_t j = digits(i, dec);
    size_t end = j;
    bool is_float = false;
    if (end + 1 < src_.size() && src_[end] == '.' && dec(src_[end + 1])) {
      end = digits(end + 1, dec);
      is_float = true;
    }
    if (end < src_.size() && (src_[end] == 'e' || src_[end] == 'E')) {
      size_t k = end + 1;
      if (k < src_.size() && (src_[k] == '+' || src_[k] == '-')) ++k;
      if (k < src_.size() && dec(src_[k])) {
        end = digits(k, dec);
        is_float = true;
      }
    }
    if (is_float) {
      std::string text;
      for (size_t k = i; k < end; ++k) {
        if (src_[k] != '_') text.push_back(src_[k]);
      }
      Token t;
      t.type = Tok::kFloat;
      t.text = text;
      t.float_value = std::strtod(text.c_str(), nullptr);
      t.pos = i;
      tokens_.push_back(std::move(t));
      return end;
    }
    int base = 10;
    size_t start = i;
    if (src_[i] == '0' && i + 1 < src_.size() && std::strchr("xXoObB", src_[i + 1]) != nullptr) {
      char p = static_cast<char>(std::tolower(static_cast<unsigned char>(src_[i + 1])));
      int b = p == 'x' ? 16 : p == 'o' ? 8 : 2;
      auto is_digit = [b](char ch) {
        return b == 16 ? std::isxdigit(static_cast<unsigned char>(ch)) != 0 : ch >= '0' && ch < '0' + b;
      };
      size_t k = i + 2;
      if (k < src_.size() && src_[k] == '_') ++k;
      size_t e = digits(k, is_digit);
      if (e > k) {
        base = b;
        start = k;
        end = e;
      } else {
        end = i + 1;  // just "0"; the letter then lexes as a name
      }
    } else if (src_[i] == '0') {
      end = i + 1;  // "0(_?0)*"
      while (end < src_.size() && (src_[end] == '0' || (src_[end] == '_' && end + 1 < src_.size() && src_[end + 1] == '0'))) ++end;
    }
    unsigned __int128 value = 0;
    for (size_t k = start; k < end; ++k) {
      if (src_[k] == '_') continue;
      int d = std::isdigit(static_cast<unsigned char>(src_[k])) ? src_[k] - '0' : std::tolower(static_cast<unsigned char>(src_[k])) - 'a' + 10;
      value = value * base + d;
      if (value > static_cast<unsigned __int128>(INT64_MAX)) Fail(i, "integer literal too large (faq supports 64-bit integers)");
    }
    Token t;
    t.type = Tok::kInt;
    t.text = std::string(src_.substr(i, end - i));
    t.int_value = static_cast<int64_t>(value);
    t.pos = i;
    tokens_.push_back(std::move(t));
    return end;
  }

  size_t LexString(size_t i) {
    char quote = src_[i];
    size_t j = i + 1;
    while (j < src_.size() && src_[j] != quote) j += src_[j] == '\\' ? 2 : 1;
    if (j >= src_.size()) Fail(i, fmt::format("unexpected char {} at {}", StringRepr(std::string(1, quote)), i));
    Token t;
    t.type = Tok::kString;
    try {
      t.text = UnescapeStringLiteral(src_.substr(i + 1, j - i - 1));
    } catch (const Error& e) {
      Fail(i, e.what());
    }
    t.pos = i;
    tokens_.push_back(std::move(t));
    return j + 1;
  }

  size_t LexOperator(size_t i, std::vector<char>& balance) {
    static constexpr std::string_view kTwo[] = {"//", "**", "==", "!=", ">=", "<="};
    std::string op;
    for (auto two : kTwo) {
      if (src_.substr(i, 2) == two) op = std::string(two);
    }
    if (op.empty()) {
      if (std::string_view("+-/*%~[](){}><=.:|,;").find(src_[i]) == std::string_view::npos) {
        std::u32string cp = DecodeUtf8(src_.substr(i, 4));
        Fail(i, fmt::format("unexpected char {} at {}", StringRepr(EncodeUtf8(cp.substr(0, 1))), i));
      }
      op = std::string(1, src_[i]);
    }
    char c = op[0];
    if (op.size() == 1 && (c == '(' || c == '[' || c == '{')) {
      balance.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
    } else if (op.size() == 1 && (c == ')' || c == ']' || c == '}')) {
      if (balance.empty()) Fail(i, fmt::format("unexpected '{}'", c));
      if (balance.back() != c) Fail(i, fmt::format("unexpected '{}', expected '{}'", c, balance.back()));
      balance.pop_back();
    }
    Emit(Tok::kOp, op, i);
    return i + op.size();
  }

  std::string_view src_;
  const SourceMap& map_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  bool line_starting_ = true;
};

}  // namespace

std::vector<Token> Tokenize(std::string_view source, const SourceMap& map) { return Lexer(source, map).Run(); }
}  // namespace faq::tmpl
