// Fuzzes what faq reads from other machines' models: chat-completion bodies from an OpenAI
// server (faq regenerate, faq judge) and a judge's free-text verdicts. Arbitrary bytes
// must give a reply, a verdict, nullopt or faq::MalformedReply, never a crash; a parsed
// score must lie in the accepted range.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "faq/client/chat_reply.h"
#include "faq/regen/judge_reply_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const faq::ChatReply reply = faq::ParseChatReply(text, "fuzz");
    for (const auto& choice : reply.choices) {
      if (choice.reasoning && choice.reasoning->size() > size) __builtin_trap();
    }
    (void)faq::UsageTokens(reply.usage, "prompt_tokens");
  } catch (const faq::MalformedReply&) {
  }
  if (const auto score = faq::ParseJudgeScore(text); score && (*score < 1 || *score > 10)) __builtin_trap();
  if (const auto choice = faq::ParseJudgeChoice(text); choice && *choice != 'A' && *choice != 'B') __builtin_trap();
  const auto [reasoning, answer] = faq::SplitThinkBlock(text);
  if (answer.size() > size || (reasoning && reasoning->size() > size)) __builtin_trap();
  return 0;
}
