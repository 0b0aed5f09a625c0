#include "decoder.h"

#include "byte_level.h"
#include "pattern.h"
#include "unicode.h"

namespace faq::tok {
namespace {

constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

// Rust's String::from_utf8_lossy: each maximal invalid subpart becomes one U+FFFD.
std::string Utf8Lossy(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      out += static_cast<char>(b);
      ++i;
      continue;
    }
    size_t need = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) need = 1;
    else if (b == 0xE0) need = 2, lo = 0xA0;
    else if (b == 0xED) need = 2, hi = 0x9F;
    else if (b >= 0xE1 && b <= 0xEF) need = 2;
    else if (b == 0xF0) need = 3, lo = 0x90;
    else if (b == 0xF4) need = 3, hi = 0x8F;
    else if (b >= 0xF1 && b <= 0xF3) need = 3;
    if (need == 0) {
      out += kReplacementChar;
      ++i;
      continue;
    }
    size_t j = i + 1, got = 0;
    while (got < need && j < s.size()) {
      auto c = static_cast<unsigned char>(s[j]);
      bool ok = got == 0 ? (c >= lo && c <= hi) : (c >= 0x80 && c <= 0xBF);
      if (!ok) break;
      ++j, ++got;
    }
    if (got == need) out.append(s.substr(i, j - i));
    else out += kReplacementChar;
    i = j;
  }
  return out;
}

class ByteLevelDecoder : public Decoder {
 public:
  void DecodeChain(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const std::string& t : tokens) {
      size_t mark = bytes.size(), pos = 0;
      char32_t cp;
      bool all_mapped = true;
      while (pos < t.size()) {
        std::optional<uint8_t> b;
        if (!NextCodePoint(t, pos, cp) || !(b = UnicodeToByte(cp))) {
          all_mapped = false;
          break;
        }
        bytes += static_cast<char>(*b);
      }
      // A token with any character outside the table (an added token) passes through raw.
      if (!all_mapped) {
        bytes.resize(mark);
        bytes += t;
      }
    }
    tokens.assign(1, Utf8Lossy(bytes));
  }
};

class MetaspaceDecoder : public Decoder {
 public:
  MetaspaceDecoder(std::string replacement, bool strip_first)
      : replacement_(std::move(replacement)), strip_first_(strip_first) {}
  void DecodeChain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      // HF drops every replacement character of the first token, not only a leading one.
      tokens[i] = ReplaceAll(*MakeLiteralPattern(replacement_), tokens[i], i == 0 && strip_first_ ? "" : " ");
    }
  }

 private:
  std::string replacement_;
  bool strip_first_;
};

class ReplaceDecoder : public Decoder {
 public:
  ReplaceDecoder(std::unique_ptr<Pattern> pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void DecodeChain(std::vector<std::string>& tokens) const override {
    for (std::string& t : tokens) t = ReplaceAll(*pattern_, t, content_);
  }

 private:
  std::unique_ptr<Pattern> pattern_;
  std::string content_;
};

class ByteFallbackDecoder : public Decoder {
 public:
  void DecodeChain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    std::string pending;
    size_t pending_count = 0;
    auto flush = [&] {
      if (pending_count == 0) return;
      if (FindInvalidUtf8(pending) == std::string::npos) {
        out.push_back(pending);
      } else {
        for (size_t k = 0; k < pending_count; ++k) out.emplace_back(kReplacementChar);
      }
      pending.clear();
      pending_count = 0;
    };
    for (std::string& t : tokens) {
      if (t.size() == 6 && t.starts_with("<0x") && t.back() == '>' && std::isxdigit(static_cast<unsigned char>(t[3])) &&
          std::isxdigit(static_cast<unsigned char>(t[4]))) {
        pending += static_cast<char>(std::stoi(t.substr(3, 2), nullptr, 16));
        ++pending_count;
        continue;
      }
      flush();
      out.push_back(std::move(t));
    }
    flush();
    tokens = std::move(out);
  }
};

class FuseDecoder : public Decoder {
 public:
  void DecodeChain(std::vector<std::string>& tokens) const override {
    std::string all;
    for (const auto& t : tokens) all += t;
    tokens.assign(1, std::move(all));
  }
};

class StripDecoder : public Decoder {
 public:
  StripDecoder(char32_t content, size_t start, size_t stop) : content_(content), start_(start), stop_(stop) {}
  void DecodeChain(std::vector<std::string>& tokens) const override {
    for (std::string& t : tokens) {
      std::vector<std::pair<size_t, char32_t>> chars;  // (byte offset, code point)
      size_t pos = 0;
      char32_t cp;
      while (pos < t.size()) {
        size_t at = pos;
        if (!NextCodePoint(t, pos, cp)) pos = at + 1, cp = 0xFFFD;
        chars.emplace_back(at, cp);
      }
      size_t begin = 0, end = chars.size();
      while (begin < std::min(start_, chars.size()) && chars[begin].second == content_) ++begin;
      for (size_t k = 0; k < stop_ && end > begin && chars[end - 1].second == content_; ++k) --end;
      size_t b = begin < chars.size() ? chars[begin].first : t.size();
      size_t e = end < chars.size() ? chars[end].first : t.size();
      t = t.substr(b, e - b);
    }
  }

 private:
  char32_t content_;
  size_t start_, stop_;
};

class BpeSuffixDecoder : public Decoder {
 public:
  explicit BpeSuffixDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  void DecodeChain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      tokens[i] = ReplaceAll(*MakeLiteralPattern(suffix_), tokens[i], i + 1 == tokens.size() ? "" : " ");
    }
  }

 private:
  std::string suffix_;
};

class SequenceDecoder : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> parts) : parts_(std::move(parts)) {}
  void DecodeChain(std::vector<std::string>& tokens) const override {
    for (const auto& p : parts_) p->DecodeChain(tokens);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> parts_;
};

}  // namespace

std::unique_ptr<Decoder> ParseDecoder(const Field& field) {
  if (field.value().is_null()) return nullptr;
  std::string type = field["type"].String();
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "Metaspace") {
    bool strip_first = field.BoolOr("add_prefix_space", true);
    if (auto scheme = field.Get("prepend_scheme")) strip_first = scheme->String() != "never";
    return std::make_unique<MetaspaceDecoder>(field.StringOr("replacement", "\xE2\x96\x81"), strip_first);
  }
  if (type == "Replace") {
    return std::make_unique<ReplaceDecoder>(ParsePattern(field["pattern"]), field["content"].String());
  }
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip") {
    std::string content = field["content"].String();
    size_t pos = 0;
    char32_t cp = 0;
    if (!NextCodePoint(content, pos, cp) || pos != content.size()) field["content"].Throw("expected one character");
    auto count = [&](const char* key) {
      int64_t n = field[key].Int();
      if (n < 0) field[key].Throw("expected a non-negative count");
      return static_cast<size_t>(n);
    };
    return std::make_unique<StripDecoder>(cp, count("start"), count("stop"));
  }
  if (type == "BPEDecoder") return std::make_unique<BpeSuffixDecoder>(field.StringOr("suffix", "</w>"));
  if (type == "Sequence") {
    Field list = field["decoders"];
    std::vector<std::unique_ptr<Decoder>> parts;
    for (size_t i = 0; i < list.Array().size(); ++i) {
      if (auto d = ParseDecoder(list[i])) parts.push_back(std::move(d));
    }
    return std::make_unique<SequenceDecoder>(std::move(parts));
  }
  field["type"].Throw("unsupported decoder type '" + type + "'");
}

}  // namespace faq::tok
