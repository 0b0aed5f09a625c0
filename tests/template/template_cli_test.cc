// faq template through the binary: apply_chat_template's own parameters (tools, documents,
// add_generation_prompt) reach the template from --kwargs as transformers binds them, and
// a parameter given both ways is a usage error.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "faq/util/atomic_file.h"
#include "support/test_env.h"

namespace faq {
namespace {

// The golden Qwen3 case whose conversation calls a tool: its tools, messages and the text
// transformers rendered (../shared/golden/chat_template/qwen3.jsonl).
nlohmann::ordered_json GoldenToolCase() {
  std::ifstream in(testing::SharedDir() / "golden/chat_template/qwen3.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    auto rec = nlohmann::ordered_json::parse(line);
    if (rec["case"] == "tools_call_and_response") return rec;
  }
  ADD_FAILURE() << "no tools_call_and_response case in the Qwen3 golden file";
  return nullptr;
}

class TemplateCli : public ::testing::Test {
 protected:
  void SetUp() override {
    golden_ = GoldenToolCase();
    ASSERT_TRUE(golden_["inputs"]["add_generation_prompt"].get<bool>());
    WriteFileAtomic(dir_ / "messages.json", golden_["inputs"]["messages"].dump());
    WriteFileAtomic(dir_ / "tools.json", golden_["inputs"]["tools"].dump());
  }
  testing::CommandResult Template(std::vector<std::string> extra) const {
    std::vector<std::string> argv{testing::FaqBinary(), "template", "--tokenizer",
                                  (testing::SharedDir() / "tokenizers/qwen3").string(), "--messages",
                                  (dir_ / "messages.json").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return testing::Run(argv);
  }
  std::string Kwargs(const nlohmann::ordered_json& kwargs) const { return kwargs.dump(); }

  nlohmann::ordered_json golden_;
  testing::TempDir dir_;
};

TEST_F(TemplateCli, ToolsInKwargsRenderAsTransformersRendersThem) {
  const std::string expected = golden_["rendered"].get<std::string>();
  ASSERT_NE(expected.find("<tools>"), std::string::npos) << "the golden case should render its tools";
  const auto by_kwargs = Template({"--add-generation-prompt", "--kwargs", Kwargs({{"tools", golden_["inputs"]["tools"]}})});
  ASSERT_EQ(by_kwargs.exit_code, 0) << by_kwargs.err;
  EXPECT_EQ(by_kwargs.out, expected);
  const auto by_file = Template({"--add-generation-prompt", "--tools", (dir_ / "tools.json").string()});
  ASSERT_EQ(by_file.exit_code, 0) << by_file.err;
  EXPECT_EQ(by_file.out, expected);
  // add_generation_prompt is a parameter too: from --kwargs it means what the flag means.
  const auto all_kwargs = Template({"--kwargs", Kwargs({{"tools", golden_["inputs"]["tools"]}, {"add_generation_prompt", true}})});
  ASSERT_EQ(all_kwargs.exit_code, 0) << all_kwargs.err;
  EXPECT_EQ(all_kwargs.out, expected);
}

TEST_F(TemplateCli, AParameterGivenBothWaysIsAUsageError) {
  const auto tools = Template({"--tools", (dir_ / "tools.json").string(), "--kwargs",
                               Kwargs({{"tools", golden_["inputs"]["tools"]}})});
  EXPECT_EQ(tools.exit_code, 2);
  EXPECT_NE(tools.err.find("--kwargs gives 'tools', which --tools also gives"), std::string::npos) << tools.err;
  const auto prompt = Template({"--add-generation-prompt", "--kwargs", R"({"add_generation_prompt": false})"});
  EXPECT_EQ(prompt.exit_code, 2);
  EXPECT_NE(prompt.err.find("--add-generation-prompt also gives"), std::string::npos) << prompt.err;
  const auto messages = Template({"--kwargs", R"({"messages": [{"role": "user", "content": "Hi"}]})"});
  EXPECT_EQ(messages.exit_code, 2);
  EXPECT_NE(messages.err.find("--messages also gives"), std::string::npos) << messages.err;
}

TEST_F(TemplateCli, DocumentsInKwargsReachTheTemplate) {
  WriteFileAtomic(dir_ / "tok/chat_template.jinja",
                  "{% for d in documents %}[{{ d.title }}: {{ d.text }}]{% endfor %}{{ messages[0].content }}");
  WriteFileAtomic(dir_ / "chat.json", R"([{"role": "user", "content": "Which?"}])");
  const auto r = testing::Run({testing::FaqBinary(), "template", "--tokenizer", (dir_ / "tok").string(), "--messages",
                               (dir_ / "chat.json").string(), "--kwargs",
                               R"({"documents": [{"title": "A", "text": "one"}, {"title": "B", "text": "two"}]})"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "[A: one][B: two]Which?");
}

// The README's exit codes: a file that cannot be read as what it should hold is a bad input
// file (1), not a bad command line (2).
TEST_F(TemplateCli, AMalformedMessagesFileIsABadInputFile) {
  WriteFileAtomic(dir_ / "broken.json", R"([{"role": "user", "content": "Hi"})");
  std::vector<std::string> argv{testing::FaqBinary(), "template", "--tokenizer",
                                (testing::SharedDir() / "tokenizers/qwen3").string(), "--messages",
                                (dir_ / "broken.json").string()};
  const auto broken = testing::Run(argv);
  EXPECT_EQ(broken.exit_code, 1) << broken.err;
  EXPECT_NE(broken.err.find("--messages file " + (dir_ / "broken.json").string() + ": invalid JSON"), std::string::npos)
      << broken.err;
  WriteFileAtomic(dir_ / "broken.json", R"({"role": "user", "content": "Hi"})");
  const auto not_a_list = testing::Run(argv);
  EXPECT_EQ(not_a_list.exit_code, 1) << not_a_list.err;
  EXPECT_NE(not_a_list.err.find("expected a JSON array of messages"), std::string::npos) << not_a_list.err;
  const auto tools = Template({"--tools", (dir_ / "missing.json").string()});
  EXPECT_EQ(tools.exit_code, 1) << tools.err;
  // What is wrong on the command line itself stays a usage error.
  EXPECT_EQ(Template({"--kwargs", "{not json"}).exit_code, 2);
}

}  // namespace
}  // namespace faq
