#include "hf_tokenizer.h"

#include <fstream>
#include <sstream>

#include "faq/io/json.h"
#include "faq/util/atomic_file.h"
#include "unicode.h"

namespace faq::tok {
namespace {

Field Child(const Field& root, const char* key) {
  static const Json kNull;
  if (auto f = root.Get(key)) return *f;
  return Field(kNull, root.file(), key);
}

}  // namespace

HfTokenizer::HfTokenizer(const Json& json, const std::string& file, TokenizerConfig config)
    : config_(std::move(config)) {
  Field root(json, file);
  root.Object();
  Field model = root["model"];
  std::string type = model.Has("type") ? model["type"].String() : "BPE";
  if (type != "BPE") model["type"].Throw("unsupported model type '" + type + "' (only BPE is supported)");
  model_ = std::make_unique<BpeModel>(model);
  normalizer_ = ParseNormalizer(Child(root, "normalizer"));
  pre_tokenizer_ = ParsePreTokenizer(Child(root, "pre_tokenizer"));
  post_processor_ = ParsePostProcessor(Child(root, "post_processor"));
  decoder_ = ParseDecoder(Child(root, "decoder"));
  added_ = std::make_unique<AddedVocabulary>(Child(root, "added_tokens"), normalizer_.get());
  vocab_size_ = model_->Size();
  for (const AddedToken& t : added_->tokens()) vocab_size_ = std::max(vocab_size_, t.id + 1);
}

void HfTokenizer::EncodeSegment(const Segment& segment, std::vector<int32_t>& ids) const {
  std::vector<Piece> pieces{Piece{segment.text, segment.at_start}};
  if (pre_tokenizer_) pre_tokenizer_->PreTokenize(pieces);
  for (const Piece& p : pieces) model_->Tokenize(p.text, ids);
}

std::vector<int32_t> HfTokenizer::Encode(std::string_view text, bool add_special_tokens) const {
  if (size_t bad = FindInvalidUtf8(text); bad != std::string_view::npos) {
    Fail("cannot tokenize: the text is not valid UTF-8 (byte {} of {})", bad, text.size());
  }
  std::vector<int32_t> ids;
  std::vector<Segment> raw, normalized;
  added_->SplitRaw(text, raw);
  for (Segment& segment : raw) {
    if (segment.token_id >= 0) {
      ids.push_back(segment.token_id);
      continue;
    }
    if (normalizer_) normalizer_->Normalize(segment.text);
    normalized.clear();
    added_->SplitNormalized(segment, normalized);
    for (const Segment& s : normalized) {
      if (s.token_id >= 0) {
        ids.push_back(s.token_id);
      } else {
        EncodeSegment(s, ids);
      }
    }
  }
  if (add_special_tokens && post_processor_) post_processor_->Process(ids);
  return ids;
}

std::string HfTokenizer::Decode(std::span<const int32_t> ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) {
    if (id < 0 || id >= vocab_size_) Fail("cannot decode id {}: the vocabulary has ids 0..{}", id, vocab_size_ - 1);
    if (const AddedToken* t = added_->ById(id)) {
      if (!(skip_special_tokens && t->special)) tokens.push_back(t->content);
    } else if (const std::string* token = model_->IdToToken(id)) {
      tokens.push_back(*token);
    }
  }
  if (!decoder_) {
    std::string joined;
    for (size_t i = 0; i < tokens.size(); ++i) joined += (i ? " " : "") + tokens[i];
    return joined;
  }
  decoder_->DecodeChain(tokens);
  std::string text;
  for (const auto& t : tokens) text += t;
  return text;
}

std::optional<int32_t> HfTokenizer::TokenToId(std::string_view token) const {
  if (const AddedToken* t = added_->ByContent(token)) return t->id;
  return model_->TokenToId(token);
}

std::string HfTokenizer::IdToToken(int32_t id) const {
  if (const AddedToken* t = added_->ById(id)) return t->content;
  const std::string* token = model_->IdToToken(id);
  return token ? *token : std::string();
}

bool HfTokenizer::IsSpecial(int32_t id) const {
  const AddedToken* t = added_->ById(id);
  return t && t->special;
}

}  // namespace faq::tok

namespace faq {

std::unique_ptr<Tokenizer> LoadHfTokenizer(const std::filesystem::path& tokenizer_json, TokenizerConfig config) {
  nlohmann::json json = ParseJson(ReadFile(tokenizer_json), tokenizer_json.string());
  return std::make_unique<tok::HfTokenizer>(json, tokenizer_json.string(), std::move(config));
}

}  // namespace faq
