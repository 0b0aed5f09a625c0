// POST /v1/completions: raw prompts (text or token ids), with `echo` and `logprobs` in the
// legacy OpenAI shape that lm-evaluation-harness's local-completions model scores.
#include <fmt/format.h>

#include "api_error.h"
#include "api_handlers.h"
#include "completion_request.h"

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

// UTF-8 characters, the unit of Python's len() that text_offset counts in.
int64_t CharCount(const std::string& s) {
  int64_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

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

// The `logprobs` object: one entry per echoed prompt token (the first has no logprob) and
// per generated token.
nlohmann::ordered_json LogprobsObject(const ServedModel& model, const Prompt& prompt, const SequenceResult& r,
                                      bool echo) {
  nlohmann::ordered_json tokens = nlohmann::ordered_json::array(), token_logprobs = tokens, top_logprobs = tokens,
                         text_offset = tokens;
  int64_t offset = echo ? 0 : CharCount(prompt.text);
  auto add = [&](int32_t id, const TokenLogprob* lp) {
    std::string text = model.TokenText(id);
    token_logprobs.push_back(lp != nullptr ? nlohmann::ordered_json(lp->logprob) : nlohmann::ordered_json());
    top_logprobs.push_back(lp != nullptr ? TopDict(model, *lp, id) : nlohmann::ordered_json());
    text_offset.push_back(offset);
    offset += CharCount(text);
    tokens.push_back(std::move(text));
  };
  if (echo) {
    for (size_t i = 0; i < prompt.ids.size(); ++i) add(prompt.ids[i], i == 0 ? nullptr : &r.prompt_logprobs[i - 1]);
  }
  for (size_t i = 0; i < r.tokens.size(); ++i) add(r.tokens[i], &r.logprobs[i]);
  return {{"tokens", tokens}, {"token_logprobs", token_logprobs}, {"top_logprobs", top_logprobs},
          {"text_offset", text_offset}};
}

}  // namespace

nlohmann::ordered_json TextCompletion(ServedModel& model, const std::string& body_text) {
  const CompletionRequest request = ReadCompletionRequest(body_text, model.name, model.model->config().vocab_size);
  const GenerationFields& f = request.fields;
  const bool echo = request.echo;
  const bool return_token_ids = request.return_token_ids;
  const std::optional<int64_t>& logprobs = request.logprobs;
  std::vector<Prompt> prompts;
  for (const auto& input : request.prompts) prompts.push_back(ToPrompt(model, input));
  std::vector<SequenceRequest> sequences;
  int64_t prompt_tokens = 0;
  for (const auto& p : prompts) {
    const auto len = static_cast<int64_t>(p.ids.size());
    prompt_tokens += len;
    // OpenAI's legacy default is 16 new tokens.
    const int64_t max_new = ResolveMaxTokens(f.max_tokens, 16, len, model.Context());
    for (int64_t j = 0; j < f.n; ++j) {
      SequenceRequest s = ChoiceSequence(f, p.ids, max_new, j, model.eos_ids);
      s.logprobs = logprobs ? static_cast<int>(*logprobs) : -1;
      s.prompt_logprobs = logprobs && echo ? static_cast<int>(*logprobs) : -1;
      sequences.push_back(std::move(s));
    }
  }
  std::vector<SequenceResult> results = model.Run(std::move(sequences));

  nlohmann::ordered_json choices = nlohmann::ordered_json::array();
  int64_t completion_tokens = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    const Prompt& p = prompts[i / static_cast<size_t>(f.n)];
    completion_tokens += static_cast<int64_t>(r.tokens.size());
    nlohmann::ordered_json choice = {{"index", i}, {"text", echo ? p.text + r.text : r.text}};
    choice["logprobs"] = logprobs ? LogprobsObject(model, p, r, echo) : nlohmann::ordered_json();
    choice["finish_reason"] = r.finish_reason;
    if (return_token_ids) {
      choice["prompt_token_ids"] = p.ids;
      choice["token_ids"] = r.tokens;
    }
    choices.push_back(std::move(choice));
  }
  return CompletionResponse("cmpl", "text_completion", model.name, std::move(choices), prompt_tokens,
                            completion_tokens);
}

}  // namespace faq::serve
