// faq serve against Hugging Face transformers, live: greedy chat completions equal
// generate(do_sample=False) on the prompt apply_chat_template builds, and the echoed prompt
// logprobs of /v1/completions equal log_softmax of transformers' logits (what
// lm-evaluation-harness's local-completions model sums for loglikelihood tasks), as do chat
// completions' token logprobs.
#include <gtest/gtest.h>

#include <cmath>

#include "faq/util/atomic_file.h"
#include "serve_fixture.h"
#include "support/test_env.h"

namespace faq::serve_test {
namespace {

using nlohmann::json;

TEST(ServeLive, GreedyChatAndPromptLogprobsMatchTransformers) {
  const std::string python = testing::PythonPath();
  ASSERT_FALSE(python.empty()) << "FAQ_PYTHON is not set: the setup installs transformers in the venv";
  const json conversations = json::array({
      json::array({{{"role", "user"}, {"content", "What is the capital of France?"}}}),
      json::array({{{"role", "system"}, {"content", "Be brief."}},
                   {{"role", "user"}, {"content", "Hello!"}},
                   {{"role", "assistant"}, {"content", "Hi. How can I help?"}},
                   {{"role", "user"}, {"content", "Say something."}}}),
  });
  const std::vector<json> kwargs = {{{"enable_thinking", false}}, json::object()};
  const std::vector<std::vector<int>> scored = {{9707, 11, 1879, 0, 576, 374, 264, 1273}, {785, 3974, 13876, 38835}};

  json spec = {{"dir", ModelDir().string()}, {"chat", json::array()}, {"score", scored}};
  std::vector<json> served;
  for (size_t i = 0; i < conversations.size(); ++i) {
    spec["chat"].push_back({{"messages", conversations[i]}, {"kwargs", kwargs[i]}, {"max_new_tokens", 10}});
    auto r = Post("/v1/chat/completions", {{"messages", conversations[i]},
                                           {"chat_template_kwargs", kwargs[i]},
                                           {"temperature", 0},
                                           {"max_tokens", 10},
                                           {"return_token_ids", true}});
    ASSERT_EQ(r.status, 200) << r.raw;
    served.push_back(r.body);
  }
  // lm-eval's loglikelihood request: token ids, echo, logprobs 1, and one new token (max_tokens 0 also works).
  auto scores = Post("/v1/completions", {{"prompt", scored}, {"max_tokens", 1}, {"echo", true}, {"logprobs", 1},
                                         {"temperature", 0}, {"seed", 1234}});
  ASSERT_EQ(scores.status, 200) << scores.raw;
  auto zero = Post("/v1/completions", {{"prompt", scored[0]}, {"max_tokens", 0}, {"echo", true}, {"logprobs", 1}});
  ASSERT_EQ(zero.status, 200) << zero.raw;

  // Chat logprobs: the generated tokens scored by transformers on prompt + answer.
  auto chat_lp = Post("/v1/chat/completions", {{"messages", conversations[0]},
                                               {"chat_template_kwargs", kwargs[0]},
                                               {"temperature", 0},
                                               {"max_tokens", 6},
                                               {"logprobs", true},
                                               {"top_logprobs", 2},
                                               {"return_token_ids", true}});
  ASSERT_EQ(chat_lp.status, 200) << chat_lp.raw;
  std::vector<int> answered = chat_lp.body["prompt_token_ids"].get<std::vector<int>>();
  const size_t chat_prompt_len = answered.size();
  for (int id : chat_lp.body["choices"][0]["token_ids"]) answered.push_back(id);
  spec["score"].push_back(answered);

  testing::TempDir scratch;
  WriteFileAtomic(scratch / "spec.json", spec.dump());
  const std::string script = std::string(FAQ_SERVE_TEST_DIR) + "/hf_serve_reference.py";
  auto run = testing::Run({python, script, (scratch / "spec.json").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json ref = json::parse(testing::LastLine(run.out));

  for (size_t i = 0; i < conversations.size(); ++i) {
    EXPECT_EQ(served[i]["prompt_token_ids"], ref["chat"][i]["prompt_ids"]) << "chat template, case " << i;
    EXPECT_EQ(served[i]["choices"][0]["token_ids"], ref["chat"][i]["generated"]) << "greedy tokens, case " << i;
  }
  for (size_t p = 0; p < scored.size(); ++p) {
    const json& lp = scores.body["choices"][p]["logprobs"];
    const size_t n = scored[p].size();
    ASSERT_EQ(lp["token_logprobs"].size(), n + 1) << "prompt tokens and the one generated token";
    EXPECT_TRUE(lp["token_logprobs"][0].is_null());
    EXPECT_TRUE(lp["top_logprobs"][0].is_null());
    EXPECT_EQ(lp["text_offset"][0], 0);
    for (size_t i = 1; i < n; ++i) {
      const double expected = ref["score"][p]["logprobs"][i - 1];
      EXPECT_NEAR(lp["token_logprobs"][i].get<double>(), expected, 1e-4) << "prompt " << p << " token " << i;
      // lm-eval's is_greedy: the token's logprob against the best of top_logprobs.
      double best = -INFINITY;
      for (const auto& [token, value] : lp["top_logprobs"][i].items()) best = std::max(best, value.get<double>());
      EXPECT_NEAR(best, ref["score"][p]["top1"][i - 1].get<double>(), 1e-4);
      EXPECT_GE(lp["text_offset"][i].get<int>(), lp["text_offset"][i - 1].get<int>());
    }
  }
  const json& content = chat_lp.body["choices"][0]["logprobs"]["content"];
  const json& chat_ref = ref["score"][scored.size()];
  ASSERT_EQ(content.size(), answered.size() - chat_prompt_len);
  for (size_t i = 0; i < content.size(); ++i) {
    const size_t at = chat_prompt_len - 1 + i;  // the logprob of token at + 1
    EXPECT_NEAR(content[i]["logprob"].get<double>(), chat_ref["logprobs"][at].get<double>(), 1e-4)
        << "chat token " << i;
    ASSERT_EQ(content[i]["top_logprobs"].size(), 2u);
    // Greedy: the chosen token is the best one, and the best is transformers' top-1.
    EXPECT_EQ(content[i]["top_logprobs"][0]["token"], content[i]["token"]);
    EXPECT_NEAR(content[i]["top_logprobs"][0]["logprob"].get<double>(), chat_ref["top1"][at].get<double>(), 1e-4);
    EXPECT_GE(content[i]["top_logprobs"][0]["logprob"].get<double>(),
              content[i]["top_logprobs"][1]["logprob"].get<double>());
    const std::string token = content[i]["token"];
    std::string from_bytes;
    for (int b : content[i]["bytes"]) from_bytes += static_cast<char>(b);
    // A piece of a character is sent as U+FFFD in `token`; its bytes are the raw ones.
    if (token.find("\xEF\xBF\xBD") == std::string::npos) {
      EXPECT_EQ(from_bytes, token);
    }
  }

  const json& z = zero.body["choices"][0];
  EXPECT_EQ(z["logprobs"]["token_logprobs"].size(), scored[0].size());
  EXPECT_EQ(z["finish_reason"], "length");
  EXPECT_EQ(zero.body["usage"]["completion_tokens"], 0);
  for (size_t i = 1; i < scored[0].size(); ++i) {
    EXPECT_EQ(z["logprobs"]["token_logprobs"][i], scores.body["choices"][0]["logprobs"]["token_logprobs"][i]);
  }
  // The echoed text is the prompt's decoding, followed by the new token's text.
  const std::string echoed = z["text"];
  EXPECT_EQ(scores.body["choices"][0]["text"].get<std::string>().rfind(echoed, 0), 0u);
}

}  // namespace
}  // namespace faq::serve_test
