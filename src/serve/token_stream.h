// A streamed completion (`stream: true`): the sequences' tokens as they are generated, turned
// into server-sent events the way vLLM sends them (`data: {chunk}\n\n` per chunk, an optional
// usage chunk with no choices, then `data: [DONE]\n\n`). The endpoint decides what a chunk's
// choice looks like (ChunkFormat); this class decides when text is safe to send.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "faq/serve/generation_engine.h"
#include "served_model.h"

namespace faq::serve {

// What one choice gained since its previous chunk.
struct StreamDelta {
  size_t index = 0;                          // the choice
  bool first = false;                        // its first delta
  std::string text;                          // new text: whole characters, never beyond the final text
  std::vector<int32_t> tokens;               // new tokens
  std::vector<TokenLogprob> logprobs;        // theirs, when the request asked for logprobs
  std::vector<TokenLogprob> prompt_logprobs; // on the first delta, when the request asked for them
  std::string finish_reason;                 // set on the choice's last delta
};

class ChunkFormat {
 public:
  virtual ~ChunkFormat() = default;
  // "chat.completion.chunk" or "text_completion".
  virtual const char* Object() const = 0;
  // The choices of a chunk sent before any token (chat: the assistant role); empty for none.
  virtual nlohmann::ordered_json Opening(size_t choices) = 0;
  // The choice object for `delta`, or null when it has nothing to send.
  virtual nlohmann::ordered_json Choice(const StreamDelta& delta) = 0;
};

struct StreamOptions {
  std::string id_prefix;             // "chatcmpl" or "cmpl"
  bool include_usage = false;        // stream_options.include_usage
  std::vector<std::string> stop;     // text that may become a stop string is held back
  int64_t prompt_tokens = 0;         // for the usage chunk
};

class TokenStream {
 public:
  TokenStream(ServedModel& model, StreamOptions options, std::unique_ptr<ChunkFormat> format);
  // Cancels the sequences still running: nobody will read them.
  ~TokenStream();
  TokenStream(const TokenStream&) = delete;
  TokenStream& operator=(const TokenStream&) = delete;

  // Submits the sequences (choice i is sequences[i]); throws as the engine's Submit does.
  void Start(std::vector<SequenceRequest> sequences);
  // Blocks until the next event is ready and sets `sse` to it; false once `data: [DONE]`
  // has been returned. A failed sequence ends the stream with an error event.
  bool Next(std::string& sse);
  int64_t PromptTokens() const { return options_.prompt_tokens; }
  int64_t CompletionTokens() const { return completion_tokens_; }

 private:
  // What the scheduler thread hands over: a choice's new tokens, or its end.
  struct Progress {
    size_t index = 0;
    std::vector<int32_t> tokens;
    std::vector<TokenLogprob> logprobs, prompt_logprobs;
    bool done = false;
  };
  struct Channel {
    std::mutex mutex;
    std::condition_variable ready;
    std::deque<Progress> events;
  };
  struct ChoiceState {
    std::vector<int32_t> tokens;
    std::string sent;  // the text sent so far
    bool first = true;
  };

  Progress Pop();
  // The choice's chunk for `p`, or null; throws the sequence's failure.
  nlohmann::ordered_json Advance(Progress p);
  // The text of `tokens` that later tokens cannot change: no partial character at the end,
  // and nothing that could still become the start of a stop string.
  std::string SettledText(const std::vector<int32_t>& tokens) const;
  std::string Event(nlohmann::ordered_json choices, const nlohmann::ordered_json* usage = nullptr) const;

  ServedModel& model_;
  StreamOptions options_;
  std::unique_ptr<ChunkFormat> format_;
  std::shared_ptr<Channel> channel_;  // shared with the sequences' callbacks, which may outlive the stream
  std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
  std::vector<std::future<SequenceResult>> futures_;
  std::vector<ChoiceState> choices_;
  std::string id_;
  int64_t created_ = 0;
  size_t finished_ = 0;
  int64_t completion_tokens_ = 0;
  bool opened_ = false, usage_sent_ = false, ended_ = false, failed_ = false;
};

}  // namespace faq::serve
