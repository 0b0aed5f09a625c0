// ModelTextCodec: binds a model directory's tokenizer and chat template.
#include "cli/model_codec.h"

#include <memory>

#include "faq/template/chat_template.h"
#include "faq/tokenizer/tokenizer.h"
#include "faq/tokenizer/tokenizer_config.h"

namespace faq::cli {

TextCodec ModelTextCodec(const std::filesystem::path& model_dir) {
  TextCodec codec;
  if (!std::filesystem::exists(model_dir / "tokenizer.json") && !std::filesystem::exists(model_dir / "tokenizer.model")) {
    return codec;
  }
  std::shared_ptr<Tokenizer> tokenizer = Tokenizer::Load(model_dir);
  codec.encode = [tokenizer](std::string_view text) { return tokenizer->Encode(text, /*add_special_tokens=*/false); };
  const TokenizerConfig& config = tokenizer->Config();
  if (!config.chat_template.empty()) {
    auto chat = std::make_shared<ChatTemplate>(config.chat_template, (model_dir / "tokenizer_config.json").string());
    codec.render = [chat, config](const std::string& messages_json) {
      ChatTemplateInputs in;
      in.messages = nlohmann::ordered_json::parse(messages_json);
      in.bos_token = config.bos_token;
      in.eos_token = config.eos_token;
      in.pad_token = config.pad_token;
      in.unk_token = config.unk_token;
      return chat->Render(in);
    };
  }
  return codec;
}

}  // namespace faq::cli
