// PlanThreads' choices, OMP_NUM_THREADS parsing and the restart marker.
#include <gtest/gtest.h>

#include <cstdlib>

#include "faq/util/thread_plan.h"

namespace faq {
namespace {

ThreadRequest Request(int requested, int granted, int runnable) {
  ThreadRequest r;
  r.requested = requested;
  r.granted = granted;
  r.runnable = runnable;
  return r;
}

TEST(ThreadPlan, DefaultsToTheGrantedCpusAndSpinsWhenTheyAreFree) {
  ThreadPlan p = PlanThreads(Request(0, 2, 1));
  EXPECT_EQ(p.threads, 2);
  EXPECT_EQ(p.free_cpus, 2);
  EXPECT_FALSE(p.oversubscribed);
  EXPECT_FALSE(p.passive_wait);
}

TEST(ThreadPlan, WaitsPassivelyWhenOtherTasksTakeTheCpus) {
  ThreadPlan p = PlanThreads(Request(0, 2, 3));  // two others running
  EXPECT_EQ(p.free_cpus, 0);
  EXPECT_TRUE(p.passive_wait);
  EXPECT_TRUE(PlanThreads(Request(0, 2, 2)).passive_wait);   // one free CPU for two threads
  EXPECT_TRUE(PlanThreads(Request(0, 4, 2)).passive_wait);   // four threads, three free CPUs
  EXPECT_FALSE(PlanThreads(Request(2, 4, 3)).passive_wait);  // two threads, two free CPUs
}

TEST(ThreadPlan, OneThreadNeverWaitsAtABarrier) {
  EXPECT_FALSE(PlanThreads(Request(1, 2, 9)).passive_wait);
}

TEST(ThreadPlan, MoreThreadsThanGrantedAreKeptButFlagged) {
  ThreadPlan p = PlanThreads(Request(8, 2, 1));
  EXPECT_EQ(p.threads, 8);
  EXPECT_TRUE(p.oversubscribed);
  EXPECT_TRUE(p.passive_wait);
}

TEST(ThreadPlan, OmpNumThreadsIsTheDefaultAndTheUsersWaitPolicyStands) {
  ThreadRequest r = Request(0, 2, 5);
  r.omp_num_threads = 1;
  EXPECT_EQ(PlanThreads(r).threads, 1);
  r.requested = 2;
  EXPECT_EQ(PlanThreads(r).threads, 2);  // --threads wins
  EXPECT_TRUE(PlanThreads(r).passive_wait);
  r.wait_policy_chosen = true;
  EXPECT_FALSE(PlanThreads(r).passive_wait);
}

TEST(ThreadPlan, ParsesOmpNumThreads) {
  EXPECT_EQ(ParseOmpNumThreads("4"), 4);
  EXPECT_EQ(ParseOmpNumThreads("4,2"), 4);
  EXPECT_EQ(ParseOmpNumThreads(nullptr), std::nullopt);
  EXPECT_EQ(ParseOmpNumThreads(""), std::nullopt);
  EXPECT_EQ(ParseOmpNumThreads("0"), std::nullopt);
  EXPECT_EQ(ParseOmpNumThreads("four"), std::nullopt);
  EXPECT_EQ(ParseOmpNumThreads("4x"), std::nullopt);
}

TEST(ThreadPlan, TheRestartedProcessClearsItsMarkerAndWaitSettings) {
  ::unsetenv(kPassiveWaitMarker);
  EXPECT_FALSE(TakePassiveWaitMarker());
  ::setenv(kPassiveWaitMarker, "1", 1);
  ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  ::setenv("KMP_BLOCKTIME", "0", 1);
  EXPECT_TRUE(TakePassiveWaitMarker());
  EXPECT_EQ(std::getenv(kPassiveWaitMarker), nullptr);
  EXPECT_EQ(std::getenv("OMP_WAIT_POLICY"), nullptr);  // children decide for themselves
  EXPECT_EQ(std::getenv("KMP_BLOCKTIME"), nullptr);
  EXPECT_FALSE(TakePassiveWaitMarker());  // at most once
}

}  // namespace
}  // namespace faq
