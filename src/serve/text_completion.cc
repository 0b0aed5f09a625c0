// POST /v1/completions: raw prompts (text or token ids), with `echo` and `logprobs` in the
// legacy OpenAI shape that lm-evaluation-harness's local-completions model scores.
#include <fmt/format.h>

#include "api_error.h"
#include "api_handlers.h"
#include "request_fields.h"

namespace faq::serve {
namespace {

struct Prompt {
  std::vector<int32_t> ids;
  std::string text;  // what `echo` prepends
};

std::vector<int32_t> ReadTokenIds(const nlohmann::ordered_json& list, int64_t vocab) {
  std::vector<int32_t> ids;
  for (const auto& v : list) {
    if (!v.is_number_integer()) BadRequest("prompt", "a token-id prompt must hold integers only");
    const auto id = v.get<int64_t>();
    if (id < 0 || id >= vocab) {
      BadRequest("prompt", fmt::format("token id {} is outside the model's vocabulary [0, {})", id, vocab));
    }
    ids.push_back(static_cast<int32_t>(id));
  }
  return ids;
}

// A string, a list of strings, a list of token ids or a list of such lists.
std::vector<Prompt> ReadPrompts(const ServedModel& model, const nlohmann::ordered_json& body) {
  auto it = body.find("prompt");
  if (it == body.end() || it->is_null()) BadRequest("prompt", "'prompt' is required");
  const int64_t vocab = model.model->config().vocab_size;
  auto from_text = [&](const std::string& text) {
    // As vLLM: the tokenizer's own special tokens (e.g. a BOS) are added to text prompts.
    return Prompt{model.tokenizer->Encode(text, /*add_special_tokens=*/true), text};
  };
  auto from_ids = [&](const nlohmann::ordered_json& list) {
    Prompt p{ReadTokenIds(list, vocab), ""};
    std::vector<int32_t> known;
    for (int32_t id : p.ids) {
      if (id < model.tokenizer->VocabSize()) known.push_back(id);
    }
    p.text = model.tokenizer->Decode(known, false);
    return p;
  };
  std::vector<Prompt> prompts;
  if (it->is_string()) {
    prompts.push_back(from_text(it->get<std::string>()));
  } else if (it->is_array() && !it->empty() && (*it)[0].is_number_integer()) {
    prompts.push_back(from_ids(*it));
  } else if (it->is_array() && !it->empty()) {
    for (const auto& p : *it) {
      if (p.is_string()) {
        prompts.push_back(from_text(p.get<std::string>()));
      } else if (p.is_array()) {
        prompts.push_back(from_ids(p));
      } else {
        BadRequest("prompt", "'prompt' must be a string, a list of strings, token ids or lists of token ids");
      }
    }
  } else {
    BadRequest("prompt", "'prompt' must be a string, a list of strings, token ids or lists of token ids");
  }
  for (const auto& p : prompts) {
    if (p.ids.empty()) BadRequest("prompt", "a prompt has no tokens");
  }
  return prompts;
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
  const nlohmann::ordered_json body = ParseBody(body_text);
  const GenerationFields f = ReadGenerationFields(body, model.name, 0);
  const std::vector<Prompt> prompts = ReadPrompts(model, body);
  const bool echo = BoolField(body, "echo").value_or(false);
  const bool return_token_ids = BoolField(body, "return_token_ids").value_or(false);  // vLLM's extension
  const std::optional<int64_t> logprobs = IntField(body, "logprobs", 0, 20);
  if (auto it = body.find("suffix"); it != body.end() && !it->is_null()) {
    BadRequest("suffix", "'suffix' is not supported by faq serve");
  }
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
