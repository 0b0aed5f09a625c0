// ChatChunks and ChatLogprobs.
#include "chat_chunks.h"

#include "logprob_json.h"
#include "reasoning_split.h"

namespace faq::serve {
namespace {

// Text ending in the beginning of a <think> or </think> tag waits for the rest of it.
std::string WithoutPartialTag(const std::string& text) {
  for (const std::string tag : {"</think>", "<think>"}) {
    for (size_t n = tag.size() - 1; n > 0; --n) {
      if (text.ends_with(tag.substr(0, n))) return text.substr(0, text.size() - n);
    }
  }
  return text;
}

// What `part` holds beyond the `sent` bytes already sent; advances `sent`.
std::string Unsent(const std::optional<std::string>& part, size_t& sent) {
  if (!part || part->size() <= sent) return "";
  std::string more = part->substr(sent);
  sent = part->size();
  return more;
}

}  // namespace

nlohmann::ordered_json ChatLogprobs(const ServedModel& model, const std::vector<int32_t>& tokens,
                                    const std::vector<TokenLogprob>& logprobs) {
  nlohmann::ordered_json content = nlohmann::ordered_json::array();
  for (size_t i = 0; i < tokens.size() && i < logprobs.size(); ++i) {
    content.push_back(ChatLogprobEntry(model, tokens[i], logprobs[i]));
  }
  return {{"content", std::move(content)}};
}

ChatChunks::ChatChunks(const ServedModel& model, size_t choices, bool opened_thinking, bool logprobs)
    : model_(model), states_(choices), opened_(opened_thinking), logprobs_(logprobs) {}

nlohmann::ordered_json ChatChunks::Opening(size_t choices) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (size_t i = 0; i < choices; ++i) {
    out.push_back({{"index", i},
                   {"delta", {{"role", "assistant"}, {"content", ""}}},
                   {"logprobs", nullptr},
                   {"finish_reason", nullptr}});
  }
  return out;
}

nlohmann::ordered_json ChatChunks::Choice(const StreamDelta& d) {
  State& s = states_.at(d.index);
  s.text += d.text;
  const bool last = !d.finish_reason.empty();
  const ReasoningSplit split = SplitReasoning(last ? s.text : WithoutPartialTag(s.text), opened_);
  nlohmann::ordered_json delta = nlohmann::ordered_json::object();
  if (std::string more = Unsent(split.reasoning, s.reasoning_sent); !more.empty()) {
    delta["reasoning_content"] = more;
    delta["reasoning"] = more;  // vLLM's newer name
  }
  if (std::string more = Unsent(split.content, s.content_sent); !more.empty()) delta["content"] = more;
  const bool has_logprobs = logprobs_ && !d.tokens.empty();
  if (delta.empty() && !has_logprobs && !last) return nullptr;
  return {{"index", d.index},
          {"delta", std::move(delta)},
          {"logprobs", has_logprobs ? ChatLogprobs(model_, d.tokens, d.logprobs) : nlohmann::ordered_json()},
          {"finish_reason", last ? nlohmann::ordered_json(d.finish_reason) : nlohmann::ordered_json()}};
}

}  // namespace faq::serve
