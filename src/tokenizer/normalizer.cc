#include "normalizer.h"

#include <vector>

#include "pattern.h"
#include "unicode.h"

namespace faq::tok {
namespace {

class UnicodeNormalizer : public Normalizer {
 public:
  explicit UnicodeNormalizer(NormalForm form) : form_(form) {}
  void Normalize(std::string& text) const override { text = tok::Normalize(text, form_); }

 private:
  NormalForm form_;
};

class LowercaseNormalizer : public Normalizer {
 public:
  void Normalize(std::string& text) const override { text = Lowercase(text); }
};

class ReplaceNormalizer : public Normalizer {
 public:
  ReplaceNormalizer(std::unique_ptr<Pattern> pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void Normalize(std::string& text) const override { text = ReplaceAll(*pattern_, text, content_); }

 private:
  std::unique_ptr<Pattern> pattern_;
  std::string content_;
};

class PrependNormalizer : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
  void Normalize(std::string& text) const override {
    if (!text.empty()) text.insert(0, prefix_);
  }

 private:
  std::string prefix_;
};

class StripNormalizer : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  void Normalize(std::string& text) const override {
    size_t begin = 0, end = text.size();
    if (left_) {
      size_t pos = 0;
      char32_t cp;
      while (pos < end && NextCodePoint(text, pos, cp) && IsWhiteSpace(cp)) begin = pos;
    }
    if (right_) {
      size_t pos = begin, run_start = end;
      char32_t cp;
      while (pos < end) {
        size_t at = pos;
        if (!NextCodePoint(text, pos, cp)) break;
        if (!IsWhiteSpace(cp)) {
          run_start = end;
        } else if (run_start == end) {
          run_start = at;
        }
      }
      end = run_start;
    }
    text = text.substr(begin, end - begin);
  }

 private:
  bool left_, right_;
};

class StripAccentsNormalizer : public Normalizer {
 public:
  void Normalize(std::string& text) const override {
    std::string out;
    size_t pos = 0, prev = 0;
    char32_t cp;
    while (pos < text.size() && NextCodePoint(text, pos, cp)) {
      if (!IsMark(cp)) out.append(text, prev, pos - prev);
      prev = pos;
    }
    text = std::move(out);
  }
};

class SequenceNormalizer : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> parts) : parts_(std::move(parts)) {}
  void Normalize(std::string& text) const override {
    for (const auto& p : parts_) p->Normalize(text);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> parts_;
};

}  // namespace

std::unique_ptr<Normalizer> ParseNormalizer(const Field& field) {
  if (field.value().is_null()) return nullptr;
  std::string type = field["type"].String();
  if (type == "NFC") return std::make_unique<UnicodeNormalizer>(NormalForm::kNfc);
  if (type == "NFD") return std::make_unique<UnicodeNormalizer>(NormalForm::kNfd);
  if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(NormalForm::kNfkc);
  if (type == "NFKD") return std::make_unique<UnicodeNormalizer>(NormalForm::kNfkd);
  if (type == "Lowercase") return std::make_unique<LowercaseNormalizer>();
  if (type == "StripAccents") return std::make_unique<StripAccentsNormalizer>();
  if (type == "Strip") {
    return std::make_unique<StripNormalizer>(field.BoolOr("strip_left", true), field.BoolOr("strip_right", true));
  }
  if (type == "Prepend") return std::make_unique<PrependNormalizer>(field["prepend"].String());
  if (type == "Replace") {
    return std::make_unique<ReplaceNormalizer>(ParsePattern(field["pattern"]), field["content"].String());
  }
  if (type == "Sequence") {
    Field list = field["normalizers"];
    std::vector<std::unique_ptr<Normalizer>> parts;
    for (size_t i = 0; i < list.Array().size(); ++i) {
      if (auto n = ParseNormalizer(list[i])) parts.push_back(std::move(n));
    }
    return std::make_unique<SequenceNormalizer>(std::move(parts));
  }
  field["type"].Throw("unsupported normalizer type '" + type + "'");
}

}  // namespace faq::tok
