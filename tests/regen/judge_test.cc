// RunJudge against the fake judge: best score, ties, re-asks, pairwise, no judge, resume.
#include <gtest/gtest.h>

#include "fake_openai_server.h"
#include "faq/regen/judge.h"
#include "regen_test_util.h"

namespace faq {
namespace {

using testing::FakeOpenAiServer;
using testing::WriteCandidates;

JudgeOptions Options(const FakeOpenAiServer& server, const testing::TempDir& dir, JudgeMode mode = JudgeMode::kScore) {
  return testing::JudgeOptionsFor(server.base_url(), dir.path(), mode);
}

std::map<std::string, Json> ById(const std::filesystem::path& path) {
  std::map<std::string, Json> m;
  for (const auto& r : testing::ReadRecords(path)) m[r["id"]] = r;
  return m;
}

TEST(Judge, ScoreModeKeepsTheBestAndRecordsAllScores) {
  FakeOpenAiServer server;
  testing::TempDir dir;
  WriteCandidates(dir / "candidates.jsonl", {{"a", 0, "meh q=3"}, {"a", 1, "great q=8"}, {"a", 2, "ok q=5"},
                                             {"b", 0, "fine q=6"}, {"b", 1, "poor q=2"}});
  JudgeSummary s = RunJudge(Options(server, dir));
  EXPECT_EQ(s.seeds, 2);
  EXPECT_EQ(s.judged, 2);
  EXPECT_EQ(s.requests, 5);
  auto out = ById(dir / "judged.jsonl");
  EXPECT_EQ(out["a"]["candidate"], 1);
  EXPECT_EQ(out["a"]["response"], "great q=8");
  EXPECT_EQ(out["a"]["reasoning"], "why great q=8");
  EXPECT_EQ(out["a"]["query"], "query of a");
  EXPECT_EQ(out["a"]["score"], 8.0);
  EXPECT_EQ(out["a"]["scores"], Json::parse(R"([{"candidate":0,"score":3.0},{"candidate":1,"score":8.0},{"candidate":2,"score":5.0}])"));
  EXPECT_EQ(out["a"]["judge"], Json::parse(R"({"mode":"score","model":"judge"})"));
  EXPECT_EQ(out["b"]["candidate"], 0);
  // Greedy, short, no thinking, the bundled rubric.
  auto body = server.Seen().at(0).body;
  EXPECT_EQ(body["temperature"], 0.0);
  EXPECT_EQ(body["max_tokens"], 32);
  EXPECT_EQ(body["chat_template_kwargs"]["enable_thinking"], false);
  EXPECT_NE(body["messages"][0]["content"].get<std::string>().find("Score: N"), std::string::npos);
}

TEST(Judge, TiesGoToTheShorterResponse) {
  FakeOpenAiServer server;
  testing::TempDir dir;
  WriteCandidates(dir / "candidates.jsonl", {{"a", 0, "a long and padded answer q=7"}, {"a", 1, "short q=7"}, {"a", 2, "q=7 mid length"}});
  RunJudge(Options(server, dir));
  EXPECT_EQ(ById(dir / "judged.jsonl")["a"]["candidate"], 1);
}

TEST(Judge, ReasksAnUnparseableVerdictAndFlagsHopelessSeeds) {
  FakeOpenAiServer server;
  testing::TempDir dir;
  WriteCandidates(dir / "candidates.jsonl", {{"a", 0, "plain q=4"}, {"a", 1, "garble q=9"},
                                             {"b", 0, "hopeless one"}, {"b", 1, "hopeless two"}});
  JudgeSummary s = RunJudge(Options(server, dir));
  auto out = ById(dir / "judged.jsonl");
  EXPECT_EQ(out["a"]["candidate"], 1);  // its greedy verdict was unparseable; the re-ask was not
  EXPECT_EQ(out["a"]["score"], 9.0);
  EXPECT_EQ(out["a"]["unscored"], false);
  EXPECT_EQ(out["b"]["candidate"], 0);
  EXPECT_EQ(out["b"]["unscored"], true);
  EXPECT_TRUE(out["b"]["score"].is_null());
  EXPECT_EQ(s.unscored, 1);
  EXPECT_EQ(s.reasks, 1 + 2 * 2);  // garble once; each hopeless answer twice (the default --reasks)
  bool resampled = false;
  for (const auto& seen : server.Seen()) {
    if (seen.body["temperature"].get<double>() > 0) resampled = resampled || seen.body.contains("seed");
  }
  EXPECT_TRUE(resampled);
}

TEST(Judge, IgnoresTruncatedCandidatesUnlessNothingElseIsLeft) {
  FakeOpenAiServer server;
  testing::TempDir dir;
  WriteCandidates(dir / "candidates.jsonl", {{"a", 0, "cut q=10", "length"}, {"a", 1, "whole q=5"},
                                             {"b", 0, "cut q=3", "length"}, {"b", 1, "cut q=6", "length"}});
  RunJudge(Options(server, dir));
  auto out = ById(dir / "judged.jsonl");
  EXPECT_EQ(out["a"]["candidate"], 1);
  EXPECT_EQ(out["a"]["scores"][0]["skipped"], "truncated");
  EXPECT_EQ(out["b"]["candidate"], 1);
  EXPECT_EQ(out["b"]["truncated"], true);
}

TEST(Judge, PairwisePicksTheCandidatePreferredInBothOrders) {
  FakeOpenAiServer server;
  testing::TempDir dir;
  WriteCandidates(dir / "candidates.jsonl", {{"a", 0, "q=2"}, {"a", 1, "best answer q=9"}, {"a", 2, "q=5"}});
  JudgeSummary s = RunJudge(Options(server, dir, JudgeMode::kPairwise));
  EXPECT_EQ(s.requests, 4);  // two comparisons, both orders
  auto a = ById(dir / "judged.jsonl")["a"];
  EXPECT_EQ(a["candidate"], 1);
  EXPECT_EQ(a["judge"]["mode"], "pairwise");
  ASSERT_EQ(a["comparisons"].size(), 2u);
  EXPECT_EQ(a["comparisons"][0]["verdicts"], Json::parse(R"(["B","A"])"));
  // Both orders were asked: each candidate of a comparison sat in slot A once.
  std::vector<std::string> prompts;
  for (const auto& seen : server.Seen()) prompts.push_back(seen.body["messages"][0]["content"]);
  auto slot_a = [&](const std::string& p) { return p.substr(p.find("Answer A:\n") + 10, p.find("\n\nAnswer B:") - p.find("Answer A:\n") - 10); };
  std::multiset<std::string> firsts;
  for (const auto& p : prompts) firsts.insert(slot_a(p));
  EXPECT_EQ(firsts.count("q=2"), 1u);
  EXPECT_EQ(firsts.count("best answer q=9"), 2u);
  EXPECT_EQ(firsts.count("q=5"), 1u);
}

TEST(Judge, PairwiseCancelsAPositionBiasedJudge) {
  FakeOpenAiServer server;
  server.judge_prefers_a = true;  // every comparison splits 1-1: ties, so the shorter answer wins
  testing::TempDir dir;
  WriteCandidates(dir / "candidates.jsonl", {{"a", 0, "the longest answer q=9"}, {"a", 1, "short"}, {"a", 2, "medium one"}});
  RunJudge(Options(server, dir, JudgeMode::kPairwise));
  EXPECT_EQ(ById(dir / "judged.jsonl")["a"]["candidate"], 1);
}

TEST(Judge, NoJudgeKeepsCandidateZeroWithoutAnEndpoint) {
  testing::TempDir dir;
  WriteCandidates(dir / "candidates.jsonl", {{"a", 1, "second q=9"}, {"a", 0, "first q=1"}, {"b", 0, "only"}});
  JudgeOptions o;
  o.candidates = dir / "candidates.jsonl";
  o.out = dir / "judged.jsonl";
  o.mode = JudgeMode::kNone;
  JudgeSummary s = RunJudge(o);
  EXPECT_EQ(s.judged, 2);
  auto out = ById(dir / "judged.jsonl");
  EXPECT_EQ(out["a"]["candidate"], 0);
  EXPECT_EQ(out["a"]["response"], "first q=1");
  EXPECT_EQ(out["a"]["judge"], Json::parse(R"({"mode":"none","model":null})"));
}

TEST(Judge, ResumesAndRetriesFailedSeeds) {
  FakeOpenAiServer server;
  testing::TempDir dir;
  WriteCandidates(dir / "candidates.jsonl", {{"a", 0, "q=3"}, {"b", 0, "q=4"}, {"c", 0, "q=5"}});
  JudgeOptions o = Options(server, dir);
  o.retries = 0;
  o.concurrency = 1;
  server.QueueFaults({testing::Fault::kServerError});  // the first seed's only attempt
  JudgeSummary first = RunJudge(o);
  EXPECT_EQ(first.failed, 1);
  EXPECT_EQ(first.judged, 2);
  EXPECT_EQ(testing::ReadRecords(dir / "judged.jsonl.failed.jsonl").at(0)["id"], "a");
  JudgeSummary second = RunJudge(o);
  EXPECT_EQ(second.already, 2);
  EXPECT_EQ(second.judged, 1);
  EXPECT_EQ(second.failed, 0);
  EXPECT_EQ(ById(dir / "judged.jsonl").size(), 3u);
  EXPECT_EQ(testing::ReadRecords(dir / "judged.jsonl").size(), 3u);
}

TEST(Judge, NamesTheLineOfAMalformedCandidate) {
  testing::TempDir dir;
  WriteFileAtomic(dir / "candidates.jsonl", "{\"id\": \"a\", \"candidate\": 0, \"query\": \"q\"}\n");
  JudgeOptions o;
  o.candidates = dir / "candidates.jsonl";
  o.out = dir / "judged.jsonl";
  o.mode = JudgeMode::kNone;
  EXPECT_EQ(testing::ErrorOf([&] { RunJudge(o); }), (dir / "candidates.jsonl").string() + ":1: field 'response' is missing");
}

}  // namespace
}  // namespace faq
