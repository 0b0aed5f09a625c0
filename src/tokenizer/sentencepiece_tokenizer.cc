// tokenizer.model (Llama-2/Mistral style) through libsentencepiece.
#include <sentencepiece_processor.h>

#include "faq/tokenizer/tokenizer.h"
#include "faq/util/error.h"

namespace faq {
namespace {

class SentencePieceTokenizer : public Tokenizer {
 public:
  SentencePieceTokenizer(const std::filesystem::path& file, TokenizerConfig config) : config_(std::move(config)) {
    auto status = sp_.Load(file.string());
    if (!status.ok()) Fail("{}: cannot load the SentencePiece model: {}", file.string(), status.ToString());
    // transformers' LlamaTokenizer adds BOS unless the config says otherwise.
    add_bos_ = config_.raw.contains("add_bos_token") ? config_.add_bos_token : true;
    add_eos_ = config_.add_eos_token;
  }

  std::vector<int32_t> Encode(std::string_view text, bool add_special_tokens) const override {
    std::vector<int> pieces;
    auto status = sp_.Encode(text, &pieces);
    if (!status.ok()) Fail("SentencePiece encode failed: {}", status.ToString());
    std::vector<int32_t> ids;
    ids.reserve(pieces.size() + 2);
    if (add_special_tokens && add_bos_ && sp_.bos_id() >= 0) ids.push_back(sp_.bos_id());
    ids.insert(ids.end(), pieces.begin(), pieces.end());
    if (add_special_tokens && add_eos_ && sp_.eos_id() >= 0) ids.push_back(sp_.eos_id());
    return ids;
  }

  std::string Decode(std::span<const int32_t> ids, bool skip_special_tokens) const override {
    // libsentencepiece drops control pieces; transformers keeps their text unless skipping.
    std::string text;
    std::vector<int> run;
    auto flush = [&] {
      if (run.empty()) return;
      std::string piece_text;
      auto status = sp_.Decode(run, &piece_text);
      if (!status.ok()) Fail("SentencePiece decode failed: {}", status.ToString());
      text += piece_text;
      run.clear();
    };
    for (int32_t id : ids) {
      if (id < 0 || id >= VocabSize()) Fail("cannot decode id {}: the vocabulary has ids 0..{}", id, VocabSize() - 1);
      if (sp_.IsControl(id)) {
        flush();
        if (!skip_special_tokens) text += sp_.IdToPiece(id);
        continue;
      }
      run.push_back(id);
    }
    flush();
    return text;
  }

  int32_t VocabSize() const override { return sp_.GetPieceSize(); }
  std::optional<int32_t> TokenToId(std::string_view token) const override {
    int id = sp_.PieceToId(token);
    if (id < 0 || sp_.IdToPiece(id) != token) return std::nullopt;
    return id;
  }
  std::string IdToToken(int32_t id) const override {
    if (id < 0 || id >= VocabSize()) return {};
    return sp_.IdToPiece(id);
  }
  const TokenizerConfig& Config() const override { return config_; }
  bool IsSpecial(int32_t id) const override { return id >= 0 && id < VocabSize() && sp_.IsControl(id); }

 private:
  sentencepiece::SentencePieceProcessor sp_;
  TokenizerConfig config_;
  bool add_bos_ = true, add_eos_ = false;
};

}  // namespace

std::unique_ptr<Tokenizer> LoadSentencePieceTokenizer(const std::filesystem::path& model_file,
                                                      TokenizerConfig config) {
  return std::make_unique<SentencePieceTokenizer>(model_file, std::move(config));
}

}  // namespace faq
