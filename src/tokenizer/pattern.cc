#define PCRE2_CODE_UNIT_WIDTH 8
#include "pattern.h"

#include <pcre2.h>

#include "faq/util/error.h"
#include "unicode.h"

namespace faq::tok {
namespace {

constexpr std::string_view kWhiteSpaceBody =
    "\\t\\n\\x0B\\f\\r\\x20\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}"
    "\\x{202F}\\x{205F}\\x{3000}";
// Oniguruma's and Rust's \w take marks; PCRE2 10.42's UCP \w does not.
constexpr std::string_view kWordBody = "\\p{L}\\p{M}\\p{Nd}\\p{Pc}";

class LiteralPattern : public Pattern {
 public:
  explicit LiteralPattern(std::string literal) : literal_(std::move(literal)) {}
  void FindAll(std::string_view text, std::vector<Span>& out) const override {
    if (literal_.empty()) return;
    size_t pos = 0;
    while ((pos = text.find(literal_, pos)) != std::string_view::npos) {
      out.emplace_back(pos, pos + literal_.size());
      pos += literal_.size();
    }
  }

 private:
  std::string literal_;
};

// Per-thread JIT stack: the default 32 KiB overflows on long runs like `\s+` over
// megabytes of spaces; a JIT stack cannot be shared between threads.
struct JitContext {
  pcre2_jit_stack* stack = nullptr;
  pcre2_match_context* context = nullptr;
  JitContext() {
    stack = pcre2_jit_stack_create(64 * 1024, 8 * 1024 * 1024, nullptr);
    context = pcre2_match_context_create(nullptr);
    if (stack && context) pcre2_jit_stack_assign(context, nullptr, stack);
  }
  ~JitContext() {
    if (context) pcre2_match_context_free(context);
    if (stack) pcre2_jit_stack_free(stack);
  }
};

class RegexPattern : public Pattern {
 public:
  RegexPattern(const std::string& regex, const Field& field) {
    std::string translated = TranslateOnigurumaPattern(regex);
    int error = 0;
    PCRE2_SIZE offset = 0;
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(),
                          PCRE2_UTF | PCRE2_UCP, &error, &offset, nullptr);
    if (!code_) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(error, message, sizeof(message));
      field.Throw(fmt::format("invalid regex /{}/ at offset {}: {}", regex, offset,
                              reinterpret_cast<const char*>(message)));
    }
    jit_ = pcre2_jit_compile(code_, PCRE2_JIT_COMPLETE) == 0;
  }
  ~RegexPattern() override { pcre2_code_free(code_); }

  void FindAll(std::string_view text, std::vector<Span>& out) const override {
    thread_local JitContext jit;
    std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> data(
        pcre2_match_data_create_from_pattern(code_, nullptr), &pcre2_match_data_free);
    auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    size_t start = 0;
    while (start <= text.size()) {
      int rc = pcre2_match(code_, subject, text.size(), start, PCRE2_NO_UTF_CHECK, data.get(),
                           jit_ ? jit.context : nullptr);
      if (rc == PCRE2_ERROR_NOMATCH) break;
      if (rc < 0) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(rc, message, sizeof(message));
        Fail("regex match failed: {}", reinterpret_cast<const char*>(message));
      }
      PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data.get());
      out.emplace_back(ov[0], ov[1]);
      if (ov[1] > ov[0]) {
        start = ov[1];
      } else {
        // An empty match: step over one character so the search progresses.
        if (ov[1] >= text.size()) break;
        start = ov[1] + Utf8Length(static_cast<unsigned char>(text[ov[1]]));
      }
    }
  }

 private:
  pcre2_code* code_ = nullptr;
  bool jit_ = false;
};

}  // namespace

std::string TranslateOnigurumaPattern(std::string_view p) {
  std::string out;
  out.reserve(p.size() + 64);
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      char e = p[i + 1];
      ++i;
      std::string_view body = e == 's' || e == 'S' ? kWhiteSpaceBody : kWordBody;
      if (e == 's' || e == 'w') {
        out += in_class ? std::string(body) : "[" + std::string(body) + "]";
      } else if ((e == 'S' || e == 'W') && !in_class) {
        out += "[^" + std::string(body) + "]";
      } else {
        out += '\\';
        out += e;
      }
      continue;
    }
    if (!in_class && c == '[') {
      in_class = true;
      out += c;
      if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
      if (i + 1 < p.size() && p[i + 1] == ']') out += p[++i];  // a leading ']' is literal
      continue;
    }
    if (in_class && c == '[' && i + 1 < p.size() && p[i + 1] == ':') {
      size_t end = p.find(":]", i + 2);
      if (end != std::string_view::npos) {
        out.append(p.substr(i, end + 2 - i));
        i = end + 1;
        continue;
      }
    }
    if (in_class && c == ']') in_class = false;
    out += c;
  }
  return out;
}

std::unique_ptr<Pattern> MakeLiteralPattern(std::string literal) {
  return std::make_unique<LiteralPattern>(std::move(literal));
}

std::unique_ptr<Pattern> MakeRegexPattern(const std::string& regex, const Field& field) {
  return std::make_unique<RegexPattern>(regex, field);
}

std::unique_ptr<Pattern> ParsePattern(const Field& field) {
  if (field.Has("String")) return MakeLiteralPattern(field["String"].String());
  if (field.Has("Regex")) return MakeRegexPattern(field["Regex"].String(), field["Regex"]);
  field.Throw("expected {\"String\": ...} or {\"Regex\": ...}");
}

std::string ReplaceAll(const Pattern& pattern, std::string_view text, std::string_view content) {
  std::vector<Span> spans;
  pattern.FindAll(text, spans);
  if (spans.empty()) return std::string(text);
  std::string out;
  size_t prev = 0;
  for (auto [b, e] : spans) {
    out.append(text.substr(prev, b - prev));
    out.append(content);
    prev = e;
  }
  out.append(text.substr(prev));
  return out;
}

}  // namespace faq::tok
