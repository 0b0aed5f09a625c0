// Request field readers and the OpenAI error body.
#include "request_fields.h"

#include <fmt/format.h>

#include <limits>
#include <random>

#include "api_error.h"

namespace faq::serve {

nlohmann::json ApiError::Body() const { return ErrorBody(what(), type_, param_, code_); }

nlohmann::json ErrorBody(const std::string& message, const std::string& type, const std::string& param,
                         const std::string& code) {
  nlohmann::json error = {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}};
  if (!param.empty()) error["param"] = param;
  if (!code.empty()) error["code"] = code;
  return {{"error", error}};
}

nlohmann::ordered_json ParseBody(const std::string& body) {
  nlohmann::ordered_json parsed;
  try {
    parsed = nlohmann::ordered_json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    throw ApiError(400, fmt::format("the request body is not valid JSON: {}", e.what()));
  }
  if (!parsed.is_object()) throw ApiError(400, "the request body must be a JSON object");
  return parsed;
}

std::optional<double> NumberField(const nlohmann::ordered_json& body, const char* name, double min, double max) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) BadRequest(name, fmt::format("'{}' must be a number, got {}", name, it->type_name()));
  const double v = it->get<double>();
  if (!(v >= min && v <= max)) BadRequest(name, fmt::format("'{}' must be in [{}, {}], got {}", name, min, max, v));
  return v;
}

std::optional<int64_t> IntField(const nlohmann::ordered_json& body, const char* name, int64_t min, int64_t max) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) BadRequest(name, fmt::format("'{}' must be an integer, got {}", name, it->dump()));
  if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(max)) {
    BadRequest(name, fmt::format("'{}' must be in [{}, {}], got {}", name, min, max, it->dump()));
  }
  const auto v = it->get<int64_t>();
  if (v < min || v > max) BadRequest(name, fmt::format("'{}' must be in [{}, {}], got {}", name, min, max, v));
  return v;
}

std::optional<bool> BoolField(const nlohmann::ordered_json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) BadRequest(name, fmt::format("'{}' must be true or false, got {}", name, it->dump()));
  return it->get<bool>();
}

GenerationFields ReadGenerationFields(const nlohmann::ordered_json& body, const std::string& served_name,
                                      int64_t min_max_tokens) {
  if (auto it = body.find("model"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) BadRequest("model", "'model' must be a string");
    if (it->get<std::string>() != served_name) {
      throw ApiError(404, fmt::format("The model `{}` does not exist; this server serves `{}`", it->get<std::string>(),
                                      served_name),
                     "model", "model_not_found", "NotFoundError");
    }
  }
  constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();
  GenerationFields f;
  f.stream = BoolField(body, "stream").value_or(false);
  if (auto it = body.find("stream_options"); it != body.end() && !it->is_null()) {
    // As vLLM: the options of a stream make no sense without one.
    if (!f.stream) BadRequest("stream_options", "'stream_options' can only be given with 'stream': true");
    if (!it->is_object()) BadRequest("stream_options", "'stream_options' must be an object");
    f.include_usage = BoolField(*it, "include_usage").value_or(false);
  }
  f.n = IntField(body, "n", 1, 128).value_or(1);
  f.temperature = NumberField(body, "temperature", 0.0, 100.0).value_or(1.0);
  f.top_p = NumberField(body, "top_p", 0.0, 1.0).value_or(1.0);
  if (f.top_p <= 0.0) BadRequest("top_p", "'top_p' must be in (0, 1], got 0");
  f.top_k = IntField(body, "top_k", -1, kMaxInt).value_or(0);
  if (f.top_k < 0) f.top_k = 0;  // vLLM's -1: no limit
  if (auto seed = IntField(body, "seed", std::numeric_limits<int64_t>::min(), kMaxInt)) {
    f.seed = static_cast<uint64_t>(*seed);
  }
  // max_completion_tokens is the newer name; it wins when both are given.
  f.max_tokens = IntField(body, "max_completion_tokens", min_max_tokens, kMaxInt);
  if (!f.max_tokens) f.max_tokens = IntField(body, "max_tokens", min_max_tokens, kMaxInt);
  if (auto it = body.find("stop"); it != body.end() && !it->is_null()) {
    if (it->is_string()) {
      f.stop.push_back(it->get<std::string>());
    } else if (it->is_array()) {
      for (const auto& s : *it) {
        if (!s.is_string()) BadRequest("stop", "'stop' must be a string or a list of strings");
        f.stop.push_back(s.get<std::string>());
      }
    } else {
      BadRequest("stop", "'stop' must be a string or a list of strings");
    }
    for (const auto& s : f.stop) {
      if (s.empty()) BadRequest("stop", "'stop' strings must not be empty");
    }
  }
  return f;
}

SequenceRequest ChoiceSequence(const GenerationFields& fields, const std::vector<int32_t>& prompt,
                               int64_t max_new_tokens, int64_t index, const std::vector<int64_t>& eos_ids) {
  SequenceRequest s;
  s.prompt = prompt;
  s.max_new_tokens = max_new_tokens;
  s.sampling = {fields.temperature, fields.top_p, fields.top_k, ChoiceSeed(fields.seed, index)};
  s.stop = fields.stop;
  s.stop_token_ids = eos_ids;
  return s;
}

uint64_t ChoiceSeed(const std::optional<uint64_t>& seed, int64_t index) {
  if (!seed) {
    static thread_local std::mt19937_64 fresh{std::random_device{}()};
    return fresh();
  }
  // splitmix64 of (seed, index): well-spread seeds for neighbouring indices.
  uint64_t z = *seed + 0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(index + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

int64_t ResolveMaxTokens(const std::optional<int64_t>& requested, int64_t default_tokens, int64_t prompt_tokens,
                         int64_t context) {
  if (prompt_tokens >= context) {
    throw ApiError(400,
                   fmt::format("This model's maximum context length is {} tokens, but the prompt has {} tokens",
                               context, prompt_tokens),
                   "messages", "context_length_exceeded");
  }
  if (!requested) return std::min(default_tokens, context - prompt_tokens);
  // Compared with the room left, not as a sum: `requested` may be as large as int64 allows.
  if (*requested > context - prompt_tokens) {
    throw ApiError(400,
                   fmt::format("This model's maximum context length is {} tokens; the prompt has {} tokens and {} "
                               "were requested for the completion",
                               context, prompt_tokens, *requested),
                   "max_tokens", "context_length_exceeded");
  }
  return *requested;
}

}  // namespace faq::serve
