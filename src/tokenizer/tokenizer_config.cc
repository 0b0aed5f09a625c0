#include "faq/tokenizer/tokenizer_config.h"

#include <fstream>
#include <sstream>

#include "faq/io/json.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"
#include "json_field.h"

namespace faq {
namespace {

// A special token is a string, null, or an AddedToken object {"content": ...}.
std::optional<std::string> TokenField(const tok::Field& root, const char* key) {
  auto f = root.Get(key);
  if (!f) return std::nullopt;
  if (f->value().is_string()) return f->String();
  if (f->value().is_object()) return (*f)["content"].String();
  f->Throw("expected a string, null or an object with \"content\"");
}

std::string ChatTemplate(const tok::Field& root) {
  auto f = root.Get("chat_template");
  if (!f) return {};
  if (f->value().is_string()) return f->String();
  if (!f->value().is_array()) f->Throw("expected a string or a list of {\"name\", \"template\"}");
  for (size_t i = 0; i < f->value().size(); ++i) {
    tok::Field entry = (*f)[i];
    if (entry["name"].String() == "default") return entry["template"].String();
  }
  return {};
}

}  // namespace

TokenizerConfig ParseTokenizerConfig(const nlohmann::json& raw, const std::string& file) {
  tok::Field root(raw, file);
  root.Object();
  TokenizerConfig config;
  config.raw = raw;
  config.chat_template = ChatTemplate(root);
  config.bos_token = TokenField(root, "bos_token");
  config.eos_token = TokenField(root, "eos_token");
  config.pad_token = TokenField(root, "pad_token");
  config.unk_token = TokenField(root, "unk_token");
  config.add_bos_token = root.BoolOr("add_bos_token", false);
  config.add_eos_token = root.BoolOr("add_eos_token", false);
  if (auto f = root.Get("model_max_length")) {
    // transformers writes 1e30 ("unlimited") as a float.
    if (f->value().is_number_integer()) config.model_max_length = f->Int();
    else if (!f->value().is_number()) f->Throw("expected a number");
  }
  return config;
}

TokenizerConfig LoadTokenizerConfig(const std::filesystem::path& dir) {
  TokenizerConfig config;
  config.raw = nlohmann::json::object();
  std::filesystem::path file = dir / "tokenizer_config.json";
  if (std::filesystem::exists(file)) {
    config = ParseTokenizerConfig(ParseJson(ReadFile(file), file.string()), file.string());
  }
  std::filesystem::path jinja = dir / "chat_template.jinja";
  if (std::filesystem::exists(jinja)) config.chat_template = ReadFile(jinja);
  return config;
}

}  // namespace faq
