// POST /v1/chat/completions: messages rendered with the model's chat template, n choices,
// the answer split into reasoning and content.
#include <fmt/format.h>

#include "api_error.h"
#include "api_handlers.h"
#include "chat_request.h"
#include "faq/util/error.h"
#include "reasoning_split.h"

namespace faq::serve {
namespace {

bool EndsWithOpenThink(const std::string& prompt) {
  size_t end = prompt.find_last_not_of(" \t\r\n");
  static const std::string kOpen = "<think>";
  return end != std::string::npos && end + 1 >= kOpen.size() &&
         prompt.compare(end + 1 - kOpen.size(), kOpen.size(), kOpen) == 0;
}

}  // namespace

nlohmann::ordered_json ChatCompletion(ServedModel& model, const std::string& body_text) {
  ChatRequest request = ReadChatRequest(body_text, model.name);
  const GenerationFields& f = request.fields;
  const bool return_token_ids = request.return_token_ids;
  ChatTemplateInputs& inputs = request.inputs;
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
  const std::vector<int32_t> ids = model.tokenizer->Encode(prompt, /*add_special_tokens=*/false);
  if (ids.empty()) BadRequest("messages", "the rendered conversation has no tokens");
  const auto prompt_tokens = static_cast<int64_t>(ids.size());
  const int64_t max_new = ResolveMaxTokens(f.max_tokens, model.Context(), prompt_tokens, model.Context());

  std::vector<SequenceRequest> sequences;
  for (int64_t i = 0; i < f.n; ++i) sequences.push_back(ChoiceSequence(f, ids, max_new, i, model.eos_ids));
  std::vector<SequenceResult> results = model.Run(std::move(sequences));

  const bool opened = EndsWithOpenThink(prompt);
  nlohmann::ordered_json choices = nlohmann::ordered_json::array();
  int64_t completion_tokens = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    completion_tokens += static_cast<int64_t>(r.tokens.size());
    const ReasoningSplit split = SplitReasoning(r.text, opened);
    nlohmann::ordered_json message = {{"role", "assistant"}};
    message["content"] = split.content ? nlohmann::ordered_json(*split.content) : nlohmann::ordered_json();
    // vLLM has used both names for the reasoning; clients read either.
    message["reasoning_content"] = split.reasoning ? nlohmann::ordered_json(*split.reasoning) : nlohmann::ordered_json();
    message["reasoning"] = message["reasoning_content"];
    choices.push_back({{"index", i}, {"message", message}, {"logprobs", nullptr}, {"finish_reason", r.finish_reason}});
    if (return_token_ids) choices.back()["token_ids"] = r.tokens;
  }
  nlohmann::ordered_json out =
      CompletionResponse("chatcmpl", "chat.completion", model.name, std::move(choices), prompt_tokens, completion_tokens);
  if (return_token_ids) out["prompt_token_ids"] = ids;
  return out;
}

}  // namespace faq::serve
