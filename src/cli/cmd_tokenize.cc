// faq tokenize / faq detokenize: text <-> token ids with a model's tokenizer, one JSON line
// per input record.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "faq/io/jsonl.h"
#include "faq/tokenizer/tokenizer.h"
#include "faq/util/error.h"

namespace faq::cli {
namespace {

struct TokenizeParams {
  std::string tokenizer;
  std::optional<std::string> text;
  std::optional<std::string> ids;
  std::string file;
  std::string field;
  bool special = false;  // add (tokenize) or skip (detokenize) special tokens
};

void PrintLine(const Json& line) {
  std::cout << line.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
}

void RequireOneSource(bool has_inline, const std::string& file, const char* inline_flag) {
  if (has_inline && !file.empty()) throw UsageError(fmt::format("give either {} or --file, not both", inline_flag));
  if (!has_inline && file.empty()) throw UsageError(fmt::format("give {} or --file", inline_flag));
}

std::vector<int32_t> ParseIds(const Json& value, const std::string& where, const std::string& field) {
  if (!value.is_array()) Fail("{}: field '{}': expected an array of token ids, got {}", where, field, value.type_name());
  std::vector<int32_t> ids;
  ids.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    const Json& v = value[i];
    if (!v.is_number_integer() || v.get<int64_t>() < INT32_MIN || v.get<int64_t>() > INT32_MAX) {
      Fail("{}: field '{}[{}]': expected an integer token id, got {}", where, field, i, v.dump());
    }
    ids.push_back(v.get<int32_t>());
  }
  return ids;
}

int RunTokenize(const TokenizeParams& p) {
  RequireOneSource(p.text.has_value(), p.file, "--text");
  auto tok = Tokenizer::Load(p.tokenizer);
  if (p.text) {
    PrintLine({{"ids", tok->Encode(*p.text, p.special)}});
    return kExitOk;
  }
  JsonlReader reader(p.file);
  while (auto record = reader.Next()) {
    std::string where = Where(reader.path(), record->line);
    auto it = record->value.find(p.field);
    if (it == record->value.end()) Fail("{}: field '{}': missing", where, p.field);
    if (!it->is_string()) Fail("{}: field '{}': expected a string, got {}", where, p.field, it->type_name());
    Json line;
    if (record->value.contains("id")) line["id"] = record->value["id"];
    try {
      line["ids"] = tok->Encode(it->get_ref<const std::string&>(), p.special);
    } catch (const Error& e) {
      Fail("{}: field '{}': {}", where, p.field, e.what());
    }
    PrintLine(line);
  }
  return kExitOk;
}

int RunDetokenize(const TokenizeParams& p) {
  RequireOneSource(p.ids.has_value(), p.file, "--ids");
  auto tok = Tokenizer::Load(p.tokenizer);
  if (p.ids) {
    Json value = Json::parse(*p.ids, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) throw UsageError("--ids: expected a JSON array such as [1,2,3], got " + *p.ids);
    std::vector<int32_t> ids;
    try {
      ids = ParseIds(value, "--ids", "ids");
    } catch (const Error& e) {
      throw UsageError(e.what());
    }
    PrintLine({{"text", tok->Decode(ids, p.special)}});
    return kExitOk;
  }
  JsonlReader reader(p.file);
  while (auto record = reader.Next()) {
    std::string where = Where(reader.path(), record->line);
    auto it = record->value.find(p.field);
    if (it == record->value.end()) Fail("{}: field '{}': missing", where, p.field);
    std::vector<int32_t> ids = ParseIds(*it, where, p.field);
    Json line;
    if (record->value.contains("id")) line["id"] = record->value["id"];
    try {
      line["text"] = tok->Decode(ids, p.special);
    } catch (const Error& e) {
      Fail("{}: field '{}': {}", where, p.field, e.what());
    }
    PrintLine(line);
  }
  return kExitOk;
}

}  // namespace

void RegisterTokenize(CLI::App& app, CommandBody& run) {
  auto t = std::make_shared<TokenizeParams>();
  t->field = "text";
  CLI::App* tokenize = app.add_subcommand(
      "tokenize",
      "Encode text to token ids, one JSON line {\"id\"?, \"ids\"} per record. Examples:\n"
      "  faq tokenize --tokenizer ../shared/tokenizers/qwen3 --text 'Hello, world!'\n"
      "  faq tokenize --tokenizer DIR --file data.jsonl --field text --add-special-tokens");
  tokenize->add_option("--tokenizer", t->tokenizer, "Directory with tokenizer.json or tokenizer.model")->required();
  tokenize->add_option("--text", t->text, "Text to encode");
  tokenize->add_option("--file", t->file, "JSONL input, one record per line")->check(CLI::ExistingFile);
  tokenize->add_option("--field", t->field, "Record field holding the text")->capture_default_str();
  tokenize->add_flag("--add-special-tokens", t->special, "Apply the tokenizer's post-processor (e.g. BOS)");
  tokenize->callback([t, &run] { run = [t] { return RunTokenize(*t); }; });

  auto d = std::make_shared<TokenizeParams>();
  d->field = "ids";
  CLI::App* detokenize = app.add_subcommand(
      "detokenize",
      "Decode token ids to text, one JSON line {\"id\"?, \"text\"} per record. Examples:\n"
      "  faq detokenize --tokenizer ../shared/tokenizers/qwen3 --ids '[9707,11,1879,0]'\n"
      "  faq detokenize --tokenizer DIR --file ids.jsonl --skip-special-tokens");
  detokenize->add_option("--tokenizer", d->tokenizer, "Directory with tokenizer.json or tokenizer.model")->required();
  detokenize->add_option("--ids", d->ids, "JSON array of token ids");
  detokenize->add_option("--file", d->file, "JSONL input, one record per line")->check(CLI::ExistingFile);
  detokenize->add_option("--field", d->field, "Record field holding the ids")->capture_default_str();
  detokenize->add_flag("--skip-special-tokens", d->special, "Leave special tokens out of the text");
  detokenize->callback([d, &run] { run = [d] { return RunDetokenize(*d); }; });
}

}  // namespace faq::cli
