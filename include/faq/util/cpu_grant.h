// How many CPUs the OS really lets this process use, and how busy they are right now.
// nproc-style counts lie in containers: a cgroup CPU quota of 2 cores on a 64-core host
// still shows 64 CPUs, and 64 threads then time-slice on 2 cores.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

namespace faq {

// Where the kernel publishes what these functions read; tests point them at copies.
struct CpuFiles {
  std::filesystem::path self_cgroup = "/proc/self/cgroup";
  std::filesystem::path mountinfo = "/proc/self/mountinfo";
  std::filesystem::path proc_stat = "/proc/stat";
};

// CPUs in the calling thread's affinity mask (sched_getaffinity; taskset, cpusets).
int AffinityCpuCount();

// A cgroup v2 `cpu.max` ("max 100000" or "<quota> <period>") as cores: nullopt when
// unlimited. Throws faq::Error naming `where` for anything else.
std::optional<double> ParseCgroupCpuMax(std::string_view text, std::string_view where);

// The CPU quota of this process's cgroup in cores: the smallest quota on the path from its
// cgroup up to the root (cgroup v2 `cpu.max`, or v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`).
// Nullopt when no quota applies or the cgroup files cannot be found.
std::optional<double> CgroupCpuQuota(const CpuFiles& files = {});

// The CPUs this process is granted: its affinity count, capped by the cgroup quota rounded
// up (a quota of 1.5 cores keeps 2 threads busy part of the time), at least 1.
int GrantedCpuCount(const CpuFiles& files = {});
// The same from an affinity count and a quota already read.
int GrantedCpuCount(int affinity_cpus, std::optional<double> quota);

// Tasks runnable right now on the machine (`procs_running` of /proc/stat), the caller's
// own running thread included. Throws faq::Error when the file has no such line.
int RunnableTaskCount(const CpuFiles& files = {});

}  // namespace faq
