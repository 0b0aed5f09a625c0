// faq judge under every fault the client survives: on a real loopback server, the first
// attempt of every judge request meets the fault, and the verdicts must be those of a
// fault-free run.
#include <gtest/gtest.h>

#include <map>

#include "fake_openai_server.h"
#include "faq/regen/judge.h"
#include "regen_test_util.h"

namespace faq {
namespace {

using testing::Fault;
using testing::FakeOpenAiServer;

constexpr double kTimeoutSeconds = 0.5;  // a stalled answer (3 s) outlasts it
constexpr double kRetryAfterSeconds = 1;

// Two seeds with three candidates, one whose greedy verdict is unparseable (a re-ask), and
// a truncated one the judge skips.
void WriteJudgeInput(const std::filesystem::path& path) {
  testing::WriteCandidates(path, {{"a", 0, "meh q=3"}, {"a", 1, "garble q=8"}, {"a", 2, "ok q=5"},
                                  {"b", 0, "fine q=6"}, {"b", 1, "cut q=9", "length"}, {"b", 2, "poor q=2"}});
}

struct JudgeRun {
  JudgeSummary summary;
  std::vector<Json> records;  // judged.jsonl, in file order
  std::vector<testing::SeenRequest> seen;
};

JudgeRun RunJudgeAgainst(JudgeMode mode, std::optional<Fault> fault) {
  FakeOpenAiServer server;
  server.retry_after = fmt::format("{}", kRetryAfterSeconds);
  server.stall_seconds = 3;
  if (fault) server.FailEveryFirstAttempt(*fault);
  testing::TempDir dir;
  WriteJudgeInput(dir / "candidates.jsonl");
  JudgeOptions o = testing::JudgeOptionsFor(server.base_url(), dir.path(), mode);
  o.concurrency = 2;
  o.retries = 2;
  o.timeout_s = kTimeoutSeconds;
  JudgeRun run;
  run.summary = RunJudge(o);
  run.records = testing::ReadRecords(o.out);
  run.seen = server.Seen();
  return run;
}

// Per request body: the seconds between its attempts (one entry per retry).
std::map<std::string, std::vector<double>> RetryGaps(const std::vector<testing::SeenRequest>& seen) {
  std::map<std::string, std::vector<double>> gaps;
  std::map<std::string, std::chrono::steady_clock::time_point> last;
  for (const auto& r : seen) {
    const std::string body = r.body.dump();
    if (auto it = last.find(body); it != last.end()) {
      gaps[body].push_back(std::chrono::duration<double>(r.arrival - it->second).count());
    }
    last[body] = r.arrival;
  }
  return gaps;
}

struct FaultCase {
  Fault fault;
  JudgeMode mode;
  std::string name;
};

void PrintTo(const FaultCase& c, std::ostream* out) { *out << c.name; }

class JudgeUnderFault : public ::testing::TestWithParam<FaultCase> {};

TEST_P(JudgeUnderFault, RetriesEveryRequestOnceAndReachesTheFaultFreeVerdicts) {
  const FaultCase& c = GetParam();
  JudgeRun clean = RunJudgeAgainst(c.mode, std::nullopt);
  ASSERT_EQ(clean.summary.failed, 0);
  ASSERT_EQ(clean.records.size(), 2u);
  ASSERT_TRUE(RetryGaps(clean.seen).empty());  // every question of a clean run is new

  JudgeRun faulted = RunJudgeAgainst(c.mode, c.fault);
  EXPECT_EQ(faulted.summary.failed, 0);
  EXPECT_EQ(faulted.summary.judged, 2);
  EXPECT_EQ(faulted.records, clean.records);
  EXPECT_EQ(faulted.summary.requests, clean.summary.requests);
  EXPECT_EQ(faulted.summary.reasks, clean.summary.reasks);
  // The same questions, each asked exactly twice: the faulted attempt and one retry. (A
  // client that waited out a stall would have got its answer without a retry.)
  EXPECT_EQ(faulted.seen.size(), 2 * clean.seen.size());
  const auto gaps = RetryGaps(faulted.seen);
  EXPECT_EQ(gaps.size(), clean.seen.size());
  for (const auto& [body, retries] : gaps) {
    ASSERT_EQ(retries.size(), 1u) << body;
    // A wait of a second can only be the server's Retry-After (the backoff is 10 ms).
    if (c.fault == Fault::kRateLimit) {
      EXPECT_GE(retries[0], kRetryAfterSeconds) << body;
    }
  }
}

std::vector<FaultCase> AllFaults() {
  std::vector<FaultCase> cases;
  const std::pair<Fault, const char*> faults[] = {{Fault::kServerError, "ServerError"}, {Fault::kRateLimit, "RateLimit"},
                                                  {Fault::kStall, "Stall"},             {Fault::kDrop, "Drop"},
                                                  {Fault::kTruncate, "Truncate"},       {Fault::kMalformed, "Malformed"}};
  for (JudgeMode mode : {JudgeMode::kScore, JudgeMode::kPairwise}) {
    for (const auto& [fault, name] : faults) cases.push_back({fault, mode, fmt::format("{}_{}", JudgeModeName(mode), name)});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(EveryFault, JudgeUnderFault, ::testing::ValuesIn(AllFaults()),
                         [](const ::testing::TestParamInfo<FaultCase>& info) { return info.param.name; });

}  // namespace
}  // namespace faq
