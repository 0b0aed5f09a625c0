// ReadChatRequest: the body of POST /v1/chat/completions.
#include "chat_request.h"

#include <fmt/format.h>

#include <string_view>

#include "api_error.h"

namespace faq::serve {
namespace {

// Checks the messages and flattens OpenAI content parts ([{type: text, text}]) to strings,
// which is what chat templates expect.
nlohmann::ordered_json ReadMessages(const nlohmann::ordered_json& body) {
  auto it = body.find("messages");
  if (it == body.end()) BadRequest("messages", "'messages' is required");
  if (!it->is_array() || it->empty()) BadRequest("messages", "'messages' must be a non-empty list of messages");
  nlohmann::ordered_json messages = *it;
  for (size_t i = 0; i < messages.size(); ++i) {
    auto& m = messages[i];
    const std::string where = fmt::format("messages[{}]", i);
    if (!m.is_object()) BadRequest(where, where + " must be an object");
    if (!m.contains("role") || !m["role"].is_string()) BadRequest(where + ".role", where + ".role must be a string");
    if (!m.contains("content")) continue;
    auto& content = m["content"];
    if (content.is_string() || content.is_null()) continue;
    if (!content.is_array()) BadRequest(where + ".content", where + ".content must be a string or a list of parts");
    std::string text;
    for (const auto& part : content) {
      if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") || !part["text"].is_string()) {
        BadRequest(where + ".content", where + ".content parts must be {\"type\": \"text\", \"text\": string}");
      }
      text += part["text"].get<std::string>();
    }
    content = text;
  }
  return messages;
}

// vLLM updates apply_chat_template's arguments with chat_template_kwargs, so `tools`,
// `documents` and `add_generation_prompt` given there win over the request's own fields;
// left among the extra variables they would be overwritten by those fields.
void BindTemplateParameters(ChatTemplateInputs& inputs) {
  if (!inputs.extra.is_object()) return;
  for (const char* name : {"tools", "documents", "add_generation_prompt"}) {
    auto it = inputs.extra.find(name);
    if (it == inputs.extra.end()) continue;
    nlohmann::ordered_json value = std::move(*it);
    inputs.extra.erase(name);
    if (std::string_view(name) == "tools") inputs.tools = std::move(value);
    if (std::string_view(name) == "documents") inputs.documents = std::move(value);
    if (std::string_view(name) == "add_generation_prompt") {
      if (!value.is_boolean()) {
        BadRequest("chat_template_kwargs", "'add_generation_prompt' must be true or false");
      }
      inputs.add_generation_prompt = value.get<bool>();
    }
  }
}

}  // namespace

ChatRequest ReadChatRequest(const std::string& body_text, const std::string& served_name) {
  const nlohmann::ordered_json body = ParseBody(body_text);
  ChatRequest r;
  r.inputs.messages = ReadMessages(body);
  r.fields = ReadGenerationFields(body, served_name, 1);
  r.return_token_ids = BoolField(body, "return_token_ids").value_or(false);
  const auto top = IntField(body, "top_logprobs", 0, 20);
  if (BoolField(body, "logprobs").value_or(false)) {
    r.top_logprobs = top.value_or(0);
  } else if (top) {
    BadRequest("top_logprobs", "'top_logprobs' needs 'logprobs': true");
  }
  if (auto it = body.find("chat_template_kwargs"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) BadRequest("chat_template_kwargs", "'chat_template_kwargs' must be an object");
    r.inputs.extra = *it;
  }
  if (auto it = body.find("tools"); it != body.end() && !it->is_null()) {
    if (!it->is_array()) BadRequest("tools", "'tools' must be a list");
    r.inputs.tools = *it;
  }
  r.inputs.add_generation_prompt = BoolField(body, "add_generation_prompt").value_or(true);
  BindTemplateParameters(r.inputs);
  return r;
}

}  // namespace faq::serve
