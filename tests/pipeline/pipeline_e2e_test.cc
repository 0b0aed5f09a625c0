// faq pipeline end to end on the bundled tiny family, reduced: the real binary serves the
// elder on loopback, regenerates, judges, assembles, quantizes the target and evaluates on
// WikiText-2; a re-run reuses every step; a kill -9 mid-run followed by a re-run leaves
// exactly n candidates per seed.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "faq/io/json.h"
#include "faq/io/jsonl.h"
#include "faq/util/atomic_file.h"
#include "support/test_env.h"
#include "support/tiny_family_pipeline.h"

namespace faq {
namespace {

namespace fs = std::filesystem;
using testing::SourceDir;
using testing::TempDir;

constexpr int kSeeds = 6, kN = 2;

std::vector<nlohmann::json> ReadRecords(const fs::path& file) {
  std::vector<nlohmann::json> out;
  JsonlReader reader(file);
  while (auto rec = reader.Next()) out.push_back(rec->value);
  return out;
}

class PipelineE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path models = SourceDir() / "models";
    if (!fs::exists(models / "tiny-qwen3-elder/model.safetensors")) GTEST_FAIL() << "the bundled family is missing in " << models;
    testing::WriteTinyFamilyPipeline(dir_.path(), kSeeds, kN, 6);
  }

  std::vector<std::string> Command(std::vector<std::string> extra = {}) const {
    std::vector<std::string> argv{testing::FaqBinary(), "--threads", "1", "pipeline", "--config", (dir_ / "pipeline.yaml").string(), "--json"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }

  void ExpectExactlyNCandidatesPerSeed() const {
    std::map<std::string, std::set<int>> seen;
    for (const auto& c : ReadRecords(dir_ / "run/candidates.jsonl")) {
      const bool fresh = seen[c["id"].get<std::string>()].insert(c["candidate"].get<int>()).second;
      EXPECT_TRUE(fresh) << "duplicate candidate " << c.dump();
    }
    ASSERT_EQ(seen.size(), static_cast<size_t>(kSeeds));
    for (const auto& [id, candidates] : seen) EXPECT_EQ(candidates, (std::set<int>{0, 1})) << id;
  }

  TempDir dir_;
};

TEST_F(PipelineE2eTest, RunsEveryStageThenReusesThem) {
  const auto first = testing::Run(Command());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ExpectExactlyNCandidatesPerSeed();
  const auto judged = ReadRecords(dir_ / "run/judged.jsonl");
  ASSERT_EQ(judged.size(), static_cast<size_t>(kSeeds));
  for (const auto& j : judged) EXPECT_TRUE(j.contains("scores")) << j.dump();
  // Verdicts finish in any order; the finished file is in id order, so the calibration set
  // (and what it calibrates) is the same on every run.
  for (size_t i = 1; i < judged.size(); ++i) EXPECT_LT(judged[i - 1]["id"].dump(), judged[i]["id"].dump());
  // The FAQ set is rendered with the target's chat template; the raw-seed baseline is not.
  for (const auto& r : ReadRecords(dir_ / "run/calib-faq.jsonl"))
    EXPECT_NE(r["text"].get<std::string>().find("<|im_start|>assistant\n"), std::string::npos);
  for (const auto& r : ReadRecords(dir_ / "run/calib-base.jsonl"))
    EXPECT_EQ(r["text"].get<std::string>().find("<|im_start|>"), std::string::npos);

  const nlohmann::json result = ParseJson(testing::LastLine(first.out), "pipeline --json");
  ASSERT_EQ(result["table"].size(), 1u);
  const auto& row = result["table"][0];
  for (const char* key : {"fp", "base", "faq"}) ASSERT_TRUE(row[key].is_number()) << row.dump();
  // 4-bit quantization of a trained model costs perplexity, but not much.
  EXPECT_GT(row["base"].get<double>(), row["fp"].get<double>() * 0.98);
  EXPECT_LT(row["base"].get<double>(), row["fp"].get<double>() * 2);
  EXPECT_LT(row["faq"].get<double>(), row["fp"].get<double>() * 2);
  EXPECT_TRUE(fs::exists(dir_ / "run/results.md"));

  const std::string manifest_before = ReadFile(dir_ / "run/manifest.json");
  const auto second = testing::Run(Command());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(ReadFile(dir_ / "run/manifest.json"), manifest_before) << "a re-run with nothing changed ran steps again";
  EXPECT_EQ(ParseJson(testing::LastLine(second.out), "second run")["table"], result["table"]);

  // Another judge setting reruns the judge only (and what depends on its output).
  const auto third = testing::Run(Command({"--set", "judge.no_judge=true", "--until", "judge"}));
  ASSERT_EQ(third.exit_code, 0) << third.err;
  for (const auto& j : ReadRecords(dir_ / "run/judged.jsonl")) EXPECT_EQ(j["candidate"], 0) << j.dump();
  EXPECT_EQ(third.err.find("regenerate: faq"), std::string::npos) << "regenerate ran again:\n" << third.err;
}

TEST_F(PipelineE2eTest, KilledMidRegenerationResumesWithoutLossOrDuplicates) {
  const std::vector<std::string> argv = Command({"--until", "regenerate"});
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::freopen("/dev/null", "w", stdout);
    ::freopen("/dev/null", "w", stderr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  const fs::path candidates = dir_ / "run/candidates.jsonl";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (std::chrono::steady_clock::now() < deadline &&
         (!fs::exists(candidates) || ReadFile(candidates).find('\n') == std::string::npos)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the pipeline finished before it could be killed; status " << status;

  const auto resumed = testing::Run(Command({"--until", "regenerate"}));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  ExpectExactlyNCandidatesPerSeed();
}

}  // namespace
}  // namespace faq
