// The OpenAI endpoints as functions from a request body to a response body. They throw
// ApiError for requests that cannot be served as asked (400/404) and let model failures
// through (the server answers those with 500).
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "served_model.h"

namespace faq::serve {

class TokenStream;

// An endpoint's answer: a JSON body, or (`stream: true`) the stream to send as SSE.
struct Reply {
  nlohmann::ordered_json body;
  std::shared_ptr<TokenStream> stream;
};

Reply ChatCompletion(ServedModel& model, const std::string& body);
Reply TextCompletion(ServedModel& model, const std::string& body);
nlohmann::ordered_json ModelList(const ServedModel& model);

// "<prefix>-<24 hex digits>", unique within the process.
std::string ResponseId(const char* prefix);

// The fields every completion response has: id, object, created, model, choices, usage.
nlohmann::ordered_json CompletionResponse(const char* id_prefix, const char* object, const std::string& model,
                                          nlohmann::ordered_json choices, int64_t prompt_tokens,
                                          int64_t completion_tokens);

}  // namespace faq::serve
