// faq serve's generation over HTTP: greedy decoding with the KV cache and batching equals a
// plain argmax loop, seeded sampling is reproducible, stop strings, length limits, the
// reasoning split.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "faq/model/causal_lm.h"
#include "faq/tokenizer/tokenizer.h"
#include "serve/reasoning_split.h"
#include "serve/served_model.h"
#include "serve_fixture.h"

namespace faq::serve_test {
namespace {

using nlohmann::json;

std::vector<int64_t> Ids(const json& j) { return j.get<std::vector<int64_t>>(); }

// Greedy continuation without a cache: the whole sequence through Forward at every step.
std::vector<int64_t> ArgmaxLoop(const CausalLM& model, std::vector<int64_t> ids, int steps,
                                const std::vector<int64_t>& eos) {
  at::InferenceMode guard;
  std::vector<int64_t> out;
  for (int i = 0; i < steps; ++i) {
    at::Tensor logits = model.Forward(at::tensor(ids, at::kLong).unsqueeze(0));
    const int64_t next = logits[0][-1].argmax().item<int64_t>();
    out.push_back(next);
    ids.push_back(next);
    if (std::find(eos.begin(), eos.end(), next) != eos.end()) break;
  }
  return out;
}

json Chat(const std::string& user, json extra = json::object()) {
  json body = {{"model", "tiny-qwen3"},
               {"messages", {{{"role", "user"}, {"content", user}}}},
               {"temperature", 0},
               {"max_tokens", 12},
               {"return_token_ids", true},
               {"chat_template_kwargs", {{"enable_thinking", false}}}};
  body.update(extra);
  return body;
}

TEST(Serve, HealthAndModelList) {
  EXPECT_EQ(Get(ServerPort(), "/health").status, 200);
  auto models = Get(ServerPort(), "/v1/models");
  ASSERT_EQ(models.status, 200) << models.raw;
  EXPECT_EQ(models.body["data"][0]["id"], "tiny-qwen3");
  EXPECT_EQ(models.body["data"][0]["max_model_len"], 512);
}

TEST(Serve, GreedyChatEqualsAnArgmaxLoopWithoutCache) {
  auto r = Post("/v1/chat/completions", Chat("What is two plus two?"));
  ASSERT_EQ(r.status, 200) << r.raw;
  const auto prompt = Ids(r.body["prompt_token_ids"]);
  const auto generated = Ids(r.body["choices"][0]["token_ids"]);
  CausalLM model(ModelDir());
  EXPECT_EQ(generated, ArgmaxLoop(model, prompt, 12, {151645, 151643}));
  // The prompt is the chat template's rendering, thinking switched off by the kwargs.
  auto tokenizer = Tokenizer::Load(ModelDir());
  std::vector<int32_t> p32(prompt.begin(), prompt.end());
  const std::string text = tokenizer->Decode(p32);
  EXPECT_NE(text.find("<|im_start|>user\nWhat is two plus two?<|im_end|>"), std::string::npos) << text;
  EXPECT_TRUE(text.ends_with("<think>\n\n</think>\n\n")) << text;
  std::vector<int32_t> g32(generated.begin(), generated.end());
  const auto& choice = r.body["choices"][0];
  EXPECT_EQ(choice["message"]["content"], tokenizer->Decode(g32, true));
  EXPECT_TRUE(choice["message"]["reasoning_content"].is_null());
  EXPECT_EQ(r.body["usage"]["prompt_tokens"], prompt.size());
  EXPECT_EQ(r.body["usage"]["completion_tokens"], generated.size());
  EXPECT_EQ(r.body["usage"]["total_tokens"], prompt.size() + generated.size());
}

TEST(Serve, ConcurrentRequestsDecodeAsWhenAlone) {
  // Prompts of different lengths, so the batch is left-padded and rows join mid-flight.
  const std::vector<std::string> prompts = {"Hi", "Tell me a story about a dragon and a knight.", "2+2=", "Why?",
                                            "List three prime numbers, then explain why they are prime.", "ok"};
  auto ask = [](const std::string& p) {
    return Post("/v1/completions", {{"prompt", p}, {"max_tokens", 10}, {"temperature", 0}, {"return_token_ids", true}});
  };
  std::vector<json> alone;
  for (const auto& p : prompts) {
    auto r = ask(p);
    ASSERT_EQ(r.status, 200) << r.raw;
    alone.push_back(r.body["choices"][0]["token_ids"]);
  }
  std::vector<json> together(prompts.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < prompts.size(); ++i) {
    threads.emplace_back([&, i] { together[i] = ask(prompts[i]).body["choices"][0]["token_ids"]; });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < prompts.size(); ++i) EXPECT_EQ(together[i], alone[i]) << prompts[i];
  // All prompts in one request: choices in prompt order.
  auto batch = Post("/v1/completions", {{"prompt", prompts}, {"max_tokens", 10}, {"temperature", 0},
                                         {"return_token_ids", true}});
  ASSERT_EQ(batch.status, 200) << batch.raw;
  for (size_t i = 0; i < prompts.size(); ++i) EXPECT_EQ(batch.body["choices"][i]["token_ids"], alone[i]);
}

TEST(Serve, SeededSamplingIsReproducibleAndChoicesDiffer) {
  json body = Chat("Name a colour.", {{"n", 3}, {"temperature", 1.0}, {"top_p", 0.95}, {"top_k", 50}, {"seed", 1234},
                                      {"max_tokens", 8}});
  auto first = Post("/v1/chat/completions", body);
  ASSERT_EQ(first.status, 200) << first.raw;
  ASSERT_EQ(first.body["choices"].size(), 3u);
  // Again, while another request shares the batch: the same tokens.
  std::thread other([] { Post("/v1/completions", {{"prompt", "noise"}, {"max_tokens", 20}, {"temperature", 1}}); });
  auto second = Post("/v1/chat/completions", body);
  other.join();
  ASSERT_EQ(second.status, 200) << second.raw;
  std::set<json> distinct;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(first.body["choices"][i]["index"], i);
    EXPECT_EQ(first.body["choices"][i]["token_ids"], second.body["choices"][i]["token_ids"]) << i;
    distinct.insert(first.body["choices"][i]["token_ids"]);
  }
  EXPECT_EQ(distinct.size(), 3u) << first.raw;
  body["seed"] = 99;
  auto other_seed = Post("/v1/chat/completions", body);
  EXPECT_NE(other_seed.body["choices"][0]["token_ids"], first.body["choices"][0]["token_ids"]);
}

TEST(Serve, StopStringEndsTheTextBeforeItsFirstOccurrence) {
  json body = {{"prompt", "The weather today"}, {"max_tokens", 16}, {"temperature", 0}};
  auto full = Post("/v1/completions", body);
  ASSERT_EQ(full.status, 200) << full.raw;
  const std::string text = full.body["choices"][0]["text"];
  ASSERT_GE(text.size(), 6u) << text;
  const std::string stop = text.substr(text.size() / 2, 2);
  body["stop"] = {"never-in-the-text", stop};
  auto cut = Post("/v1/completions", body);
  ASSERT_EQ(cut.status, 200) << cut.raw;
  EXPECT_EQ(cut.body["choices"][0]["text"], text.substr(0, text.find(stop)));
  EXPECT_EQ(cut.body["choices"][0]["finish_reason"], "stop");
  EXPECT_LT(cut.body["usage"]["completion_tokens"].get<int>(), full.body["usage"]["completion_tokens"].get<int>() + 1);
  body["stop"] = stop;  // a single string works too
  EXPECT_EQ(Post("/v1/completions", body).body["choices"][0]["text"], cut.body["choices"][0]["text"]);
}

TEST(Serve, MaxTokensEndsWithLength) {
  auto r = Post("/v1/chat/completions", Chat("Count to one hundred.", {{"max_completion_tokens", 5}}));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(r.body["usage"]["completion_tokens"], 5);
  EXPECT_EQ(r.body["choices"][0]["token_ids"].size(), 5u);
}

TEST(Serve, EosIdsComeFromConfigGenerationConfigAndTokenizer) {
  CausalLM model(ModelDir());
  auto tokenizer = Tokenizer::Load(ModelDir());
  const auto ids = serve::CollectEosIds(ModelDir(), model.config(), *tokenizer);
  EXPECT_EQ(ids, (std::vector<int64_t>{151645, 151643}));
}

TEST(ReasoningSplit, FollowsTheQwen3Parser) {
  using serve::SplitReasoning;
  auto s = SplitReasoning("<think>\nplan\n</think>\n\nanswer", false);
  EXPECT_EQ(s.reasoning, "\nplan\n");
  EXPECT_EQ(s.content, "\n\nanswer");
  s = SplitReasoning("plan</think>answer", true);  // <think> was in the prompt
  EXPECT_EQ(s.reasoning, "plan");
  EXPECT_EQ(s.content, "answer");
  s = SplitReasoning("<think>still thinking", false);  // truncated thought: all reasoning
  EXPECT_EQ(s.reasoning, "still thinking");
  EXPECT_FALSE(s.content.has_value());
  s = SplitReasoning("just an answer", false);  // thinking off or skipped: all content
  EXPECT_FALSE(s.reasoning.has_value());
  EXPECT_EQ(s.content, "just an answer");
  s = SplitReasoning("<think>x</think>", false);  // nothing after the thought: content null
  EXPECT_EQ(s.reasoning, "x");
  EXPECT_FALSE(s.content.has_value());
}

}  // namespace
}  // namespace faq::serve_test
