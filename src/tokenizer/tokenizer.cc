// Tokenizer::Load: picks the implementation from the files present.
#include "faq/tokenizer/tokenizer.h"

#include "faq/util/error.h"

namespace faq {

std::unique_ptr<Tokenizer> Tokenizer::Load(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) Fail("tokenizer directory '{}' does not exist", dir.string());
  TokenizerConfig config = LoadTokenizerConfig(dir);
  if (std::filesystem::exists(dir / "tokenizer.json")) return LoadHfTokenizer(dir / "tokenizer.json", std::move(config));
  if (std::filesystem::exists(dir / "tokenizer.model")) {
    return LoadSentencePieceTokenizer(dir / "tokenizer.model", std::move(config));
  }
  Fail("'{}' has neither tokenizer.json nor tokenizer.model", dir.string());
}

}  // namespace faq
