// SmolLM2's tokenizer (GPT-2-style byte-level BPE, written by transformers' GGUF converter) and
// its ChatML chat template through faq's Jinja engine, against Hugging Face tokenizers and
// transformers' apply_chat_template, live, on sampled real texts and conversations.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <random>
#include <sstream>

#include "faq/template/chat_template.h"
#include "faq/tokenizer/tokenizer.h"
#include "faq/util/atomic_file.h"
#include "real/real_model.h"
#include "support/test_env.h"
#include "tokenizer/tokenizer_test_util.h"

namespace faq {
namespace {

using nlohmann::ordered_json;

// The JSON lines a reference script prints.
std::vector<nlohmann::json> RunReference(const std::vector<std::string>& argv) {
  auto r = testing::Run(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<nlohmann::json> lines;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

TEST(RealTokenizer, MatchesHfTokenizersOnSampledTexts) {
  const auto dir = testing::RealModelDir();
  auto tok = Tokenizer::Load(dir);
  EXPECT_EQ(tok->VocabSize(), 49152);
  const auto texts = testing::SampleTexts(/*per_source=*/60, /*synthetic=*/200);
  testing::TempDir scratch;
  std::string input;
  for (const auto& t : texts) input += nlohmann::json{{"text", t}}.dump() + "\n";
  WriteFileAtomic(scratch / "texts.jsonl", input);
  const auto ref = RunReference({testing::PythonPath(), (testing::SourceDir() / "tests/reference/hf_tokenize.py").string(),
                                 dir.string(), (scratch / "texts.jsonl").string()});
  ASSERT_EQ(ref.size(), texts.size());
  size_t ok = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const auto expected = ref[i].at("ids").get<std::vector<int32_t>>();
    const bool same = tok->Encode(texts[i]) == expected &&
                      tok->Encode(texts[i], true) == ref[i].at("ids_with_special_tokens").get<std::vector<int32_t>>() &&
                      tok->Decode(expected) == ref[i].at("decoded").get<std::string>();
    ok += same;
    if (!same) ADD_FAILURE() << "text " << i << ": " << nlohmann::json(texts[i]).dump().substr(0, 300);
  }
  EXPECT_EQ(ok, texts.size());
  std::printf("SmolLM2 tokenizer: %zu/%zu sampled texts identical to tokenizers\n", ok, texts.size());
}

struct ChatCase {
  ordered_json messages;
  bool add_generation_prompt;
};

// Conversations of GSM8K questions and answers: without a system message (the template
// injects its default one), with one, multi-turn, with and without the generation prompt.
std::vector<ChatCase> Conversations() {
  std::vector<nlohmann::json> gsm;
  std::istringstream lines(ReadFile(testing::SharedDir() / "data/gsm8k/test.jsonl"));
  for (std::string line; std::getline(lines, line);) gsm.push_back(nlohmann::json::parse(line));
  std::mt19937 rng(7);
  auto pick = [&] { return gsm[rng() % gsm.size()]; };
  auto msg = [](const char* role, const std::string& content) { return ordered_json{{"role", role}, {"content", content}}; };
  std::vector<ChatCase> cases;
  for (int i = 0; i < 12; ++i) {
    const auto a = pick(), b = pick();
    ordered_json m = ordered_json::array();
    if (i % 3 == 1) m.push_back(msg("system", "You are a careful math tutor. Show your steps."));
    m.push_back(msg("user", a["question"]));
    if (i % 2 == 0) {
      m.push_back(msg("assistant", a["answer"]));
      m.push_back(msg("user", b["question"]));
    }
    cases.push_back({m, i % 4 != 3});
  }
  cases.push_back({ordered_json::array({msg("user", "unicode: 北京 ☃ 😀 café\n\n  spaced  ")}), true});
  return cases;
}

TEST(RealChatTemplate, MatchesTransformersAndInjectsTheDefaultSystemPrompt) {
  const auto dir = testing::RealModelDir();
  auto tok = Tokenizer::Load(dir);
  ASSERT_FALSE(tok->Config().chat_template.empty()) << "no chat template in " << dir;
  const ChatTemplate chat(tok->Config().chat_template, (dir / "chat_template.jinja").string());
  const auto cases = Conversations();
  nlohmann::json spec = nlohmann::json::array();
  for (const auto& c : cases) spec.push_back({{"messages", c.messages}, {"add_generation_prompt", c.add_generation_prompt}});
  testing::TempDir scratch;
  WriteFileAtomic(scratch / "cases.json", spec.dump());
  const auto ref = RunReference({testing::PythonPath(), (testing::SourceDir() / "tests/real/hf_chat_reference.py").string(),
                                 dir.string(), (scratch / "cases.json").string()});
  ASSERT_EQ(ref.size(), cases.size());
  const std::string default_system = "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n";
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("conversation " + std::to_string(i));
    ChatTemplateInputs inputs;
    inputs.messages = cases[i].messages;
    inputs.add_generation_prompt = cases[i].add_generation_prompt;
    const std::string rendered = chat.Render(inputs);
    EXPECT_EQ(rendered, ref[i]["rendered"].get<std::string>());
    EXPECT_EQ(tok->Encode(rendered), ref[i]["ids"].get<std::vector<int32_t>>());
    const bool has_system = cases[i].messages[0]["role"] == "system";
    EXPECT_EQ(rendered.rfind(default_system, 0) == 0, !has_system) << rendered.substr(0, 200);
    EXPECT_EQ(rendered.ends_with("<|im_start|>assistant\n"), cases[i].add_generation_prompt);
  }
}

}  // namespace
}  // namespace faq
