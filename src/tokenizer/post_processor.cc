#include "post_processor.h"

namespace faq::tok {
namespace {

// Ids before and after the sequence: covers TemplateProcessing (single), Roberta, Bert.
class WrapProcessor : public PostProcessor {
 public:
  WrapProcessor(std::vector<int32_t> before, std::vector<int32_t> after)
      : before_(std::move(before)), after_(std::move(after)) {}
  void Process(std::vector<int32_t>& ids) const override {
    ids.insert(ids.begin(), before_.begin(), before_.end());
    ids.insert(ids.end(), after_.begin(), after_.end());
  }

 private:
  std::vector<int32_t> before_, after_;
};

// ByteLevel only trims offsets, which faq does not report.
class NoopProcessor : public PostProcessor {
 public:
  void Process(std::vector<int32_t>&) const override {}
};

class SequenceProcessor : public PostProcessor {
 public:
  explicit SequenceProcessor(std::vector<std::unique_ptr<PostProcessor>> parts) : parts_(std::move(parts)) {}
  void Process(std::vector<int32_t>& ids) const override {
    for (const auto& p : parts_) p->Process(ids);
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> parts_;
};

std::unique_ptr<PostProcessor> MakeTemplate(const Field& field) {
  Field single = field["single"];
  Field specials = field["special_tokens"];
  std::vector<int32_t> before, after;
  bool seen_sequence = false;
  for (size_t i = 0; i < single.Array().size(); ++i) {
    Field item = single[i];
    if (item.Has("Sequence")) {
      if (seen_sequence) item.Throw("more than one Sequence in a single-sequence template");
      seen_sequence = true;
      continue;
    }
    if (!item.Has("SpecialToken")) item.Throw("expected {\"Sequence\": ...} or {\"SpecialToken\": ...}");
    std::string name = item["SpecialToken"]["id"].String();
    Field ids = specials[name]["ids"];
    for (size_t k = 0; k < ids.Array().size(); ++k) {
      (seen_sequence ? after : before).push_back(static_cast<int32_t>(ids[k].Int()));
    }
  }
  if (!seen_sequence) single.Throw("the template has no Sequence");
  return std::make_unique<WrapProcessor>(std::move(before), std::move(after));
}

}  // namespace

std::unique_ptr<PostProcessor> ParsePostProcessor(const Field& field) {
  if (field.value().is_null()) return nullptr;
  std::string type = field["type"].String();
  if (type == "ByteLevel") return std::make_unique<NoopProcessor>();
  if (type == "TemplateProcessing") return MakeTemplate(field);
  if (type == "RobertaProcessing" || type == "BertProcessing") {
    auto cls = static_cast<int32_t>(field["cls"][1].Int());
    auto sep = static_cast<int32_t>(field["sep"][1].Int());
    return std::make_unique<WrapProcessor>(std::vector<int32_t>{cls}, std::vector<int32_t>{sep});
  }
  if (type == "Sequence") {
    Field list = field["processors"];
    std::vector<std::unique_ptr<PostProcessor>> parts;
    for (size_t i = 0; i < list.Array().size(); ++i) {
      if (auto p = ParsePostProcessor(list[i])) parts.push_back(std::move(p));
    }
    return std::make_unique<SequenceProcessor>(std::move(parts));
  }
  field["type"].Throw("unsupported post_processor type '" + type + "'");
}

}  // namespace faq::tok
