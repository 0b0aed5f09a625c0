#include "pre_tokenizer.h"

#include "byte_level.h"
#include "unicode.h"

namespace faq::tok {
namespace {

// GPT-2's pattern, used by ByteLevel when use_regex is true.
constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

SplitBehavior ParseBehavior(const Field& field) {
  std::string b = field.String();
  if (b == "Removed") return SplitBehavior::kRemoved;
  if (b == "Isolated") return SplitBehavior::kIsolated;
  if (b == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (b == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (b == "Contiguous") return SplitBehavior::kContiguous;
  field.Throw("unknown split behavior '" + b + "'");
}

// Pieces are replaced by their splits, one input piece at a time.
template <typename MatchFn>
void SplitAll(std::vector<Piece>& pieces, SplitBehavior behavior, MatchFn&& match) {
  std::vector<Piece> out;
  out.reserve(pieces.size() * 4);
  for (const Piece& p : pieces) SplitPiece(p, match(p.text), behavior, out);
  pieces = std::move(out);
}

// Each character satisfying `pred` is its own match (HF's `Fn(char) -> bool` pattern).
template <typename Pred>
Matches CharMatches(const std::string& text, Pred&& pred) {
  std::vector<Span> spans;
  size_t pos = 0;
  char32_t cp;
  while (pos < text.size()) {
    size_t at = pos;
    if (!NextCodePoint(text, pos, cp)) pos = at + 1, cp = 0xFFFD;
    if (pred(cp)) spans.emplace_back(at, pos);
  }
  return CoverWithMatches(spans, text.size(), false);
}

class SplitPreTokenizer : public PreTokenizer {
 public:
  SplitPreTokenizer(std::unique_ptr<Pattern> pattern, SplitBehavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}
  void PreTokenize(std::vector<Piece>& pieces) const override {
    std::vector<Span> spans;
    SplitAll(pieces, behavior_, [&](const std::string& text) {
      spans.clear();
      pattern_->FindAll(text, spans);
      return CoverWithMatches(spans, text.size(), invert_);
    });
  }

 private:
  std::unique_ptr<Pattern> pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

class ByteLevelPreTokenizer : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex, const Field& field)
      : add_prefix_space_(add_prefix_space),
        regex_(use_regex ? MakeRegexPattern(kGpt2Pattern, field) : nullptr) {}
  void PreTokenize(std::vector<Piece>& pieces) const override {
    if (add_prefix_space_) {
      for (Piece& p : pieces) {
        if (p.text.empty() || p.text[0] != ' ') p.text.insert(p.text.begin(), ' ');
      }
    }
    if (regex_) {
      std::vector<Span> spans;
      SplitAll(pieces, SplitBehavior::kIsolated, [&](const std::string& text) {
        spans.clear();
        regex_->FindAll(text, spans);
        return CoverWithMatches(spans, text.size(), false);
      });
    }
    std::string mapped;
    for (Piece& p : pieces) {
      mapped.clear();
      ByteLevelEncode(p.text, mapped);
      p.text.swap(mapped);
    }
  }

 private:
  bool add_prefix_space_;
  std::unique_ptr<Pattern> regex_;
};

class DigitsPreTokenizer : public PreTokenizer {
 public:
  explicit DigitsPreTokenizer(bool individual) : individual_(individual) {}
  void PreTokenize(std::vector<Piece>& pieces) const override {
    SplitAll(pieces, individual_ ? SplitBehavior::kIsolated : SplitBehavior::kContiguous,
             [](const std::string& text) { return CharMatches(text, IsNumeric); });
  }

 private:
  bool individual_;
};

class PunctuationPreTokenizer : public PreTokenizer {
 public:
  explicit PunctuationPreTokenizer(SplitBehavior behavior) : behavior_(behavior) {}
  void PreTokenize(std::vector<Piece>& pieces) const override {
    SplitAll(pieces, behavior_, [](const std::string& text) { return CharMatches(text, IsPunctuation); });
  }

 private:
  SplitBehavior behavior_;
};

class WhitespaceSplitPreTokenizer : public PreTokenizer {
 public:
  void PreTokenize(std::vector<Piece>& pieces) const override {
    SplitAll(pieces, SplitBehavior::kRemoved, [](const std::string& text) { return CharMatches(text, IsWhiteSpace); });
  }
};

class MetaspacePreTokenizer : public PreTokenizer {
 public:
  enum class Prepend { kAlways, kFirst, kNever };
  MetaspacePreTokenizer(std::string replacement, Prepend prepend, bool split)
      : replacement_(std::move(replacement)), prepend_(prepend), split_(split) {}
  void PreTokenize(std::vector<Piece>& pieces) const override {
    for (Piece& p : pieces) {
      p.text = ReplaceAll(*MakeLiteralPattern(" "), p.text, replacement_);
      bool starts = p.text.compare(0, replacement_.size(), replacement_) == 0;
      if (!starts && (prepend_ == Prepend::kAlways || (prepend_ == Prepend::kFirst && p.at_start))) {
        p.text.insert(0, replacement_);
      }
    }
    if (split_) {
      auto literal = MakeLiteralPattern(replacement_);
      std::vector<Span> spans;
      SplitAll(pieces, SplitBehavior::kMergedWithNext, [&](const std::string& text) {
        spans.clear();
        literal->FindAll(text, spans);
        return CoverWithMatches(spans, text.size(), false);
      });
    }
  }

 private:
  std::string replacement_;
  Prepend prepend_;
  bool split_;
};

class SequencePreTokenizer : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> parts) : parts_(std::move(parts)) {}
  void PreTokenize(std::vector<Piece>& pieces) const override {
    for (const auto& p : parts_) p->PreTokenize(pieces);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

std::unique_ptr<PreTokenizer> MakeMetaspace(const Field& field) {
  std::string replacement = field.StringOr("replacement", "\xE2\x96\x81");
  auto prepend = MetaspacePreTokenizer::Prepend::kAlways;
  if (auto scheme = field.Get("prepend_scheme")) {
    std::string s = scheme->String();
    if (s == "always") prepend = MetaspacePreTokenizer::Prepend::kAlways;
    else if (s == "first") prepend = MetaspacePreTokenizer::Prepend::kFirst;
    else if (s == "never") prepend = MetaspacePreTokenizer::Prepend::kNever;
    else scheme->Throw("unknown prepend_scheme '" + s + "'");
  } else if (!field.BoolOr("add_prefix_space", true)) {
    prepend = MetaspacePreTokenizer::Prepend::kNever;
  }
  return std::make_unique<MetaspacePreTokenizer>(replacement, prepend, field.BoolOr("split", true));
}

}  // namespace

std::unique_ptr<PreTokenizer> ParsePreTokenizer(const Field& field) {
  if (field.value().is_null()) return nullptr;
  std::string type = field["type"].String();
  if (type == "Split") {
    return std::make_unique<SplitPreTokenizer>(ParsePattern(field["pattern"]), ParseBehavior(field["behavior"]),
                                               field.BoolOr("invert", false));
  }
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevelPreTokenizer>(field.BoolOr("add_prefix_space", true),
                                                   field.BoolOr("use_regex", true), field);
  }
  if (type == "Digits") return std::make_unique<DigitsPreTokenizer>(field.BoolOr("individual_digits", false));
  if (type == "Metaspace") return MakeMetaspace(field);
  if (type == "Whitespace") {
    return std::make_unique<SplitPreTokenizer>(MakeRegexPattern(R"(\w+|[^\w\s]+)", field), SplitBehavior::kRemoved,
                                               /*invert=*/true);
  }
  if (type == "WhitespaceSplit") return std::make_unique<WhitespaceSplitPreTokenizer>();
  if (type == "Punctuation") {
    auto behavior = field.Has("behavior") ? ParseBehavior(field["behavior"]) : SplitBehavior::kIsolated;
    return std::make_unique<PunctuationPreTokenizer>(behavior);
  }
  if (type == "BertPreTokenizer") {
    std::vector<std::unique_ptr<PreTokenizer>> parts;
    parts.push_back(std::make_unique<WhitespaceSplitPreTokenizer>());
    parts.push_back(std::make_unique<PunctuationPreTokenizer>(SplitBehavior::kIsolated));
    return std::make_unique<SequencePreTokenizer>(std::move(parts));
  }
  if (type == "Sequence") {
    Field list = field["pretokenizers"];
    std::vector<std::unique_ptr<PreTokenizer>> parts;
    for (size_t i = 0; i < list.Array().size(); ++i) {
      if (auto p = ParsePreTokenizer(list[i])) parts.push_back(std::move(p));
    }
    return std::make_unique<SequencePreTokenizer>(std::move(parts));
  }
  field["type"].Throw("unsupported pre_tokenizer type '" + type + "'");
}

}  // namespace faq::tok
