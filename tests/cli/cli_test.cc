// The faq binary's contract: help, version, exit codes, --json as the last stdout line.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "faq/model/random_model.h"
#include "faq/util/atomic_file.h"
#include "support/test_env.h"

namespace faq {
namespace {

using testing::FaqBinary;


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

}  // namespace
}  // namespace faq
