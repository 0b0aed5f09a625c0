// The real `faq regenerate` / `faq judge` binary: --json, exit codes, and kill -9 + resume.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "fake_openai_server.h"
#include "regen_test_util.h"

namespace faq {
namespace {

using testing::FakeOpenAiServer;

size_t LineCount(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) return 0;
  std::string text = ReadFile(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Starts argv with stdout and stderr discarded; returns its pid.
pid_t Spawn(const std::vector<std::string>& argv) {
  pid_t pid = ::fork();
  if (pid == 0) {
    FILE* o = std::freopen("/dev/null", "w", stdout);
    FILE* e = std::freopen("/dev/null", "w", stderr);
    (void)o;
    (void)e;
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    std::_Exit(127);
  }
  return pid;
}

std::vector<std::string> RegenerateArgs(const FakeOpenAiServer& server, const testing::TempDir& dir) {
  return {testing::FaqBinary(), "regenerate", "--endpoint", server.base_url(), "--model", "elder",
          "--seeds", (dir / "seeds.jsonl").string(), "--out", (dir / "candidates.jsonl").string(),
          "--n", "3", "--concurrency", "2", "--timeout", "10", "--backoff", "0.01", "--json"};
}

TEST(RegenerateCli, PrintsAJsonSummary) {
  FakeOpenAiServer server;
  testing::TempDir dir;
  testing::WriteSeeds(dir / "seeds.jsonl", 4);
  auto r = testing::Run(RegenerateArgs(server, dir));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json j = Json::parse(testing::LastLine(r.out));
  EXPECT_EQ(j["seeds"], 4);
  EXPECT_EQ(j["candidates"], 12);
  EXPECT_EQ(j["failed"], 0);
  EXPECT_EQ(j["completion_tokens"], 120);
  EXPECT_TRUE(j.contains("tokens_per_s"));
  EXPECT_NE(r.err.find("regenerate: 4 seeds"), std::string::npos) << r.err;
  testing::ExpectExactlyN(dir / "candidates.jsonl", 4, 3);
}

TEST(RegenerateCli, KillNineMidRunThenResumeEndsWithExactlyNPerSeed) {
  FakeOpenAiServer server;
  server.delay_ms = 100;  // slow enough to be killed mid-run
  testing::TempDir dir;
  const int seeds = 40;
  testing::WriteSeeds(dir / "seeds.jsonl", seeds);
  auto out = dir / "candidates.jsonl";
  pid_t pid = Spawn(RegenerateArgs(server, dir));
  ASSERT_GT(pid, 0);
  // Kill it once some candidates are on disk, well before the ~2 s run could finish.
  for (int i = 0; i < 3000 && LineCount(out) < 9; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run finished before the kill; slow the server down";
  size_t written = LineCount(out);
  ASSERT_GE(written, 9u);
  ASSERT_LT(written, static_cast<size_t>(seeds * 3));

  size_t before = server.SeenCount();
  auto r = testing::Run(RegenerateArgs(server, dir));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  testing::ExpectExactlyN(out, seeds, 3);
  Json j = Json::parse(testing::LastLine(r.out));
  EXPECT_EQ(j["candidates"], seeds * 3);
  EXPECT_EQ(j["seeds_complete"], seeds);
  // The resumed run asked only for seeds that were not complete on disk.
  EXPECT_LE(server.SeenCount() - before, static_cast<size_t>(seeds) - written / 3);
}

// Failures that outlive the retries are not a success: exit 1 after the summary, so that a
// script (or faq pipeline) stops; the next run asks for exactly what failed.
TEST(RegenerateCli, CandidatesThatFailForGoodExitOneAndTheNextRunRetriesThem) {
  FakeOpenAiServer server;
  server.poison = true;
  testing::TempDir dir;
  testing::WriteSeeds(dir / "seeds.jsonl", 2, "poison");
  auto args = RegenerateArgs(server, dir);
  args.insert(args.end(), {"--retries", "0"});
  auto r = testing::Run(args);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  Json j = Json::parse(testing::LastLine(r.out));
  EXPECT_EQ(j["failed"], 6);
  EXPECT_EQ(j["candidates"], 0);
  EXPECT_NE(r.err.find("6 candidates failed for good"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("candidates.jsonl.failed.jsonl"), std::string::npos) << r.err;

  server.poison = false;
  r = testing::Run(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  testing::ExpectExactlyN(dir / "candidates.jsonl", 2, 3);
}

TEST(JudgeCli, SeedsThatFailForGoodExitOneAndTheNextRunJudgesThem) {
  FakeOpenAiServer server;
  server.poison = true;
  testing::TempDir dir;
  std::string text;
  for (int i = 0; i < 2; ++i) {
    text += Json{{"id", "a"}, {"candidate", i}, {"query", "poison"}, {"response", "r q=" + std::to_string(4 + 2 * i)},
                 {"reasoning", nullptr}}.dump() + "\n";
  }
  WriteFileAtomic(dir / "candidates.jsonl", text);
  const std::vector<std::string> args = {testing::FaqBinary(), "judge", "--endpoint", server.base_url(), "--model",
                                         "judge", "--candidates", (dir / "candidates.jsonl").string(), "--out",
                                         (dir / "judged.jsonl").string(), "--retries", "0", "--backoff", "0.01",
                                         "--json"};
  auto r = testing::Run(args);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(Json::parse(testing::LastLine(r.out))["failed"], 1);
  EXPECT_NE(r.err.find("1 seeds failed for good"), std::string::npos) << r.err;

  server.poison = false;
  r = testing::Run(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::ReadRecords(dir / "judged.jsonl").at(0)["candidate"], 1);
}

TEST(RegenerateCli, BadOptionsAreUsageErrors) {
  testing::TempDir dir;
  testing::WriteSeeds(dir / "seeds.jsonl", 1);
  auto r = testing::Run({testing::FaqBinary(), "regenerate", "--endpoint", "localhost:8000", "--model", "m", "--seeds",
                         (dir / "seeds.jsonl").string(), "--out", (dir / "c.jsonl").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("http://"), std::string::npos) << r.err;
  r = testing::Run({testing::FaqBinary(), "regenerate", "--model", "m"});
  EXPECT_EQ(r.exit_code, 2);
  r = testing::Run({testing::FaqBinary(), "regenerate", "--endpoint", "http://127.0.0.1:1/v1", "--model", "m",
                    "--seeds", (dir / "missing.jsonl").string(), "--out", (dir / "c.jsonl").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing.jsonl"), std::string::npos) << r.err;
}

TEST(JudgeCli, ScoresThroughTheBinaryAndNoJudgeNeedsNoEndpoint) {
  FakeOpenAiServer server;
  testing::TempDir dir;
  std::string text;
  for (int i = 0; i < 3; ++i) {
    text += Json{{"id", "a"}, {"candidate", i}, {"query", "q"}, {"response", "r q=" + std::to_string(4 + 2 * (i % 2))},
                 {"reasoning", nullptr}}.dump() + "\n";
  }
  WriteFileAtomic(dir / "candidates.jsonl", text);
  auto r = testing::Run({testing::FaqBinary(), "judge", "--endpoint", server.base_url(), "--model", "judge",
                         "--candidates", (dir / "candidates.jsonl").string(), "--out", (dir / "judged.jsonl").string(),
                         "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Json::parse(testing::LastLine(r.out))["judged"], 1);
  EXPECT_EQ(testing::ReadRecords(dir / "judged.jsonl").at(0)["candidate"], 1);

  r = testing::Run({testing::FaqBinary(), "judge", "--no-judge", "--candidates", (dir / "candidates.jsonl").string(),
                    "--out", (dir / "plain.jsonl").string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::ReadRecords(dir / "plain.jsonl").at(0)["candidate"], 0);
  r = testing::Run({testing::FaqBinary(), "judge", "--candidates", (dir / "candidates.jsonl").string(), "--out",
                    (dir / "x.jsonl").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;  // no endpoint and no --no-judge
}

// Client settings that cannot work are refused when parsed, before any request.
TEST(JudgeCli, ClientSettingsOutOfRangeAreUsageErrors) {
  testing::TempDir dir;
  testing::WriteCandidates(dir / "candidates.jsonl", {{"a", 0, "x"}});
  for (const auto& [option, value] : std::vector<std::pair<std::string, std::string>>{
           {"--timeout", "0"}, {"--timeout", "-1"}, {"--backoff", "-0.5"}}) {
    for (const char* command : {"judge", "regenerate"}) {
      const bool judge = std::string(command) == "judge";
      auto r = testing::Run({testing::FaqBinary(), command, "--endpoint", "http://127.0.0.1:1/v1", "--model", "m",
                             judge ? "--candidates" : "--seeds", (dir / "candidates.jsonl").string(), "--out",
                             (dir / "x.jsonl").string(), option, value});
      EXPECT_EQ(r.exit_code, 2) << command << " " << option << " " << value << ": " << r.err;
      EXPECT_NE(r.err.find(option), std::string::npos) << r.err;
    }
  }
}

}  // namespace
}  // namespace faq
