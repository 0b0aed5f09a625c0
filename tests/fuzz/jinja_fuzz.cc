// libFuzzer target: arbitrary bytes as a chat template, parsed and rendered with a small fixed
// context. Parse and render may fail, but only with faq::Error; runaway templates must hit
// the size/step/depth limits instead of hanging or exhausting memory.
#include <cstddef>
#include <cstdint>
#include <string>

#include "faq/template/chat_template.h"
#include "faq/util/error.h"

namespace {

faq::ChatTemplateInputs MakeInputs() {
  faq::ChatTemplateInputs in;
  in.messages = nlohmann::ordered_json::parse(R"([
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "What is 2+2? {{ x }} 北京"},
    {"role": "assistant", "content": "<think>\nadd\n</think>\n\n4", "reasoning_content": "add",
     "tool_calls": [{"type": "function", "function": {"name": "calc", "arguments": {"expr": "2+2"}}}]},
    {"role": "tool", "content": "4"}
  ])");
  in.tools = nlohmann::ordered_json::parse(
      R"([{"type": "function", "function": {"name": "calc", "parameters": {"type": "object"}}}])");
  in.add_generation_prompt = true;
  in.extra["enable_thinking"] = false;
  in.bos_token = "<s>";
  in.eos_token = "</s>";
  return in;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const faq::ChatTemplateInputs inputs = MakeInputs();
  faq::TemplateLimits limits;
  limits.max_output_bytes = 1 << 20;
  limits.max_steps = 200'000;
  limits.max_call_depth = 50;
  try {
    faq::ChatTemplate tmpl(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
    std::string out = tmpl.Render(inputs, limits);
    if (out.size() > limits.max_output_bytes) __builtin_trap();
  } catch (const faq::Error&) {
    // Expected for most inputs.
  }
  return 0;
}
