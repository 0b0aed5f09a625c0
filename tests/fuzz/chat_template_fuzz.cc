// libFuzzer target: a chat template rendered with a conversation built from the input.
// Input: the template source, then optionally a NUL byte and the bytes that choose the
// conversation (roles, contents, reasoning, tool calls and tools, add_generation_prompt,
// enable_thinking, special tokens). Without the NUL, a fixed conversation is used, so a
// real template file is a seed as it is. Parse and render may fail, but only with
// faq::Error, and the output must respect the render limits.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "faq/template/chat_template.h"
#include "faq/util/error.h"

namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kRoles[] = {"user", "assistant", "system", "tool", "developer"};
constexpr const char* kContents[] = {"",
                                     "What is 2+2?",
                                     "<think>\nadd\n</think>\n\n4",
                                     "Solve x^2 = 9.",
                                     "北京 😀 café",
                                     "{{ messages }} {% raw %}",
                                     "<|im_start|>assistant\n<｜Assistant｜>"};
constexpr const char* kToolNames[] = {"get_weather", "calc"};
constexpr const char* kTokens[] = {"<s>", "</s>", "<|endoftext|>", "<｜begin▁of▁sentence｜>"};

template <typename T, size_t N>
const T& Pick(FuzzedDataProvider& in, const T (&pool)[N]) {
  return pool[in.ConsumeIntegralInRange<size_t>(0, N - 1)];
}

// A pooled string most of the time, else ASCII from the input: conversations reach templates
// from parsed JSON, which is valid UTF-8, so fuzzed bytes are masked to stay so.
std::string Text(FuzzedDataProvider& in) {
  if (in.ConsumeIntegralInRange<int>(0, 3) != 0) return Pick(in, kContents);
  std::string s = in.ConsumeRandomLengthString(64);
  for (char& c : s) c = static_cast<char>(c & 0x7f);
  return s;
}

Json Arguments(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0: return Json{{"city", Text(in)}, {"days", in.ConsumeIntegral<int8_t>()}};
    case 1: return Json{{"expr", "2+2"}, {"nested", Json{{"list", Json::array({1, "two", nullptr})}}}};
    case 2: return R"({"expr": "2+2"})";  // some servers send arguments as a JSON string
    default: return Json();
  }
}

Json ToolCall(FuzzedDataProvider& in) {
  Json call{{"type", "function"},
            {"function", Json{{"name", in.ConsumeBool() ? Pick(in, kToolNames) : Text(in)}, {"arguments", Arguments(in)}}}};
  if (in.ConsumeBool()) call["id"] = "call_" + std::to_string(in.ConsumeIntegral<uint8_t>());
  return call;
}

Json Message(FuzzedDataProvider& in) {
  Json m{{"role", in.ConsumeIntegralInRange<int>(0, 7) != 0 ? std::string(Pick(in, kRoles)) : Text(in)}};
  switch (in.ConsumeIntegralInRange<int>(0, 5)) {
    case 0: m["content"] = nullptr; break;
    case 1: m["content"] = Json::array({Json{{"type", "text"}, {"text", Text(in)}}}); break;
    case 2: break;  // no content at all
    default: m["content"] = Text(in);
  }
  if (in.ConsumeIntegralInRange<int>(0, 3) == 0) m["reasoning_content"] = Text(in);
  if (in.ConsumeIntegralInRange<int>(0, 3) == 0) {
    Json calls = Json::array();
    for (int i = in.ConsumeIntegralInRange<int>(0, 2); i >= 0; --i) calls.push_back(ToolCall(in));
    m["tool_calls"] = calls;
  }
  if (in.ConsumeIntegralInRange<int>(0, 7) == 0) m["name"] = Pick(in, kToolNames);
  return m;
}

Json Tools(FuzzedDataProvider& in) {
  Json tools = Json::array();
  for (int i = in.ConsumeIntegralInRange<int>(0, 2); i > 0; --i) {
    tools.push_back(Json{{"type", "function"},
                         {"function", Json{{"name", Pick(in, kToolNames)},
                                           {"description", Text(in)},
                                           {"parameters", Json{{"type", "object"},
                                                               {"properties", Json{{"city", Json{{"type", "string"}}}}},
                                                               {"required", Json::array({"city"})}}}}}});
  }
  return tools;
}

faq::ChatTemplateInputs Conversation(FuzzedDataProvider& in) {
  faq::ChatTemplateInputs c;
  for (int i = in.ConsumeIntegralInRange<int>(1, 6); i > 0; --i) c.messages.push_back(Message(in));
  if (in.ConsumeBool()) c.tools = Tools(in);
  c.add_generation_prompt = in.ConsumeBool();
  switch (in.ConsumeIntegralInRange<int>(0, 2)) {
    case 0: c.extra["enable_thinking"] = false; break;
    case 1: c.extra["enable_thinking"] = true; break;
    default: break;
  }
  if (in.ConsumeBool()) c.bos_token = Pick(in, kTokens);
  if (in.ConsumeBool()) c.eos_token = Pick(in, kTokens);
  return c;
}

faq::ChatTemplateInputs FixedConversation() {
  faq::ChatTemplateInputs c;
  c.messages = Json::parse(R"([
    {"role": "system", "content": "You are a careful math tutor."},
    {"role": "user", "content": "What is 2+2?"},
    {"role": "assistant", "content": "<think>\nadd\n</think>\n\n4", "reasoning_content": "add",
     "tool_calls": [{"type": "function", "function": {"name": "calc", "arguments": {"expr": "2+2"}}}]},
    {"role": "tool", "content": "4"},
    {"role": "user", "content": "Thanks."}
  ])");
  c.tools = Json::parse(R"([{"type": "function", "function": {"name": "calc", "parameters": {"type": "object"}}}])");
  c.add_generation_prompt = true;
  c.bos_token = "<s>";
  c.eos_token = "</s>";
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  const std::string_view source = input.substr(0, nul);
  faq::ChatTemplateInputs conversation;
  if (nul == std::string_view::npos) {
    conversation = FixedConversation();
  } else {
    FuzzedDataProvider in(data + nul + 1, size - nul - 1);
    conversation = Conversation(in);
  }
  faq::TemplateLimits limits;
  limits.max_output_bytes = 1 << 20;
  limits.max_steps = 200'000;
  limits.max_call_depth = 50;
  try {
    const faq::ChatTemplate tmpl{std::string(source), "fuzz"};
    const std::string out = tmpl.Render(conversation, limits);
    if (out.size() > limits.max_output_bytes) std::abort();
  } catch (const faq::Error&) {
    // Syntax errors, raise_exception() and exceeded limits are reported, by design.
  }
  return 0;
}
