// Reading the fields of an OpenAI request body: each reader checks the type and range and
// answers a 400 naming the field (`param`) and what it expected.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "faq/serve/generation_engine.h"

namespace faq::serve {

// The body as JSON; a body that is not a JSON object is a 400.
nlohmann::ordered_json ParseBody(const std::string& body);

std::optional<double> NumberField(const nlohmann::ordered_json& body, const char* name, double min, double max);
std::optional<int64_t> IntField(const nlohmann::ordered_json& body, const char* name, int64_t min, int64_t max);
std::optional<bool> BoolField(const nlohmann::ordered_json& body, const char* name);

// What chat and text completions share.
struct GenerationFields {
  int64_t n = 1;
  double temperature = 1.0;
  double top_p = 1.0;
  int64_t top_k = 0;
  std::optional<uint64_t> seed;
  std::optional<int64_t> max_tokens;  // max_completion_tokens or max_tokens
  std::vector<std::string> stop;
  bool stream = false;         // server-sent events
  bool include_usage = false;  // stream_options.include_usage: a last chunk with the usage
};

// `min_max_tokens` is 1 for chat and 0 for completions (a prompt can be scored without
// generating). A `model` other than `served_name` is a 404.
GenerationFields ReadGenerationFields(const nlohmann::ordered_json& body, const std::string& served_name,
                                      int64_t min_max_tokens);

// Choice `index` of a request for `prompt`: its sampling fields, stop strings and EOS ids.
SequenceRequest ChoiceSequence(const GenerationFields& fields, const std::vector<int32_t>& prompt,
                               int64_t max_new_tokens, int64_t index, const std::vector<int64_t>& eos_ids);

// The seed of choice `index`: the request's seed mixed with the index (choices differ, and
// a seeded request is reproducible), or a fresh random one.
uint64_t ChoiceSeed(const std::optional<uint64_t>& seed, int64_t index);

// How many tokens to generate for a prompt of `prompt_tokens` in a context of `context`:
// the requested number (a 400 if it does not fit), else `default_tokens` clamped to the room left.
int64_t ResolveMaxTokens(const std::optional<int64_t>& requested, int64_t default_tokens, int64_t prompt_tokens,
                         int64_t context);

}  // namespace faq::serve
