// TokenStream: progress events from the scheduler thread, settled text, SSE framing.
#include "token_stream.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>

#include "api_error.h"
#include "api_handlers.h"

namespace faq::serve {
namespace {

// Token pieces can be partial UTF-8; invalid bytes become U+FFFD instead of failing the dump.
std::string Data(const nlohmann::ordered_json& j) {
  return "data: " + j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
}

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Cuts `text` to at most `size` bytes without splitting a character.
void CutAtCharacter(std::string& text, size_t size) {
  if (size >= text.size()) return;
  while (size > 0 && IsContinuationByte(text[size])) --size;
  text.resize(size);
}

}  // namespace

TokenStream::TokenStream(ServedModel& model, StreamOptions options, std::unique_ptr<ChunkFormat> format)
    : model_(model), options_(std::move(options)), format_(std::move(format)), channel_(std::make_shared<Channel>()),
      id_(ResponseId(options_.id_prefix.c_str())), created_(static_cast<int64_t>(std::time(nullptr))) {}

TokenStream::~TokenStream() { cancelled_->store(true); }

void TokenStream::Start(std::vector<SequenceRequest> sequences) {
  choices_.resize(sequences.size());
  for (size_t i = 0; i < sequences.size(); ++i) {
    sequences[i].cancelled = cancelled_;
    // Copies only what is new since the previous call: the callback runs on the scheduler
    // thread, which owns the result.
    sequences[i].on_progress = [channel = channel_, i, seen = size_t{0}, first = true](const SequenceResult& r,
                                                                                        bool done) mutable {
      Progress p;
      p.index = i;
      p.done = done;
      const auto from = static_cast<std::ptrdiff_t>(seen);
      if (r.tokens.size() > seen) p.tokens.assign(r.tokens.begin() + from, r.tokens.end());
      if (r.logprobs.size() > seen) p.logprobs.assign(r.logprobs.begin() + from, r.logprobs.end());
      if (first) p.prompt_logprobs = r.prompt_logprobs;
      seen = r.tokens.size();
      first = false;
      {
        std::lock_guard lock(channel->mutex);
        channel->events.push_back(std::move(p));
      }
      channel->ready.notify_one();
    };
  }
  for (auto& s : sequences) futures_.push_back(model_.engine->Submit(std::move(s)));
}

bool TokenStream::Next(std::string& sse) {
  if (ended_) return false;
  if (!opened_) {
    opened_ = true;
    nlohmann::ordered_json opening = format_->Opening(choices_.size());
    if (!opening.empty()) {
      sse = Event(std::move(opening));
      return true;
    }
  }
  while (finished_ < choices_.size() && !failed_) {
    nlohmann::ordered_json choice;
    try {
      choice = Advance(Pop());
    } catch (const std::exception& e) {
      // As vLLM: the error as an event, then the end of the stream.
      spdlog::error("streamed request failed: {}", e.what());
      failed_ = true;
      sse = Data(ErrorBody(e.what(), "server_error", "", ""));
      return true;
    }
    if (!choice.is_null()) {
      sse = Event(nlohmann::ordered_json::array({std::move(choice)}));
      return true;
    }
  }
  if (options_.include_usage && !usage_sent_ && !failed_) {
    usage_sent_ = true;
    const nlohmann::ordered_json usage = {{"prompt_tokens", options_.prompt_tokens},
                                          {"completion_tokens", completion_tokens_},
                                          {"total_tokens", options_.prompt_tokens + completion_tokens_}};
    sse = Event(nlohmann::ordered_json::array(), &usage);
    return true;
  }
  ended_ = true;
  sse = "data: [DONE]\n\n";
  return true;
}

TokenStream::Progress TokenStream::Pop() {
  std::unique_lock lock(channel_->mutex);
  channel_->ready.wait(lock, [&] { return !channel_->events.empty(); });
  Progress p = std::move(channel_->events.front());
  channel_->events.pop_front();
  return p;
}

nlohmann::ordered_json TokenStream::Advance(Progress p) {
  ChoiceState& state = choices_.at(p.index);
  StreamDelta delta;
  delta.index = p.index;
  delta.first = state.first;
  state.first = false;
  state.tokens.insert(state.tokens.end(), p.tokens.begin(), p.tokens.end());
  delta.tokens = std::move(p.tokens);
  delta.logprobs = std::move(p.logprobs);
  delta.prompt_logprobs = std::move(p.prompt_logprobs);
  std::string text;
  if (p.done) {
    // The final text is the engine's: EOS left out, cut before a stop string.
    const SequenceResult result = futures_.at(p.index).get();
    text = result.text;
    delta.finish_reason = result.finish_reason;
    completion_tokens_ += static_cast<int64_t>(result.tokens.size());
    ++finished_;
  } else {
    text = SettledText(state.tokens);
  }
  if (text.size() > state.sent.size()) delta.text = text.substr(state.sent.size());
  state.sent += delta.text;
  return format_->Choice(delta);
}

std::string TokenStream::SettledText(const std::vector<int32_t>& tokens) const {
  const int32_t vocab = model_.tokenizer->VocabSize();
  std::vector<int32_t> known;
  for (int32_t id : tokens) {
    if (id >= 0 && id < vocab) known.push_back(id);
  }
  std::string text = model_.tokenizer->Decode(known, /*skip_special_tokens=*/true);
  // A token that ends inside a character decodes to U+FFFD until the next one completes it.
  static const std::string kReplacement = "\xEF\xBF\xBD";
  while (text.ends_with(kReplacement)) text.resize(text.size() - kReplacement.size());
  size_t longest = 0;
  for (const auto& s : options_.stop) longest = std::max(longest, s.size());
  if (longest > 1) CutAtCharacter(text, text.size() > longest - 1 ? text.size() - (longest - 1) : 0);
  return text;
}

std::string TokenStream::Event(nlohmann::ordered_json choices, const nlohmann::ordered_json* usage) const {
  nlohmann::ordered_json chunk = {{"id", id_},
                                  {"object", format_->Object()},
                                  {"created", created_},
                                  {"model", model_.name},
                                  {"choices", std::move(choices)}};
  if (usage != nullptr) chunk["usage"] = *usage;
  return Data(chunk);
}

}  // namespace faq::serve
