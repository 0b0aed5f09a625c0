// RunRegenerate against the fault-injecting server: counts, records, resume, failures.
#include <gtest/gtest.h>

#include "fake_openai_server.h"
#include "faq/regen/regenerate.h"
#include "faq/regen/seed_reader.h"
#include "regen_test_util.h"

namespace faq {
namespace {

using testing::Fault;
using testing::FakeOpenAiServer;

RegenerateOptions Options(const FakeOpenAiServer& server, const testing::TempDir& dir) {
  RegenerateOptions o;
  o.endpoints = {server.base_url()};
  o.model = "elder";
  o.seeds = dir / "seeds.jsonl";
  o.out = dir / "candidates.jsonl";
  o.concurrency = 8;
  o.timeout_s = 5;
  o.retries = 3;
  o.backoff_base_s = 0.01;
  return o;
}

TEST(Regenerate, WritesNCandidatesPerSeedWithReasoningAndUsage) {
  FakeOpenAiServer server;
  testing::TempDir dir;
  testing::WriteSeeds(dir / "seeds.jsonl", 5);
  RegenerateSummary s = RunRegenerate(Options(server, dir));
  EXPECT_EQ(s.seeds, 5);
  EXPECT_EQ(s.seeds_complete, 5);
  EXPECT_EQ(s.candidates, 15);
  EXPECT_EQ(s.new_candidates, 15);
  EXPECT_EQ(s.failed, 0);
  EXPECT_EQ(s.requests, 5);  // n = 3 choices in one request per seed
  EXPECT_EQ(s.completion_tokens, 5 * 30);
  testing::ExpectExactlyN(dir / "candidates.jsonl", 5, 3);
  for (const auto& r : testing::ReadRecords(dir / "candidates.jsonl")) {
    std::string query = r["query"];
    EXPECT_EQ(r["response"], testing::FakeAnswer(query, r["candidate"]));
    EXPECT_EQ(r["reasoning"], "thinking about " + query);
    EXPECT_EQ(r["finish_reason"], "stop");
    EXPECT_EQ(r["truncated"], false);
    EXPECT_EQ(r["model"], "elder");
    EXPECT_EQ(r["endpoint"], server.base_url());
    EXPECT_TRUE(r["usage"].contains("prompt_tokens"));
  }
  // The request: the CoT prompt around the query, sampling options, thinking left on.
  auto body = server.Seen().at(0).body;
  std::string prompt = body["messages"][0]["content"];
  EXPECT_NE(prompt.find("step by step"), std::string::npos) << prompt;
  EXPECT_EQ(body["n"], 3);
  EXPECT_EQ(body["top_k"], 20);
  EXPECT_FALSE(body.contains("chat_template_kwargs"));
  // A second run finds everything done and asks nothing.
  EXPECT_EQ(RunRegenerate(Options(server, dir)).new_candidates, 0);
  EXPECT_EQ(server.SeenCount(), 5u);
}

TEST(Regenerate, NoCotSendsTheAnswerOnlyPromptAndDisablesThinking) {
  FakeOpenAiServer server;
  testing::TempDir dir;
  testing::WriteSeeds(dir / "seeds.jsonl", 1);
  RegenerateOptions o = Options(server, dir);
  o.cot = false;
  RunRegenerate(o);
  auto body = server.Seen().at(0).body;
  EXPECT_EQ(body["chat_template_kwargs"]["enable_thinking"], false);
  EXPECT_NE(body["messages"][0]["content"].get<std::string>().find("without showing your reasoning"), std::string::npos);
}

TEST(Regenerate, EverySeedEndsWithExactlyNUnderInjectedFaults) {
  FakeOpenAiServer server;
  server.retry_after = "0";
  server.stall_seconds = 2;
  std::vector<Fault> faults;
  for (int i = 0; i < 6; ++i) {
    for (Fault f : {Fault::kServerError, Fault::kRateLimit, Fault::kDrop, Fault::kTruncate, Fault::kMalformed,
                    Fault::kNoChoices, Fault::kStall}) {
      faults.push_back(f);
    }
  }
  server.QueueFaults(faults);
  testing::TempDir dir;
  testing::WriteSeeds(dir / "seeds.jsonl", 30);
  RegenerateOptions o = Options(server, dir);
  o.timeout_s = 0.5;
  o.retries = static_cast<int>(faults.size());  // enough even if one request meets them all
  RegenerateSummary s = RunRegenerate(o);
  EXPECT_EQ(s.failed, 0);
  EXPECT_EQ(s.new_candidates, 90);
  testing::ExpectExactlyN(dir / "candidates.jsonl", 30, 3);
  EXPECT_FALSE(std::filesystem::file_size(dir / "candidates.jsonl.failed.jsonl") > 0);
}

TEST(Regenerate, FailuresAreRecordedThenRetriedByTheNextRun) {
  FakeOpenAiServer server;
  server.poison = true;
  testing::TempDir dir;
  std::string seeds;
  for (int i = 0; i < 6; ++i) {
    std::string q = i % 3 == 0 ? "poison " + std::to_string(i) : "question " + std::to_string(i);
    seeds += Json{{"id", "s" + std::to_string(i)}, {"query", q}}.dump() + "\n";
  }
  WriteFileAtomic(dir / "seeds.jsonl", seeds);
  RegenerateOptions o = Options(server, dir);
  o.retries = 1;
  RegenerateSummary first = RunRegenerate(o);
  EXPECT_EQ(first.failed, 6);  // seeds 0 and 3, three candidates each
  EXPECT_EQ(first.seeds_complete, 4);
  auto failed = testing::ReadRecords(dir / "candidates.jsonl.failed.jsonl");
  ASSERT_EQ(failed.size(), 6u);
  for (const auto& f : failed) {
    EXPECT_TRUE(f["id"] == "s0" || f["id"] == "s3") << f;
    EXPECT_EQ(f["status"], 500);
    EXPECT_NE(f["error"].get<std::string>().find("poisoned query"), std::string::npos) << f;
  }
  EXPECT_EQ(testing::CandidateCounts(dir / "candidates.jsonl").size(), 4u);

  server.poison = false;
  size_t before = server.SeenCount();
  RegenerateSummary second = RunRegenerate(o);
  EXPECT_EQ(second.failed, 0);
  EXPECT_EQ(second.new_candidates, 6);
  EXPECT_EQ(server.SeenCount() - before, 2u);  // only the two failed seeds were asked
  testing::ExpectExactlyN(dir / "candidates.jsonl", 6, 3);
  EXPECT_TRUE(testing::ReadRecords(dir / "candidates.jsonl.failed.jsonl").empty());
}

TEST(Regenerate, FallsBackToSingleRequestsWhenNIsRejected) {
  FakeOpenAiServer server;
  server.reject_n = true;
  testing::TempDir dir;
  testing::WriteSeeds(dir / "seeds.jsonl", 4);
  RegenerateOptions o = Options(server, dir);
  o.concurrency = 1;
  RegenerateSummary s = RunRegenerate(o);
  EXPECT_EQ(s.failed, 0);
  testing::ExpectExactlyN(dir / "candidates.jsonl", 4, 3);
  // One rejected n=3 request, then single requests only.
  auto seen = server.Seen();
  EXPECT_EQ(seen.size(), 1u + 12u);
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_FALSE(seen[i].body.contains("n")) << seen[i].body;
}

TEST(Regenerate, AsksSinglyForChoicesTheServerDidNotReturn) {
  FakeOpenAiServer server;
  server.max_choices = 1;
  testing::TempDir dir;
  testing::WriteSeeds(dir / "seeds.jsonl", 3);
  RegenerateSummary s = RunRegenerate(Options(server, dir));
  EXPECT_EQ(s.requests, 3 * 3);  // one n=3 request that returned one choice, then two singles
  testing::ExpectExactlyN(dir / "candidates.jsonl", 3, 3);
}

TEST(Regenerate, ResumesAfterATornLineAndAsksOnlyForMissingCandidates) {
  FakeOpenAiServer server;
  testing::TempDir dir;
  testing::WriteSeeds(dir / "seeds.jsonl", 3);
  // s0 complete, s1 has candidate 1, then a record torn by a crash mid-write.
  std::string text;
  for (int i = 0; i < 3; ++i) text += Json{{"id", "s0"}, {"candidate", i}, {"query", "question 0"}, {"response", "old"}}.dump() + "\n";
  text += Json{{"id", "s1"}, {"candidate", 1}, {"query", "question 1"}, {"response", "old"}}.dump() + "\n";
  text += R"({"id": "s1", "candidate": 0, "query": "quest)";
  WriteFileAtomic(dir / "candidates.jsonl", text);
  RegenerateSummary s = RunRegenerate(Options(server, dir));
  EXPECT_EQ(s.new_candidates, 2 + 3);
  EXPECT_EQ(s.candidates, 9);
  testing::ExpectExactlyN(dir / "candidates.jsonl", 3, 3);
  for (const auto& seen : server.Seen()) {
    std::string prompt = seen.body["messages"][0]["content"];
    EXPECT_EQ(prompt.find("question 0"), std::string::npos) << "asked again for a complete seed";
    if (prompt.find("question 1") != std::string::npos) {
      EXPECT_EQ(seen.body["n"], 2);
    }
  }
}

TEST(Regenerate, FlagsTruncatedCandidates) {
  FakeOpenAiServer server;
  testing::TempDir dir;
  WriteFileAtomic(dir / "seeds.jsonl", R"({"id": 7, "question": "a LONG one"})" "\n");
  RegenerateSummary s = RunRegenerate(Options(server, dir));
  EXPECT_EQ(s.truncated, 3);
  for (const auto& r : testing::ReadRecords(dir / "candidates.jsonl")) {
    EXPECT_EQ(r["id"], 7);
    EXPECT_EQ(r["finish_reason"], "length");
    EXPECT_EQ(r["truncated"], true);
  }
}

TEST(Regenerate, SeedOptionGivesEachCandidateItsOwnReproducibleSeed) {
  FakeOpenAiServer server;
  testing::TempDir dir;
  testing::WriteSeeds(dir / "seeds.jsonl", 2);
  RegenerateOptions o = Options(server, dir);
  o.seed = 42;
  RunRegenerate(o);
  std::set<uint64_t> seeds;
  for (const auto& seen : server.Seen()) {
    EXPECT_FALSE(seen.body.contains("n"));
    seeds.insert(seen.body["seed"].get<uint64_t>());
  }
  EXPECT_EQ(seeds.size(), 6u);
  EXPECT_TRUE(seeds.count(DerivedSeed(42, "\"s1\"", 2)));
  auto first = testing::ReadRecords(dir / "candidates.jsonl");
  std::filesystem::remove(dir / "candidates.jsonl");
  RunRegenerate(o);
  auto key = [](const Json& r) { return r["id"].dump() + "/" + r["candidate"].dump(); };
  std::map<std::string, std::string> a, b;
  for (const auto& r : first) a[key(r)] = r["response"];
  for (const auto& r : testing::ReadRecords(dir / "candidates.jsonl")) b[key(r)] = r["response"];
  EXPECT_EQ(a, b);
}

TEST(Regenerate, UsesAPromptFileAndAQueryField) {
  FakeOpenAiServer server;
  testing::TempDir dir;
  WriteFileAtomic(dir / "seeds.jsonl", R"({"id": "x", "task": "sort {these}"})" "\n");
  WriteFileAtomic(dir / "prompt.txt", "Literal {{braces}}.\n\n{query}");
  RegenerateOptions o = Options(server, dir);
  o.query_field = "task";
  o.prompt_file = dir / "prompt.txt";
  o.n = 1;
  RunRegenerate(o);
  EXPECT_EQ(server.Seen().at(0).body["messages"][0]["content"], "Literal {braces}.\n\nsort {these}");
  WriteFileAtomic(dir / "bad.txt", "{question}");
  o.prompt_file = dir / "bad.txt";
  EXPECT_NE(testing::ErrorOf([&] { RunRegenerate(o); }).find("unknown placeholder {question}"), std::string::npos);
}

TEST(SeedReader, NamesTheFileLineAndField) {
  testing::TempDir dir;
  auto path = dir / "seeds.jsonl";
  WriteFileAtomic(path, "{\"id\": 1, \"query\": \"a\"}\n{\"query\": \"b\"}\n");
  EXPECT_EQ(testing::ErrorOf([&] { ReadSeeds(path, ""); }), path.string() + ":2: field 'id' is missing");
  WriteFileAtomic(path, "{\"id\": 1, \"query\": \"a\"}\n\n{\"id\": 1, \"query\": \"b\"}\n");
  EXPECT_EQ(testing::ErrorOf([&] { ReadSeeds(path, ""); }), path.string() + ":3: duplicate id 1 (first on line 1)");
  WriteFileAtomic(path, "{\"id\": \"a\", \"text\": \"a\"}\n");
  EXPECT_NE(testing::ErrorOf([&] { ReadSeeds(path, ""); }).find(":1: no query field"), std::string::npos);
  EXPECT_EQ(testing::ErrorOf([&] { ReadSeeds(path, "prompt"); }), path.string() + ":1: field 'prompt' is missing");
  EXPECT_EQ(ReadSeeds(path, "text").at(0).query, "a");
}

}  // namespace
}  // namespace faq
