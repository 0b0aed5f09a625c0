#include "faq/template/chat_template.h"

#include "faq/util/error.h"

namespace faq {

namespace {
using OJson = nlohmann::ordered_json;

// transformers' _alias_reasoning_fields: the first non-null of reasoning_content, thinking,
// reasoning is exposed as `thinking` (placed first) and `reasoning_content` (placed last).
OJson AliasReasoning(const OJson& message) {
  static const char* kFields[] = {"reasoning_content", "thinking", "reasoning"};
  const OJson* reasoning = nullptr;
  for (const char* f : kFields) {
    auto it = message.find(f);
    if (it != message.end() && !it->is_null()) {
      reasoning = &*it;
      break;
    }
  }
  if (!reasoning) return message;
  OJson out = OJson::object();
  out["thinking"] = *reasoning;
  for (const auto& [k, v] : message.items()) out[k] = v;
  out.erase("reasoning_content");
  out["reasoning_content"] = *reasoning;
  return out;
}
}  // namespace

OJson ChatTemplateVariables(const ChatTemplateInputs& inputs) {
  if (!inputs.messages.is_array()) throw Error("chat template: messages must be a JSON array");
  // apply_chat_template refuses an empty conversation rather than rendering the bare template.
  if (inputs.messages.empty()) throw Error("chat template: cannot apply a chat template to an empty conversation");
  OJson vars = OJson::object();
  // Special tokens first, then kwargs (which override them), as transformers merges them.
  if (inputs.bos_token) vars["bos_token"] = *inputs.bos_token;
  if (inputs.eos_token) vars["eos_token"] = *inputs.eos_token;
  if (inputs.unk_token) vars["unk_token"] = *inputs.unk_token;
  if (inputs.pad_token) vars["pad_token"] = *inputs.pad_token;
  if (!inputs.extra.is_null()) {
    if (!inputs.extra.is_object()) throw Error("chat template: extra kwargs must be a JSON object");
    for (const auto& [k, v] : inputs.extra.items()) vars[k] = v;
  }
  OJson messages = OJson::array();
  size_t i = 0;
  for (const auto& m : inputs.messages) {
    if (!m.is_object()) throw Error(fmt::format("chat template: message {} is not a JSON object", i));
    OJson kept = OJson::object();  // apply_chat_template drops keys whose value is None
    for (const auto& [k, v] : m.items()) {
      if (!v.is_null()) kept[k] = v;
    }
    messages.push_back(AliasReasoning(kept));
    ++i;
  }
  vars["messages"] = std::move(messages);
  vars["tools"] = inputs.tools;
  vars["documents"] = inputs.documents;
  vars["add_generation_prompt"] = inputs.add_generation_prompt;
  return vars;
}

ChatTemplate::ChatTemplate(std::string source, std::string name) : template_(std::move(source), std::move(name)) {}

std::string ChatTemplate::Render(const ChatTemplateInputs& inputs, const TemplateLimits& limits) const {
  return template_.Render(ChatTemplateVariables(inputs), limits);
}

}  // namespace faq
