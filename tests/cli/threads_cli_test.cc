// --threads on the real binary: more threads than the CPUs granted are run and said so, and
// the restart for passive waiting happens once.
#include <gtest/gtest.h>

#include <cstdlib>

#include "faq/io/json.h"
#include "faq/util/cpu_grant.h"
#include "support/test_env.h"

namespace faq {
namespace {

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

testing::CommandResult EvalWithThreads(int threads) {
  return testing::Run({testing::FaqBinary(), "--threads", std::to_string(threads), "eval", "ppl", "--model",
                       (testing::SourceDir() / "models/tiny-qwen3-target").string(), "--data",
                       (testing::SharedDir() / "data/wikitext2/wiki.test.raw").string(), "--seqlen", "256",
                       "--max-windows", "4", "--json"});
}

double Ppl(const testing::CommandResult& r) { return ParseJson(testing::LastLine(r.out), "eval --json").at("ppl").get<double>(); }

TEST(Threads, MoreThanGrantedAreAcceptedWithAWarningAndWaitPassively) {
  const int too_many = 4 * GrantedCpuCount();
  auto r = EvalWithThreads(too_many);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count(r.err, fmt::format("{} threads on {} granted CPUs", too_many, GrantedCpuCount())), 1u) << r.err;
  // More threads than CPUs always exceed the free ones: one restart, logged once by it.
  EXPECT_EQ(Count(r.err, "OpenMP waits passively"), 1u) << r.err;
  EXPECT_NE(r.err.find(fmt::format("{} threads", too_many)), std::string::npos) << r.err;  // eval's own log line
  auto one = EvalWithThreads(1);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(Count(one.err, "waits passively"), 0u) << one.err;  // a single thread never waits
  EXPECT_EQ(Count(one.err, "take turns"), 0u) << one.err;
  EXPECT_NEAR(Ppl(r), Ppl(one), 1e-3 * Ppl(one));
}

TEST(Threads, AWaitPolicyTheUserChoseIsLeftAlone) {
  ::setenv("OMP_WAIT_POLICY", "ACTIVE", 1);
  auto r = EvalWithThreads(4 * GrantedCpuCount());
  ::unsetenv("OMP_WAIT_POLICY");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count(r.err, "waits passively"), 0u) << r.err;
}

}  // namespace
}  // namespace faq
