// `faq serve` on SmolLM2-135M-Instruct against transformers, live: greedy chat completions
// equal generate(do_sample=False) on the prompt apply_chat_template builds (with and without a
// system message), stopping where transformers stops (<|im_end|>, the model's EOS).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>

#include "faq/serve/openai_server.h"
#include "faq/util/atomic_file.h"
#include "real/real_model.h"
#include "serve/serve_fixture.h"
#include "support/test_env.h"

namespace faq {
namespace {

using nlohmann::json;

TEST(RealServe, GreedyChatEqualsTransformersGenerate) {
  const std::string python = testing::PythonPath();
  ASSERT_FALSE(python.empty()) << "FAQ_PYTHON is not set: the setup installs transformers in the venv";
  const auto dir = testing::RealModelDir();
  const json conversations = json::array({
      json::array({{{"role", "user"}, {"content", "What is the capital of France?"}}}),
      json::array({{{"role", "system"}, {"content", "You answer in one short sentence."}},
                   {{"role", "user"}, {"content", "Why do leaves change colour in autumn?"}}}),
      json::array({{{"role", "user"}, {"content", "Say hello."}}}),
  });
  constexpr int kMaxTokens = 24;

  ServeOptions options;
  options.model_dir = dir;
  options.port = 0;
  options.max_batch = 2;
  OpenAiServer server(options);
  const int port = server.Start();
  std::vector<json> served;
  json spec = {{"dir", dir.string()}, {"chat", json::array()}, {"score", json::array()}};
  for (const auto& messages : conversations) {
    spec["chat"].push_back({{"messages", messages}, {"kwargs", json::object()}, {"max_new_tokens", kMaxTokens}});
    auto r = serve_test::Post(port, "/v1/chat/completions",
                              {{"messages", messages}, {"temperature", 0}, {"max_tokens", kMaxTokens},
                               {"return_token_ids", true}});
    ASSERT_EQ(r.status, 200) << r.raw;
    served.push_back(r.body);
  }
  server.Stop();

  testing::TempDir scratch;
  WriteFileAtomic(scratch / "spec.json", spec.dump());
  auto run = testing::Run({python, (testing::SourceDir() / "tests/serve/hf_serve_reference.py").string(),
                           (scratch / "spec.json").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json ref = json::parse(testing::LastLine(run.out));
  int stopped = 0;
  for (size_t i = 0; i < conversations.size(); ++i) {
    SCOPED_TRACE("conversation " + std::to_string(i));
    EXPECT_EQ(served[i]["prompt_token_ids"], ref["chat"][i]["prompt_ids"]) << "chat template";
    // generate() keeps the EOS it stopped on; faq's token_ids do too (vLLM's return_token_ids).
    EXPECT_EQ(served[i]["choices"][0]["token_ids"], ref["chat"][i]["generated"]) << "greedy tokens";
    const std::string finish = served[i]["choices"][0]["finish_reason"];
    stopped += finish == "stop";
    std::printf("conversation %zu (%s): %s\n", i, finish.c_str(),
                served[i]["choices"][0]["message"]["content"].get<std::string>().c_str());
  }
  EXPECT_GE(stopped, 1) << "no answer ended on <|im_end|> within " << kMaxTokens << " tokens: the stop is untested";
}

}  // namespace
}  // namespace faq
