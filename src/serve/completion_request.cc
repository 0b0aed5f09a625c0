// ReadCompletionRequest: the body of POST /v1/completions.
#include "completion_request.h"

#include <fmt/format.h>

#include "api_error.h"

namespace faq::serve {
namespace {

constexpr const char* kPromptShapes = "'prompt' must be a string, a list of strings, token ids or lists of token ids";

std::vector<int32_t> ReadTokenIds(const nlohmann::ordered_json& list, int64_t vocab) {
  std::vector<int32_t> ids;
  for (const auto& v : list) {
    if (!v.is_number_integer()) BadRequest("prompt", "a token-id prompt must hold integers only");
    const auto id = v.get<int64_t>();
    if (id < 0 || id >= vocab) {
      BadRequest("prompt", fmt::format("token id {} is outside the model's vocabulary [0, {})", id, vocab));
    }
    ids.push_back(static_cast<int32_t>(id));
  }
  if (ids.empty()) BadRequest("prompt", "a prompt has no tokens");
  return ids;
}

std::vector<PromptInput> ReadPrompts(const nlohmann::ordered_json& body, int64_t vocab) {
  auto it = body.find("prompt");
  if (it == body.end() || it->is_null()) BadRequest("prompt", "'prompt' is required");
  std::vector<PromptInput> prompts;
  if (it->is_string()) {
    prompts.emplace_back(it->get<std::string>());
  } else if (it->is_array() && !it->empty() && (*it)[0].is_number_integer()) {
    prompts.emplace_back(ReadTokenIds(*it, vocab));
  } else if (it->is_array() && !it->empty()) {
    for (const auto& p : *it) {
      if (p.is_string()) {
        prompts.emplace_back(p.get<std::string>());
      } else if (p.is_array()) {
        prompts.emplace_back(ReadTokenIds(p, vocab));
      } else {
        BadRequest("prompt", kPromptShapes);
      }
    }
  } else {
    BadRequest("prompt", kPromptShapes);
  }
  return prompts;
}

}  // namespace

CompletionRequest ReadCompletionRequest(const std::string& body_text, const std::string& served_name,
                                        int64_t vocab_size) {
  const nlohmann::ordered_json body = ParseBody(body_text);
  CompletionRequest r;
  r.fields = ReadGenerationFields(body, served_name, 0);
  r.prompts = ReadPrompts(body, vocab_size);
  r.echo = BoolField(body, "echo").value_or(false);
  r.return_token_ids = BoolField(body, "return_token_ids").value_or(false);
  r.logprobs = IntField(body, "logprobs", 0, 20);
  if (auto it = body.find("suffix"); it != body.end() && !it->is_null()) {
    BadRequest("suffix", "'suffix' is not supported by faq serve");
  }
  return r;
}

}  // namespace faq::serve
