// The chunks of a streamed chat completion, as vLLM sends them: the assistant role first, then
// deltas of reasoning and content (split as the whole answer is, tags never cut in half), the
// token logprobs of each chunk, and the finish reason on a choice's last chunk.
#pragma once

#include <string>
#include <vector>

#include "served_model.h"
#include "token_stream.h"

namespace faq::serve {

// A chat choice's `logprobs`: {"content": [one entry per token]}.
nlohmann::ordered_json ChatLogprobs(const ServedModel& model, const std::vector<int32_t>& tokens,
                                    const std::vector<TokenLogprob>& logprobs);

class ChatChunks : public ChunkFormat {
 public:
  // `opened_thinking`: the prompt ends inside a thought; `logprobs`: the request asked for them.
  ChatChunks(const ServedModel& model, size_t choices, bool opened_thinking, bool logprobs);
  const char* Object() const override { return "chat.completion.chunk"; }
  nlohmann::ordered_json Opening(size_t choices) override;
  nlohmann::ordered_json Choice(const StreamDelta& delta) override;

 private:
  struct State {
    std::string text;  // everything received
    size_t reasoning_sent = 0, content_sent = 0;
  };

  const ServedModel& model_;
  std::vector<State> states_;
  bool opened_, logprobs_;
};

}  // namespace faq::serve
