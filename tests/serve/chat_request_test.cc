// Request bodies as faq serve reads them, rendered with the real Qwen3 chat template: the
// apply_chat_template parameters given in chat_template_kwargs reach the template as vLLM
// passes them.
#include <gtest/gtest.h>

#include "faq/template/chat_template.h"
#include "faq/tokenizer/tokenizer_config.h"
#include "serve/api_error.h"
#include "serve/chat_request.h"
#include "support/test_env.h"

namespace faq::serve {
namespace {

constexpr const char* kTools =
    R"([{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",)"
    R"( "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}])";

std::string Rendered(const std::string& body) {
  static const ChatTemplate qwen3(LoadTokenizerConfig(testing::SharedDir() / "tokenizers" / "qwen3").chat_template);
  return qwen3.Render(ReadChatRequest(body, "m").inputs);
}

TEST(ChatRequest, ToolsInChatTemplateKwargsReachTheTemplate) {
  const std::string messages = R"("messages": [{"role": "user", "content": "Weather in Paris?"}])";
  const std::string as_field = Rendered("{" + messages + R"(, "tools": )" + kTools + "}");
  const std::string as_kwarg = Rendered("{" + messages + R"(, "chat_template_kwargs": {"tools": )" + kTools + "}}");
  EXPECT_NE(as_field.find("get_weather"), std::string::npos) << as_field;
  EXPECT_EQ(as_kwarg, as_field);
  // vLLM updates the arguments with the kwargs: theirs win over the request's field.
  const std::string both =
      Rendered("{" + messages + R"(, "tools": [], "chat_template_kwargs": {"tools": )" + kTools + "}}");
  EXPECT_EQ(both, as_field);
  const std::string no_prompt =
      Rendered("{" + messages + R"(, "chat_template_kwargs": {"add_generation_prompt": false}})");
  EXPECT_EQ(no_prompt.find("<|im_start|>assistant"), std::string::npos) << no_prompt;
  EXPECT_THROW(Rendered("{" + messages + R"(, "chat_template_kwargs": {"add_generation_prompt": 1}})"), ApiError);
}

}  // namespace
}  // namespace faq::serve
