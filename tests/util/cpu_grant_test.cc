// The granted CPU count on cgroup files written as the kernel writes them, and on the real ones.
#include <gtest/gtest.h>
#include <sched.h>

#include <thread>

#include "faq/util/atomic_file.h"
#include "faq/util/cpu_grant.h"
#include "support/test_env.h"

namespace faq {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  WriteFileAtomic(path, text);
}

// A cgroup v2 tree under `dir` with this process in /job/step, as /proc/self/mountinfo and
// /proc/self/cgroup describe it on a systemd host.
CpuFiles UnifiedHierarchy(const testing::TempDir& dir) {
  Write(dir / "mountinfo",
        "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
        "30 22 0:26 / " + (dir / "cg").string() + " rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n");
  Write(dir / "self_cgroup", "0::/job/step\n");
  return {dir / "self_cgroup", dir / "mountinfo", dir / "stat"};
}

TEST(CgroupCpuMax, ParsesQuotaAndUnlimited) {
  EXPECT_EQ(ParseCgroupCpuMax("max 100000\n", "cpu.max"), std::nullopt);
  EXPECT_EQ(ParseCgroupCpuMax("150000 100000\n", "cpu.max"), 1.5);
  EXPECT_EQ(ParseCgroupCpuMax("50000 100000", "cpu.max"), 0.5);
  EXPECT_EQ(testing::ErrorOf([] { ParseCgroupCpuMax("200000", "/x/cpu.max"); }),
            "/x/cpu.max: expected 'max <period>' or '<quota> <period>' in microseconds, got '200000'");
  EXPECT_EQ(testing::ErrorOf([] { ParseCgroupCpuMax("-5 100000", "/x/cpu.max"); }),
            "/x/cpu.max: expected a positive quota in microseconds or 'max', got '-5'");
}

TEST(CgroupCpuQuota, TakesTheSmallestQuotaOnTheWayToTheRoot) {
  testing::TempDir dir;
  CpuFiles files = UnifiedHierarchy(dir);
  Write(dir / "cg/cpu.max", "max 100000\n");
  Write(dir / "cg/job/cpu.max", "150000 100000\n");
  Write(dir / "cg/job/step/cpu.max", "400000 100000\n");
  EXPECT_EQ(CgroupCpuQuota(files), 1.5);
  EXPECT_EQ(GrantedCpuCount(files), std::min(2, AffinityCpuCount()));  // 1.5 cores keep 2 threads busy
  Write(dir / "cg/job/step/cpu.max", "50000 100000\n");
  EXPECT_EQ(CgroupCpuQuota(files), 0.5);
  EXPECT_EQ(GrantedCpuCount(files), 1);
}

TEST(CgroupCpuQuota, NoQuotaWhenUnlimitedOrUnknown) {
  testing::TempDir dir;
  CpuFiles files = UnifiedHierarchy(dir);
  Write(dir / "cg/job/step/cpu.max", "max 100000\n");
  EXPECT_EQ(CgroupCpuQuota(files), std::nullopt);
  EXPECT_EQ(GrantedCpuCount(files), AffinityCpuCount());
  EXPECT_EQ(CgroupCpuQuota({dir / "no_such_file", dir / "mountinfo", dir / "stat"}), std::nullopt);
}

TEST(CgroupCpuQuota, ReadsCgroupV1InsideAContainer) {
  testing::TempDir dir;
  // The container sees its own cgroup as the mount's root.
  Write(dir / "mountinfo", "40 22 0:35 /docker/abc " + (dir / "cpu").string() +
                               " ro,nosuid - cgroup cgroup rw,cpu,cpuacct\n");
  Write(dir / "self_cgroup", "5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/\n");
  Write(dir / "cpu/cpu.cfs_quota_us", "250000\n");
  Write(dir / "cpu/cpu.cfs_period_us", "100000\n");
  CpuFiles files{dir / "self_cgroup", dir / "mountinfo", dir / "stat"};
  EXPECT_EQ(CgroupCpuQuota(files), 2.5);
  Write(dir / "cpu/cpu.cfs_quota_us", "-1\n");  // unlimited
  EXPECT_EQ(CgroupCpuQuota(files), std::nullopt);
}

TEST(CgroupCpuQuota, NamesAMalformedCpuMax) {
  testing::TempDir dir;
  CpuFiles files = UnifiedHierarchy(dir);
  Write(dir / "cg/job/cpu.max", "lots\n");
  EXPECT_NE(testing::ErrorOf([&] { CgroupCpuQuota(files); }).find((dir / "cg/job/cpu.max").string()), std::string::npos);
}

TEST(GrantedCpus, QuotaRoundedUpCapsTheAffinityCount) {
  EXPECT_EQ(GrantedCpuCount(8, 1.5), 2);
  EXPECT_EQ(GrantedCpuCount(8, 0.2), 1);
  EXPECT_EQ(GrantedCpuCount(2, 6.0), 2);
  EXPECT_EQ(GrantedCpuCount(4, std::nullopt), 4);
}

TEST(GrantedCpus, OnThisMachineAtMostTheAffinityMask) {
  int granted = GrantedCpuCount();
  EXPECT_GE(granted, 1);
  EXPECT_LE(granted, AffinityCpuCount());
  EXPECT_LE(AffinityCpuCount(), static_cast<int>(std::thread::hardware_concurrency()));
}

TEST(GrantedCpus, FollowsTheAffinityMask) {
  int pinned = 0;
  std::thread([&] {
    cpu_set_t set;
    CPU_ZERO(&set);
    ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
    int first = 0;
    while (!CPU_ISSET(first, &set)) ++first;
    CPU_ZERO(&set);
    CPU_SET(first, &set);
    ASSERT_EQ(sched_setaffinity(0, sizeof set, &set), 0);  // this thread only
    pinned = GrantedCpuCount();
  }).join();
  EXPECT_EQ(pinned, 1);
}

TEST(RunnableTasks, ReadsProcsRunning) {
  testing::TempDir dir;
  Write(dir / "stat", "cpu  10 0 5 100 0 0 0 0 0 0\nctxt 123\nprocs_running 5\nprocs_blocked 0\n");
  EXPECT_EQ(RunnableTaskCount({dir / "c", dir / "m", dir / "stat"}), 5);
  Write(dir / "stat", "cpu  10 0 5 100 0 0 0 0 0 0\n");
  EXPECT_EQ(testing::ErrorOf([&] { RunnableTaskCount({dir / "c", dir / "m", dir / "stat"}); }),
            (dir / "stat").string() + ": no 'procs_running' line");
  EXPECT_GE(RunnableTaskCount(), 1);  // the real one counts this thread
}

}  // namespace
}  // namespace faq
