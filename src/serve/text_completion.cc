// POST /v1/completions: raw prompts (text or token ids), with `echo` and `logprobs` in the
// legacy OpenAI shape that lm-evaluation-harness's local-completions model scores, whole or
// streamed.
#include <fmt/format.h>

#include "api_error.h"
#include "api_handlers.h"
#include "completion_request.h"
#include "logprob_json.h"
#include "token_stream.h"

namespace faq::serve {
namespace {

struct Prompt {
  std::vector<int32_t> ids;
  std::string text;  // what `echo` prepends
};

// A prompt's ids and the text `echo` prepends. As vLLM: the tokenizer's own special tokens
// (e.g. a BOS) are added to text prompts; an id prompt's text is the decoding of the ids the
// tokenizer knows.
Prompt ToPrompt(const ServedModel& model, const PromptInput& input) {
  Prompt p;
  if (const auto* text = std::get_if<std::string>(&input)) {
    p = Prompt{model.tokenizer->Encode(*text, /*add_special_tokens=*/true), *text};
  } else {
    p.ids = std::get<std::vector<int32_t>>(input);
    std::vector<int32_t> known;
    for (int32_t id : p.ids) {
      if (id < model.tokenizer->VocabSize()) known.push_back(id);
    }
    p.text = model.tokenizer->Decode(known, false);
  }
  if (p.ids.empty()) BadRequest("prompt", "a prompt has no tokens");
  return p;
}

// The request's prompts, and one sequence per prompt and choice (choice i belongs to
// prompt i / n).
struct PreparedCompletion {
  CompletionRequest request;
  std::vector<Prompt> prompts;
  std::vector<SequenceRequest> sequences;
  int64_t prompt_tokens = 0;

  const Prompt& PromptOf(size_t choice) const { return prompts[choice / static_cast<size_t>(request.fields.n)]; }
};

PreparedCompletion Prepare(ServedModel& model, const std::string& body_text) {
  PreparedCompletion p{ReadCompletionRequest(body_text, model.name, model.model->config().vocab_size)};
  const GenerationFields& f = p.request.fields;
  const std::optional<int64_t>& logprobs = p.request.logprobs;
  for (const auto& input : p.request.prompts) p.prompts.push_back(ToPrompt(model, input));
  for (const auto& prompt : p.prompts) {
    const auto len = static_cast<int64_t>(prompt.ids.size());
    p.prompt_tokens += len;
    // OpenAI's legacy default is 16 new tokens.
    const int64_t max_new = ResolveMaxTokens(f.max_tokens, 16, len, model.Context());
    for (int64_t j = 0; j < f.n; ++j) {
      SequenceRequest s = ChoiceSequence(f, prompt.ids, max_new, j, model.eos_ids);
      s.logprobs = logprobs ? static_cast<int>(*logprobs) : -1;
      s.prompt_logprobs = logprobs && p.request.echo ? static_cast<int>(*logprobs) : -1;
      p.sequences.push_back(std::move(s));
    }
  }
  return p;
}

// Adds an echoed prompt's tokens: the first has no logprob.
void AddPrompt(CompletionLogprobs& out, const Prompt& prompt, const std::vector<TokenLogprob>& prompt_logprobs) {
  for (size_t i = 0; i < prompt.ids.size(); ++i) {
    out.Add(prompt.ids[i], i == 0 || i - 1 >= prompt_logprobs.size() ? nullptr : &prompt_logprobs[i - 1]);
  }
}

void AddGenerated(CompletionLogprobs& out, const std::vector<int32_t>& tokens, const std::vector<TokenLogprob>& lps) {
  for (size_t i = 0; i < tokens.size() && i < lps.size(); ++i) out.Add(tokens[i], &lps[i]);
}

// Chunks as vLLM streams them: each choice's new text (after the echoed prompt on its first
// chunk), the logprobs of its new tokens, the finish reason on its last chunk.
class CompletionChunks : public ChunkFormat {
 public:
  CompletionChunks(const ServedModel& model, const PreparedCompletion& p) : echo_(p.request.echo) {
    for (size_t i = 0; i < p.sequences.size(); ++i) {
      prompts_.push_back(p.PromptOf(i));
      if (p.request.logprobs) logprobs_.emplace_back(model, echo_ ? 0 : CharCount(p.PromptOf(i).text));
    }
  }
  const char* Object() const override { return "text_completion"; }
  nlohmann::ordered_json Opening(size_t) override { return nlohmann::ordered_json::array(); }

  nlohmann::ordered_json Choice(const StreamDelta& d) override {
    const bool last = !d.finish_reason.empty();
    const bool echo_now = echo_ && d.first;
    nlohmann::ordered_json logprobs;
    if (!logprobs_.empty()) {
      CompletionLogprobs& lp = logprobs_.at(d.index);
      if (echo_now) AddPrompt(lp, prompts_.at(d.index), d.prompt_logprobs);
      AddGenerated(lp, d.tokens, d.logprobs);
      logprobs = lp.Take();
      if (logprobs["tokens"].empty()) logprobs = nullptr;
    }
    if (d.text.empty() && !echo_now && logprobs.is_null() && !last) return nullptr;
    return {{"index", d.index},
            {"text", echo_now ? prompts_.at(d.index).text + d.text : d.text},
            {"logprobs", std::move(logprobs)},
            {"finish_reason", last ? nlohmann::ordered_json(d.finish_reason) : nlohmann::ordered_json()}};
  }

 private:
  bool echo_;
  std::vector<Prompt> prompts_;
  std::vector<CompletionLogprobs> logprobs_;
};

Reply Stream(ServedModel& model, PreparedCompletion p) {
  const GenerationFields& f = p.request.fields;
  StreamOptions options{"cmpl", f.include_usage, f.stop, p.prompt_tokens};
  auto stream = std::make_shared<TokenStream>(model, std::move(options), std::make_unique<CompletionChunks>(model, p));
  stream->Start(std::move(p.sequences));
  return {nullptr, std::move(stream)};
}

}  // namespace

Reply TextCompletion(ServedModel& model, const std::string& body_text) {
  PreparedCompletion p = Prepare(model, body_text);
  if (p.request.fields.stream) return Stream(model, std::move(p));
  std::vector<SequenceResult> results = model.Run(std::move(p.sequences));

  const bool echo = p.request.echo;
  nlohmann::ordered_json choices = nlohmann::ordered_json::array();
  int64_t completion_tokens = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    const Prompt& prompt = p.PromptOf(i);
    completion_tokens += static_cast<int64_t>(r.tokens.size());
    nlohmann::ordered_json choice = {{"index", i}, {"text", echo ? prompt.text + r.text : r.text}};
    choice["logprobs"] = nullptr;
    if (p.request.logprobs) {
      CompletionLogprobs lp(model, echo ? 0 : CharCount(prompt.text));
      if (echo) AddPrompt(lp, prompt, r.prompt_logprobs);
      AddGenerated(lp, r.tokens, r.logprobs);
      choice["logprobs"] = lp.Take();
    }
    choice["finish_reason"] = r.finish_reason;
    if (p.request.return_token_ids) {
      choice["prompt_token_ids"] = prompt.ids;
      choice["token_ids"] = r.tokens;
    }
    choices.push_back(std::move(choice));
  }
  return {CompletionResponse("cmpl", "text_completion", model.name, std::move(choices), p.prompt_tokens,
                             completion_tokens),
          nullptr};
}

}  // namespace faq::serve
