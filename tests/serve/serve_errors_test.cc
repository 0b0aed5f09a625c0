// Bad requests get OpenAI-style errors with the right status, and the server keeps serving.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "serve_fixture.h"

namespace faq::serve_test {
namespace {

using nlohmann::json;

struct BadRequest {
  std::string path;
  std::string body;
  int status;
  std::string param;  // expected error.param ("" = null)
};

// `words` distinct-ish words: about one token each.
std::string LongText(int words) {
  std::string text;
  for (int i = 0; i < words; ++i) text += " word" + std::to_string(i % 10);
  return text;
}

json ChatWith(json fields) {
  json body = {{"messages", {{{"role", "user"}, {"content", "hi"}}}}, {"max_tokens", 2}};
  body.update(fields);
  return body;
}

std::vector<BadRequest> Cases() {
  const std::string chat = "/v1/chat/completions", text = "/v1/completions";
  return {
      {chat, "{not json", 400, ""},
      {chat, "[1, 2]", 400, ""},
      {chat, "", 400, ""},
      {chat, json({{"max_tokens", 2}}).dump(), 400, "messages"},
      {chat, json({{"messages", "hi"}}).dump(), 400, "messages"},
      {chat, json({{"messages", json::array()}}).dump(), 400, "messages"},
      {chat, json({{"messages", {{{"content", "no role"}}}}}).dump(), 400, "messages[0].role"},
      {chat, json({{"messages", {{{"role", "user"}, {"content", 5}}}}}).dump(), 400, "messages[0].content"},
      {chat, ChatWith({{"temperature", "hot"}}).dump(), 400, "temperature"},
      {chat, ChatWith({{"temperature", -1}}).dump(), 400, "temperature"},
      {chat, ChatWith({{"top_p", 0}}).dump(), 400, "top_p"},
      {chat, ChatWith({{"top_p", 1.5}}).dump(), 400, "top_p"},
      {chat, ChatWith({{"top_k", 2.5}}).dump(), 400, "top_k"},
      {chat, ChatWith({{"n", 0}}).dump(), 400, "n"},
      {chat, ChatWith({{"n", 100000}}).dump(), 400, "n"},
      {chat, ChatWith({{"max_tokens", 0}}).dump(), 400, "max_tokens"},
      {chat, ChatWith({{"max_tokens", -3}}).dump(), 400, "max_tokens"},
      {chat, ChatWith({{"max_tokens", 100000}}).dump(), 400, "max_tokens"},
      {chat, ChatWith({{"max_tokens", 18446744073709551615ULL}}).dump(), 400, "max_tokens"},
      // The largest int64 is a valid integer: prompt length + max_tokens must not overflow (signed
      // overflow in ResolveMaxTokens, reported by UBSan in tests/fuzz/serve_request_fuzz).
      {chat, ChatWith({{"max_tokens", std::numeric_limits<int64_t>::max()}}).dump(), 400, "max_tokens"},
      {text, json({{"prompt", "hi"}, {"max_completion_tokens", std::numeric_limits<int64_t>::max()}}).dump(), 400,
       "max_tokens"},
      {chat, ChatWith({{"seed", "abc"}}).dump(), 400, "seed"},
      {chat, ChatWith({{"stop", 5}}).dump(), 400, "stop"},
      {chat, ChatWith({{"stop", {"ok", 1}}}).dump(), 400, "stop"},
      {chat, ChatWith({{"stop", ""}}).dump(), 400, "stop"},
      {chat, ChatWith({{"stream", "yes"}}).dump(), 400, "stream"},
      {chat, ChatWith({{"stream_options", {{"include_usage", true}}}}).dump(), 400, "stream_options"},
      {chat, ChatWith({{"stream", true}, {"stream_options", true}}).dump(), 400, "stream_options"},
      {chat, ChatWith({{"logprobs", "yes"}}).dump(), 400, "logprobs"},
      {chat, ChatWith({{"top_logprobs", 2}}).dump(), 400, "top_logprobs"},
      {chat, ChatWith({{"logprobs", true}, {"top_logprobs", 21}}).dump(), 400, "top_logprobs"},
      {chat, ChatWith({{"stream", true}, {"model", "gpt-4"}}).dump(), 404, "model"},
      {chat, ChatWith({{"chat_template_kwargs", "enable_thinking"}}).dump(), 400, "chat_template_kwargs"},
      {chat, ChatWith({{"model", "gpt-4"}}).dump(), 404, "model"},
      {chat, ChatWith({{"messages", {{{"role", "user"}, {"content", LongText(800)}}}}}).dump(), 400,
       "messages"},  // beyond the 512-token context
      {text, json({{"max_tokens", 2}}).dump(), 400, "prompt"},
      {text, json({{"prompt", json::array()}}).dump(), 400, "prompt"},
      {text, json({{"prompt", ""}}).dump(), 400, "prompt"},
      {text, json({{"prompt", {1, 2, 151669}}}).dump(), 400, "prompt"},
      {text, json({{"prompt", {1, -2}}}).dump(), 400, "prompt"},
      {text, json({{"prompt", {1, "a"}}}).dump(), 400, "prompt"},
      {text, json({{"prompt", {{1, 2}, 3}}}).dump(), 400, "prompt"},
      {text, json({{"prompt", "hi"}, {"logprobs", 50}}).dump(), 400, "logprobs"},
      {text, json({{"prompt", "hi"}, {"echo", "yes"}}).dump(), 400, "echo"},
      {text, json({{"prompt", "hi"}, {"max_tokens", 600}}).dump(), 400, "max_tokens"},
      {"/v1/nothing", "{}", 404, ""},
  };
}

TEST(ServeErrors, EveryBadRequestGetsAnOpenAiErrorAndTheServerGoesOn) {
  for (const auto& c : Cases()) {
    auto r = PostRaw(ServerPort(), c.path, c.body);
    SCOPED_TRACE(c.path + " " + c.body.substr(0, 200));
    EXPECT_EQ(r.status, c.status) << r.raw;
    ASSERT_TRUE(r.body.is_object() && r.body.contains("error")) << r.raw;
    const json& e = r.body["error"];
    EXPECT_TRUE(e["message"].is_string() && !e["message"].get<std::string>().empty());
    EXPECT_TRUE(e["type"].is_string());
    if (c.status == 400) {
      EXPECT_EQ(e["type"], "invalid_request_error");
    }
    if (c.param.empty()) {
      EXPECT_TRUE(e["param"].is_null()) << e;
    } else {
      EXPECT_EQ(e["param"], c.param);
    }
    ASSERT_EQ(Get(ServerPort(), "/health").status, 200);
  }
  // After all of that, requests are still answered.
  auto ok = Post("/v1/chat/completions", ChatWith({{"temperature", 0}}));
  EXPECT_EQ(ok.status, 200) << ok.raw;
}

TEST(ServeErrors, OversizedBodyIs413) {
  const std::string big = json({{"prompt", std::string(100 << 10, 'a')}}).dump();  // the fixture allows 64 KiB
  auto r = PostRaw(ServerPort(), "/v1/completions", big);
  EXPECT_EQ(r.status, 413) << r.raw.substr(0, 200);
  EXPECT_TRUE(r.body.contains("error")) << r.raw.substr(0, 200);
  EXPECT_EQ(Get(ServerPort(), "/health").status, 200);
}

TEST(ServeErrors, WrongMethodIsAnError) {
  auto r = Get(ServerPort(), "/v1/chat/completions");
  EXPECT_GE(r.status, 400);
  EXPECT_TRUE(r.body.contains("error")) << r.raw;
}

}  // namespace
}  // namespace faq::serve_test
