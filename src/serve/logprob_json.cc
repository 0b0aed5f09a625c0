// CompletionLogprobs and ChatLogprobEntry.
#include "logprob_json.h"

namespace faq::serve {
namespace {

// The `top_logprobs` dict of one token: the k best tokens' text → logprob.
nlohmann::ordered_json TopDict(const ServedModel& model, const TokenLogprob& lp, int32_t token) {
  nlohmann::ordered_json top = nlohmann::ordered_json::object();
  for (const auto& [id, value] : lp.top) {
    std::string text = model.TokenText(id);
    if (!top.contains(text)) top[text] = value;
  }
  // As vLLM: the chosen token is always listed, even when it is not among the top k.
  std::string chosen = model.TokenText(token);
  if (!top.contains(chosen)) top[chosen] = lp.logprob;
  return top;
}

nlohmann::ordered_json Bytes(const std::string& text) {
  nlohmann::ordered_json bytes = nlohmann::ordered_json::array();
  for (unsigned char c : text) bytes.push_back(static_cast<int>(c));
  return bytes;
}

}  // namespace

int64_t CharCount(const std::string& s) {
  int64_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

CompletionLogprobs::CompletionLogprobs(const ServedModel& model, int64_t offset) : model_(model), offset_(offset) {
  Take();
}

void CompletionLogprobs::Add(int32_t token, const TokenLogprob* lp) {
  std::string text = model_.TokenText(token);
  token_logprobs_.push_back(lp != nullptr ? nlohmann::ordered_json(lp->logprob) : nlohmann::ordered_json());
  top_logprobs_.push_back(lp != nullptr ? TopDict(model_, *lp, token) : nlohmann::ordered_json());
  text_offset_.push_back(offset_);
  offset_ += CharCount(text);
  tokens_.push_back(std::move(text));
}

nlohmann::ordered_json CompletionLogprobs::Take() {
  nlohmann::ordered_json out = {{"tokens", std::move(tokens_)},
                                {"token_logprobs", std::move(token_logprobs_)},
                                {"top_logprobs", std::move(top_logprobs_)},
                                {"text_offset", std::move(text_offset_)}};
  tokens_ = token_logprobs_ = top_logprobs_ = text_offset_ = nlohmann::ordered_json::array();
  return out;
}

nlohmann::ordered_json ChatLogprobEntry(const ServedModel& model, int32_t token, const TokenLogprob& lp) {
  const std::string text = model.TokenText(token);
  nlohmann::ordered_json top = nlohmann::ordered_json::array();
  for (const auto& [id, value] : lp.top) {
    const std::string alt = model.TokenText(id);
    top.push_back({{"token", alt}, {"logprob", value}, {"bytes", Bytes(alt)}});
  }
  return {{"token", text}, {"logprob", lp.logprob}, {"bytes", Bytes(text)}, {"top_logprobs", std::move(top)}};
}

}  // namespace faq::serve
