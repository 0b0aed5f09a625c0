// libFuzzer target: the input is an HTTP request body for `faq serve`, read both as a
// /v1/chat/completions and as a /v1/completions body, then taken as far as the server takes
// it before the model runs: the conversation rendered with the bundled tiny Qwen3's chat
// template and tokenized, prompts tokenized or their ids decoded, the token budget resolved
// and one sequence built per choice. Every failure must be an ApiError (answered 4xx) or a
// faq::Error; an accepted request must fit the model's context.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <variant>

#include "faq/io/json.h"
#include "faq/model/model_config.h"
#include "faq/template/chat_template.h"
#include "faq/tokenizer/tokenizer.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"
#include "serve/api_error.h"
#include "serve/chat_request.h"
#include "serve/completion_request.h"

#ifndef FAQ_SOURCE_DIR
#define FAQ_SOURCE_DIR "."
#endif

namespace {

using faq::serve::ApiError;

// The bundled model the tests serve, without its weights: what the request path reads.
struct Served {
  std::string name = "tiny-qwen3";
  std::unique_ptr<faq::Tokenizer> tokenizer;
  std::unique_ptr<faq::ChatTemplate> chat_template;
  faq::ModelConfig config;
  std::vector<int64_t> eos_ids;
};

const Served& GetServed() {
  static const Served served = [] {
    const std::string dir = std::string(FAQ_SOURCE_DIR) + "/models/tiny-qwen3-target";
    Served s;
    s.tokenizer = faq::Tokenizer::Load(dir);
    s.chat_template = std::make_unique<faq::ChatTemplate>(s.tokenizer->Config().chat_template, "tiny-qwen3");
    const std::string config = dir + "/config.json";
    s.config = faq::ParseModelConfig(faq::ParseJson(faq::ReadFile(config), config), config);
    s.eos_ids = s.config.eos_token_ids;
    return s;
  }();
  return served;
}

void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "accepted a request that breaks: %s\n", what);
    std::abort();
  }
}

// What the handler does with the generation fields once the prompt has `prompt_tokens`.
void PlanChoices(const Served& s, const faq::serve::GenerationFields& f, const std::vector<int32_t>& ids,
                 int64_t default_tokens) {
  const int64_t context = s.config.max_position_embeddings;
  const auto prompt_tokens = static_cast<int64_t>(ids.size());
  const int64_t max_new = faq::serve::ResolveMaxTokens(f.max_tokens, default_tokens, prompt_tokens, context);
  Require(max_new >= 0 && prompt_tokens + max_new <= context, "the prompt and its completion fit the context");
  for (int64_t i = 0; i < f.n; ++i) {
    const faq::SequenceRequest seq = faq::serve::ChoiceSequence(f, ids, max_new, i, s.eos_ids);
    Require(seq.max_new_tokens == max_new && seq.prompt.size() == ids.size(), "a choice keeps the prompt and budget");
  }
}

void Chat(const Served& s, const std::string& body) {
  faq::serve::ChatRequest r = faq::serve::ReadChatRequest(body, s.name);
  Require(!r.inputs.messages.empty(), "a conversation with messages");
  const auto& tc = s.tokenizer->Config();
  r.inputs.bos_token = tc.bos_token;
  r.inputs.eos_token = tc.eos_token;
  std::string prompt;
  try {
    prompt = s.chat_template->Render(r.inputs);
  } catch (const faq::Error&) {
    return;  // answered as a 400 by the handler
  }
  const std::vector<int32_t> ids = s.tokenizer->Encode(prompt, /*add_special_tokens=*/false);
  if (ids.empty()) return;  // a 400
  PlanChoices(s, r.fields, ids, s.config.max_position_embeddings);
}

void Completion(const Served& s, const std::string& body) {
  const faq::serve::CompletionRequest r = faq::serve::ReadCompletionRequest(body, s.name, s.config.vocab_size);
  Require(!r.prompts.empty(), "at least one prompt");
  Require(!r.logprobs || (*r.logprobs >= 0 && *r.logprobs <= 20), "logprobs in [0, 20]");
  for (const auto& input : r.prompts) {
    std::vector<int32_t> ids;
    if (const auto* text = std::get_if<std::string>(&input)) {
      ids = s.tokenizer->Encode(*text, /*add_special_tokens=*/true);
      if (ids.empty()) continue;  // a 400
    } else {
      ids = std::get<std::vector<int32_t>>(input);
      Require(!ids.empty(), "an id prompt with ids");
      for (int32_t id : ids) Require(id >= 0 && id < s.config.vocab_size, "ids inside the vocabulary");
      (void)s.tokenizer->Decode(ids);
    }
    PlanChoices(s, r.fields, ids, 16);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Served& served = GetServed();
  const std::string body(reinterpret_cast<const char*>(data), size);
  for (auto* handler : {&Chat, &Completion}) {
    try {
      handler(served, body);
    } catch (const ApiError& e) {
      Require(e.status() == 400 || e.status() == 404, "a client error status");
    } catch (const faq::Error&) {
      // e.g. a prompt that is not valid UTF-8: reported, by design.
    }
  }
  return 0;
}
