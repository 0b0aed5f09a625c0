// ParseChatReply and SplitThinkBlock.
#include "faq/client/chat_reply.h"

#include <algorithm>

namespace faq {
namespace {

std::string_view TrimSpace(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::optional<std::string> StringField(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

std::pair<std::optional<std::string>, std::string> SplitThinkBlock(std::string_view content) {
  constexpr std::string_view kOpen = "<think>", kClose = "</think>";
  size_t close = content.find(kClose);
  size_t open = content.find(kOpen);
  if (close == std::string_view::npos) {
    if (open == std::string_view::npos) return {std::nullopt, std::string(content)};
    return {std::string(TrimSpace(content.substr(open + kOpen.size()))), ""};
  }
  // Templates that open <think> in the prompt leave only the closing tag in the output.
  size_t start = open != std::string_view::npos && open < close ? open + kOpen.size() : 0;
  std::string reasoning(TrimSpace(content.substr(start, close - start)));
  std::string answer(TrimSpace(content.substr(close + kClose.size())));
  return {std::move(reasoning), std::move(answer)};
}

int64_t UsageTokens(const nlohmann::json& usage, const char* key) {
  if (!usage.is_object() || !usage.contains(key) || !usage[key].is_number_integer()) return 0;
  return usage[key].get<int64_t>();
}

ChatReply ParseChatReply(std::string_view body, std::string_view where) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    throw MalformedReply(fmt::format("{}: response is not valid JSON ({} bytes: '{}')", where, body.size(),
                                     body.substr(0, 200)));
  }
  if (!j.is_object() || !j.contains("choices") || !j["choices"].is_array()) {
    throw MalformedReply(fmt::format("{}: response has no 'choices' array: '{}'", where, body.substr(0, 200)));
  }
  ChatReply reply;
  std::vector<std::pair<int64_t, ChatChoice>> indexed;
  for (const auto& c : j["choices"]) {
    if (!c.is_object() || !c.contains("message") || !c["message"].is_object()) {
      throw MalformedReply(fmt::format("{}: a choice has no 'message' object", where));
    }
    const auto& m = c["message"];
    ChatChoice choice;
    std::string content = StringField(m, "content").value_or("");
    auto reasoning = StringField(m, "reasoning_content");
    if (!reasoning) reasoning = StringField(m, "reasoning");
    if (reasoning) {
      choice.reasoning = std::move(reasoning);
      choice.content = std::move(content);
    } else {
      auto [think, answer] = SplitThinkBlock(content);
      choice.reasoning = std::move(think);
      choice.content = std::move(answer);
    }
    choice.finish_reason = StringField(c, "finish_reason").value_or("");
    int64_t index = c.contains("index") && c["index"].is_number_integer() ? c["index"].get<int64_t>()
                                                                          : static_cast<int64_t>(indexed.size());
    indexed.emplace_back(index, std::move(choice));
  }
  std::stable_sort(indexed.begin(), indexed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [index, choice] : indexed) reply.choices.push_back(std::move(choice));
  reply.usage = j.contains("usage") && j["usage"].is_object() ? j["usage"] : nlohmann::json();
  reply.model = StringField(j, "model").value_or("");
  return reply;
}

}  // namespace faq
