// The faq binary's contract: help, version, exit codes, --json as the last stdout line.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ATen/ATen.h>

#include <sstream>

#include "faq/model/random_model.h"
#include "faq/util/atomic_file.h"
#include "faq/util/exit_codes.h"
#include "support/test_env.h"

namespace faq {
namespace {

using testing::FaqBinary;


// A one-layer random Qwen3 model with the real Qwen3 tokenizer and chat template.
std::filesystem::path WriteModelWithQwen3Tokenizer(const std::filesystem::path& model) {
  auto config = TinyModelConfig("qwen3");
  config["vocab_size"] = 151669;  // the Qwen3 tokenizer's ids
  config["num_hidden_layers"] = 1;
  WriteRandomModel(model, config, {.seed = 2, .storage = at::kBFloat16});
  for (const char* f : {"tokenizer.json", "tokenizer_config.json"}) {
    std::filesystem::copy_file(testing::SharedDir() / "tokenizers/qwen3" / f, model / f);
  }
  return model;
}

TEST(Cli, HelpListsCommandsAndExitCodes) {
  auto r = testing::Run({FaqBinary(), "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("eval"), std::string::npos);
  EXPECT_NE(r.out.find("Exit codes"), std::string::npos);
  auto ppl = testing::Run({FaqBinary(), "eval", "ppl", "--help"});
  EXPECT_EQ(ppl.exit_code, 0);
  for (const char* opt : {"--model", "--data", "--seqlen", "--max-windows", "--json"}) {
    EXPECT_NE(ppl.out.find(opt), std::string::npos) << opt;
  }
}

// Every command's --help ends with the exit codes (one footer, from the table in error.h).
TEST(Cli, EveryCommandsHelpListsTheExitCodes) {
  const auto top = testing::Run({FaqBinary(), "--help"});
  ASSERT_EQ(top.exit_code, 0);
  std::vector<std::vector<std::string>> commands{{}, {"eval", "ppl"}};
  std::istringstream lines(top.out);
  bool in_list = false;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("Subcommands:", 0) == 0 || line.rfind("SUBCOMMANDS:", 0) == 0) in_list = true;
    else if (in_list && line.size() > 2 && line.rfind("  ", 0) == 0 && line[2] != ' ')
      commands.push_back({line.substr(2, line.find(' ', 2) - 2)});
  }
  ASSERT_GE(commands.size(), 12u) << top.out;  // faq, eval ppl and the ten commands
  for (const auto& command : commands) {
    std::vector<std::string> argv{FaqBinary()};
    argv.insert(argv.end(), command.begin(), command.end());
    argv.push_back("--help");
    const auto help = testing::Run(argv);
    const std::string name = "faq " + nlohmann::json(command).dump();
    EXPECT_EQ(help.exit_code, 0) << name;
    EXPECT_NE(help.out.find("Exit codes:"), std::string::npos) << name << "\n" << help.out;
    for (const auto& [code, meaning] : kExitCodeMeanings)
      EXPECT_NE(help.out.find(fmt::format("  {}  {}", static_cast<int>(code), meaning)), std::string::npos) << name;
  }
}

TEST(Cli, VersionPrintsOneLine) {
  auto r = testing::Run({FaqBinary(), "--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("faq ", 0), 0u) << r.out;
}

TEST(Cli, UsageErrorsExitWithTwo) {
  EXPECT_EQ(testing::Run({FaqBinary(), "no-such-command"}).exit_code, 2);
  EXPECT_EQ(testing::Run({FaqBinary(), "eval", "ppl", "--model", "x"}).exit_code, 2);  // --data missing
  EXPECT_EQ(testing::Run({FaqBinary(), "--log-level", "loud", "eval", "ppl", "--model", "x", "--data", "/etc/hostname"})
                .exit_code,
            2);
}

TEST(Cli, RuntimeErrorsExitWithOneAndSayWhy) {
  testing::TempDir dir;
  WriteFileAtomic(dir / "d.jsonl", "{\"input_ids\": [1,2,3]}\n");
  auto r = testing::Run({FaqBinary(), "eval", "ppl", "--model", (dir / "missing").string(), "--data", (dir / "d.jsonl").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("has no config.json"), std::string::npos) << r.err;
}

TEST(Cli, EvalPplJsonIsTheLastStdoutLine) {
  testing::TempDir dir;
  WriteRandomModel(dir / "m", TinyModelConfig("llama"), {.seed = 5});
  std::string ids;
  for (int i = 0; i < 100; ++i) ids += (i ? "," : "") + std::to_string((i * 7) % 256);
  WriteFileAtomic(dir / "d.jsonl", "{\"input_ids\": [" + ids + "]}\n");
  auto r = testing::Run({FaqBinary(), "eval", "ppl", "--model", (dir / "m").string(), "--data", (dir / "d.jsonl").string(),
                "--seqlen", "16", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(testing::LastLine(r.out));
  EXPECT_EQ(j["windows"], 6);
  EXPECT_EQ(j["tokens"], 6 * 15);
  EXPECT_GT(j["ppl"].get<double>(), 1.0);
  EXPECT_TRUE(j.contains("nll") && j.contains("seconds"));
  // Without --json: one readable line.
  auto plain = testing::Run({FaqBinary(), "eval", "ppl", "--model", (dir / "m").string(), "--data", (dir / "d.jsonl").string(),
                    "--seqlen", "16"});
  EXPECT_NE(plain.out.find("perplexity"), std::string::npos);
}

TEST(Cli, EvalPplOnRawTextEncodesWithTheModelsTokenizer) {
  const std::string python = testing::PythonPath();
  ASSERT_FALSE(python.empty());
  testing::TempDir dir;
  const auto model = WriteModelWithQwen3Tokenizer(dir / "m");
  // Two documents as JSONL `text` records: joined with a blank line, then encoded once.
  WriteFileAtomic(dir / "d.jsonl",
                  "{\"text\": \"The quick brown fox jumps over the lazy dog. \"}\n"
                  "{\"text\": \"Perplexity counts every predicted token, 12345 of them.\"}\n");
  auto r = testing::Run({FaqBinary(), "eval", "ppl", "--model", model.string(), "--data", (dir / "d.jsonl").string(),
                         "--seqlen", "4", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto ours = nlohmann::json::parse(testing::LastLine(r.out));
  std::string script =
      "import sys\nfrom tokenizers import Tokenizer\n"
      "t=Tokenizer.from_file(sys.argv[1])\n"
      "text='The quick brown fox jumps over the lazy dog. '+'\\n\\n'+'Perplexity counts every predicted token, 12345 of them.'\n"
      "print(len(t.encode(text, add_special_tokens=False).ids))\n";
  auto ref = testing::Run({python, "-c", script, (model / "tokenizer.json").string()});
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  EXPECT_EQ(ours["windows"].get<int64_t>(), std::stoll(testing::LastLine(ref.out)) / 4);
}

TEST(Cli, EvalPplOnConversationsRendersTheModelsChatTemplate) {
  const std::string python = testing::PythonPath();
  ASSERT_FALSE(python.empty());
  testing::TempDir dir;
  const auto model = WriteModelWithQwen3Tokenizer(dir / "m");
  const std::string conversation =
      R"([{"role": "user", "content": "What is 17 * 3?"}, {"role": "assistant", "content": "17 * 3 = 51."}])";
  WriteFileAtomic(dir / "c.jsonl", "{\"messages\": " + conversation + "}\n{\"messages\": " + conversation + "}\n");
  auto r = testing::Run({FaqBinary(), "eval", "ppl", "--model", model.string(), "--data", (dir / "c.jsonl").string(),
                         "--seqlen", "3", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto ours = nlohmann::json::parse(testing::LastLine(r.out));
  // transformers renders the template; the two renders are joined by a blank line.
  std::string script =
      "import sys, json\nfrom transformers import AutoTokenizer\n"
      "t = AutoTokenizer.from_pretrained(sys.argv[1])\n"
      "m = json.loads(sys.argv[2])\n"
      "one = t.apply_chat_template(m, tokenize=False)\n"
      "print(len(t(one + '\\n\\n' + one, add_special_tokens=False)['input_ids']))\n";
  auto ref = testing::Run({python, "-c", script, model.string(), conversation});
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  EXPECT_EQ(ours["windows"].get<int64_t>(), std::stoll(testing::LastLine(ref.out)) / 3);
}

}  // namespace
}  // namespace faq
