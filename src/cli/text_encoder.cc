// ModelTextEncoder: binds a model directory's tokenizer, when faq was built with one.
#include "cli/text_encoder.h"

#ifdef FAQ_HAVE_TOKENIZER
#include <memory>

#include "faq/tokenizer/tokenizer.h"
#endif

namespace faq::cli {

TextEncoder ModelTextEncoder(const std::filesystem::path& model_dir) {
#ifdef FAQ_HAVE_TOKENIZER
  if (std::filesystem::exists(model_dir / "tokenizer.json") || std::filesystem::exists(model_dir / "tokenizer.model")) {
    std::shared_ptr<Tokenizer> tokenizer = Tokenizer::Load(model_dir);
    return [tokenizer](std::string_view text) { return tokenizer->Encode(text, /*add_special_tokens=*/false); };
  }
#endif
  return {};
}

}  // namespace faq::cli
