// faq template: renders a conversation with a tokenizer's chat template (apply_chat_template).
#include <iostream>

#include "cli/commands.h"
#include "faq/template/chat_template.h"
#include "faq/tokenizer/tokenizer_config.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"

namespace faq::cli {
namespace {

struct TemplateParams {
  std::string tokenizer;
  std::string messages;
  std::string tools;
  std::string kwargs;
  bool add_generation_prompt = false;
  CLI::Option* tools_option = nullptr;
  CLI::Option* generation_prompt_option = nullptr;
};

// apply_chat_template's own parameters. transformers binds a kwarg of the same name to the
// parameter, so `tools` in --kwargs still reaches the template as `tools`, and giving one
// both ways is an error there (a repeated argument): here a usage error.
enum class Binding { kTools, kDocuments, kGenerationPrompt, kMessages, kNotImplemented };
struct NamedArgument {
  const char* kwarg;
  Binding binding;
  const char* option;  // the option of faq template that also gives it, or null
};
constexpr NamedArgument kNamedArguments[] = {
    {"tools", Binding::kTools, "--tools"},
    {"documents", Binding::kDocuments, nullptr},
    {"add_generation_prompt", Binding::kGenerationPrompt, "--add-generation-prompt"},
    {"messages", Binding::kMessages, "--messages"},
    {"conversation", Binding::kMessages, "--messages"},
    {"continue_final_message", Binding::kNotImplemented, nullptr},
    {"chat_template", Binding::kNotImplemented, nullptr},
};

nlohmann::ordered_json ReadJsonFile(const std::string& path, const char* what) {
  try {
    return nlohmann::ordered_json::parse(ReadFile(path));
  } catch (const nlohmann::json::exception& e) {
    Fail("{} file {}: invalid JSON ({})", what, path, e.what());  // a bad input file, not a bad command line
  }
}

// Moves apply_chat_template's own parameters out of --kwargs into their places.
void BindNamedKwargs(const TemplateParams& p, ChatTemplateInputs& inputs) {
  for (const NamedArgument& named : kNamedArguments) {
    if (!inputs.extra.contains(named.kwarg)) continue;
    const bool also_given = named.binding == Binding::kMessages ||
                            (named.binding == Binding::kTools && p.tools_option->count() > 0) ||
                            (named.binding == Binding::kGenerationPrompt && p.generation_prompt_option->count() > 0);
    if (also_given) {
      throw UsageError(fmt::format("--kwargs gives '{}', which {} also gives: give it one way", named.kwarg, named.option));
    }
    if (named.binding == Binding::kNotImplemented) {
      throw UsageError(fmt::format("--kwargs '{}': faq template does not implement this apply_chat_template parameter",
                                   named.kwarg));
    }
    nlohmann::ordered_json value = inputs.extra[named.kwarg];
    inputs.extra.erase(named.kwarg);
    if (named.binding == Binding::kTools) inputs.tools = std::move(value);
    if (named.binding == Binding::kDocuments) inputs.documents = std::move(value);
    if (named.binding == Binding::kGenerationPrompt) {
      if (!value.is_boolean()) throw UsageError("--kwargs 'add_generation_prompt': expected true or false, got " + value.dump());
      inputs.add_generation_prompt = value.get<bool>();
    }
  }
}

int RunTemplate(const TemplateParams& p) {
  TokenizerConfig config = LoadTokenizerConfig(p.tokenizer);
  if (config.chat_template.empty()) Fail("{}: the tokenizer has no chat template", p.tokenizer);
  ChatTemplateInputs inputs;
  inputs.messages = ReadJsonFile(p.messages, "--messages");
  // Accept a bare list of messages or an object holding one under "messages".
  if (inputs.messages.is_object() && inputs.messages.contains("messages")) {
    nlohmann::ordered_json list = inputs.messages["messages"];
    inputs.messages = std::move(list);
  }
  if (!inputs.messages.is_array()) {
    Fail("--messages file {}: expected a JSON array of messages (or an object with \"messages\")", p.messages);
  }
  if (!p.tools.empty()) inputs.tools = ReadJsonFile(p.tools, "--tools");
  if (!p.kwargs.empty()) {
    try {
      inputs.extra = nlohmann::ordered_json::parse(p.kwargs);
    } catch (const nlohmann::json::exception& e) {
      throw UsageError(fmt::format("--kwargs: invalid JSON ({})", e.what()));
    }
    if (!inputs.extra.is_object()) throw UsageError("--kwargs: expected a JSON object, e.g. '{\"enable_thinking\": false}'");
  }
  inputs.add_generation_prompt = p.add_generation_prompt;
  BindNamedKwargs(p, inputs);
  inputs.bos_token = config.bos_token;
  inputs.eos_token = config.eos_token;
  inputs.pad_token = config.pad_token;
  inputs.unk_token = config.unk_token;
  ChatTemplate tmpl(config.chat_template, p.tokenizer + "/chat_template");
  std::cout << tmpl.Render(inputs) << std::flush;
  return kExitOk;
}

}  // namespace

void RegisterTemplate(CLI::App& app, CommandBody& run) {
  auto p = std::make_shared<TemplateParams>();
  CLI::App* cmd = app.add_subcommand(
      "template",
      "Render messages with a tokenizer's chat template, byte for byte as transformers'\n"
      "apply_chat_template(..., tokenize=False). Example:\n"
      "  faq template --tokenizer ../shared/tokenizers/qwen3 --messages chat.json --add-generation-prompt \\\n"
      "    --kwargs '{\"enable_thinking\": false}'");
  cmd->add_option("--tokenizer", p->tokenizer, "Tokenizer directory (tokenizer_config.json / chat_template.jinja)")
      ->required();
  cmd->add_option("--messages", p->messages, "JSON file: a list of {role, content, ...} messages")->required();
  p->tools_option = cmd->add_option("--tools", p->tools, "JSON file: a list of tool schemas");
  cmd->add_option("--kwargs", p->kwargs,
                  "JSON object of extra template variables, as apply_chat_template's **kwargs (tools, documents and "
                  "add_generation_prompt reach the template as those parameters)");
  p->generation_prompt_option =
      cmd->add_flag("--add-generation-prompt", p->add_generation_prompt, "Append the assistant turn header");
  cmd->callback([p, &run] { run = [p] { return RunTemplate(*p); }; });
}

}  // namespace faq::cli
