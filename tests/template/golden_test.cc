// Every record of ../shared/golden/chat_template must render byte for byte (or raise).
#include <gtest/gtest.h>

#include <fstream>

#include "faq/template/chat_template.h"
#include "faq/tokenizer/tokenizer_config.h"
#include "faq/util/error.h"
#include "support/test_env.h"

namespace faq {
namespace {

void CheckGoldenFile(const std::string& model) {
  const auto dir = testing::SharedDir();
  TokenizerConfig config = LoadTokenizerConfig(dir / "tokenizers" / model);
  ChatTemplate tmpl(config.chat_template, model);
  std::ifstream in(dir / "golden" / "chat_template" / (model + ".jsonl"));
  ASSERT_TRUE(in) << "missing golden file for " << model;
  std::string line;
  int records = 0, matched = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++records;
    auto rec = nlohmann::ordered_json::parse(line);
    const auto& in_json = rec["inputs"];
    ChatTemplateInputs inputs;
    inputs.bos_token = config.bos_token;
    inputs.eos_token = config.eos_token;
    inputs.pad_token = config.pad_token;
    inputs.unk_token = config.unk_token;
    inputs.messages = in_json["messages"];
    if (in_json.contains("tools")) inputs.tools = in_json["tools"];
    inputs.add_generation_prompt = in_json.value("add_generation_prompt", false);
    if (in_json.contains("enable_thinking")) inputs.extra["enable_thinking"] = in_json["enable_thinking"];
    const std::string name = rec["case"].get<std::string>();
    if (rec.contains("error")) {
      EXPECT_THROW(tmpl.Render(inputs), Error) << model << "/" << name;
      ++matched;
      continue;
    }
    std::string got;
    ASSERT_NO_THROW(got = tmpl.Render(inputs)) << model << "/" << name;
    EXPECT_EQ(got, rec["rendered"].get<std::string>()) << model << "/" << name;
    matched += got == rec["rendered"].get<std::string>();
  }
  EXPECT_GT(records, 0);
  EXPECT_EQ(matched, records) << model;
  std::printf("[golden] %s: %d/%d records matched\n", model.c_str(), matched, records);
}

TEST(ChatTemplateGolden, Qwen3) { CheckGoldenFile("qwen3"); }
TEST(ChatTemplateGolden, DeepSeekV3) { CheckGoldenFile("deepseek_v3"); }

}  // namespace
}  // namespace faq
