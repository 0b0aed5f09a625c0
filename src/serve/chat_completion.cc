// POST /v1/chat/completions: messages rendered with the model's chat template, n choices,
// the answer split into reasoning and content, optional token logprobs, whole or streamed.
#include <fmt/format.h>

#include "api_error.h"
#include "api_handlers.h"
#include "chat_chunks.h"
#include "chat_request.h"
#include "faq/util/error.h"
#include "reasoning_split.h"
#include "token_stream.h"

namespace faq::serve {
namespace {

bool EndsWithOpenThink(const std::string& prompt) {
  size_t end = prompt.find_last_not_of(" \t\r\n");
  static const std::string kOpen = "<think>";
  return end != std::string::npos && end + 1 >= kOpen.size() &&
         prompt.compare(end + 1 - kOpen.size(), kOpen.size(), kOpen) == 0;
}

// The conversation rendered and tokenized, and one sequence per choice.
struct PreparedChat {
  ChatRequest request;
  std::vector<int32_t> ids;
  bool opened_thinking = false;  // the prompt ends inside a thought
  std::vector<SequenceRequest> sequences;
};

PreparedChat Prepare(ServedModel& model, const std::string& body_text) {
  PreparedChat p{ReadChatRequest(body_text, model.name)};
  ChatTemplateInputs& inputs = p.request.inputs;
  const auto& tc = model.tokenizer_config;
  inputs.bos_token = tc.bos_token;
  inputs.eos_token = tc.eos_token;
  inputs.pad_token = tc.pad_token;
  inputs.unk_token = tc.unk_token;
  if (!model.chat_template) BadRequest("messages", "the served model's tokenizer has no chat template");
  std::string prompt;
  try {
    prompt = model.chat_template->Render(inputs);
  } catch (const Error& e) {
    // raise_exception() in templates reports bad conversations (e.g. roles not alternating).
    BadRequest("messages", fmt::format("the chat template rejected the messages: {}", e.what()));
  }
  // The rendered text holds its special tokens already, as apply_chat_template(tokenize=True).
  p.ids = model.tokenizer->Encode(prompt, /*add_special_tokens=*/false);
  if (p.ids.empty()) BadRequest("messages", "the rendered conversation has no tokens");
  p.opened_thinking = EndsWithOpenThink(prompt);
  const GenerationFields& f = p.request.fields;
  const auto prompt_tokens = static_cast<int64_t>(p.ids.size());
  const int64_t max_new = ResolveMaxTokens(f.max_tokens, model.Context(), prompt_tokens, model.Context());
  for (int64_t i = 0; i < f.n; ++i) {
    SequenceRequest s = ChoiceSequence(f, p.ids, max_new, i, model.eos_ids);
    s.logprobs = p.request.top_logprobs ? static_cast<int>(*p.request.top_logprobs) : -1;
    p.sequences.push_back(std::move(s));
  }
  return p;
}

nlohmann::ordered_json OrNull(const std::optional<std::string>& s) {
  return s ? nlohmann::ordered_json(*s) : nlohmann::ordered_json();
}

Reply Stream(ServedModel& model, PreparedChat p) {
  const GenerationFields& f = p.request.fields;
  StreamOptions options{"chatcmpl", f.include_usage, f.stop, static_cast<int64_t>(p.ids.size())};
  auto stream = std::make_shared<TokenStream>(
      model, std::move(options),
      std::make_unique<ChatChunks>(model, p.sequences.size(), p.opened_thinking, p.request.top_logprobs.has_value()));
  stream->Start(std::move(p.sequences));
  return {nullptr, std::move(stream)};
}

}  // namespace

Reply ChatCompletion(ServedModel& model, const std::string& body_text) {
  PreparedChat p = Prepare(model, body_text);
  if (p.request.fields.stream) return Stream(model, std::move(p));
  std::vector<SequenceResult> results = model.Run(std::move(p.sequences));

  const bool return_token_ids = p.request.return_token_ids;
  nlohmann::ordered_json choices = nlohmann::ordered_json::array();
  int64_t completion_tokens = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    completion_tokens += static_cast<int64_t>(r.tokens.size());
    const ReasoningSplit split = SplitReasoning(r.text, p.opened_thinking);
    nlohmann::ordered_json message = {{"role", "assistant"}};
    message["content"] = OrNull(split.content);
    // vLLM has used both names for the reasoning; clients read either.
    message["reasoning_content"] = OrNull(split.reasoning);
    message["reasoning"] = message["reasoning_content"];
    nlohmann::ordered_json logprobs = p.request.top_logprobs ? ChatLogprobs(model, r.tokens, r.logprobs)
                                                             : nlohmann::ordered_json();
    choices.push_back({{"index", i}, {"message", message}, {"logprobs", logprobs}, {"finish_reason", r.finish_reason}});
    if (return_token_ids) choices.back()["token_ids"] = r.tokens;
  }
  const auto prompt_tokens = static_cast<int64_t>(p.ids.size());
  nlohmann::ordered_json out =
      CompletionResponse("chatcmpl", "chat.completion", model.name, std::move(choices), prompt_tokens, completion_tokens);
  if (return_token_ids) out["prompt_token_ids"] = p.ids;
  return {std::move(out), nullptr};
}

}  // namespace faq::serve
