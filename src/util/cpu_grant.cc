// AffinityCpuCount, the cgroup CPU quota (v2 and v1) and procs_running.
#include "faq/util/cpu_grant.h"

#include <sched.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "faq/util/error.h"

namespace faq {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> ReadSmallFile(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<long long> ParseInteger(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<std::string> Split(std::string_view text, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == sep) {
      parts.emplace_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

// A mounted cgroup hierarchy: where, and which of its cgroups the mount shows at that
// place (not "/" in a container that sees only its own subtree).
struct CgroupMountPoint {
  fs::path mount;
  std::string root;
};

// A cgroup hierarchy this process belongs to: where it is mounted and the process's path in it.
struct CgroupPlace {
  CgroupMountPoint mount;
  std::string path;  // "/a/b", from /proc/self/cgroup
};

// The mount point of the hierarchy `fstype` ("cgroup2", or "cgroup" with `option` among its
// super options), from /proc/self/mountinfo: "<id> <parent> <dev> <root> <mount> ... - <fstype> <source> <options>".
std::optional<CgroupMountPoint> CgroupMount(const std::string& mountinfo, std::string_view fstype, std::string_view option) {
  std::istringstream lines(mountinfo);
  for (std::string line; std::getline(lines, line);) {
    size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream before(line.substr(0, dash)), after(line.substr(dash + 3));
    std::string id, parent, dev, root, mount, type, source, options;
    before >> id >> parent >> dev >> root >> mount;
    after >> type >> source >> options;
    if (type != fstype) continue;
    if (!option.empty()) {
      auto opts = Split(options, ',');
      if (std::find(opts.begin(), opts.end(), option) == opts.end()) continue;
    }
    return CgroupMountPoint{mount, root};
  }
  return std::nullopt;
}

// The path of the line "<id>:<controllers>:<path>" in /proc/self/cgroup whose controller
// list is `controllers_empty` (v2: "0::/path") or names `controller` (v1: "4:cpu,cpuacct:/path").
std::optional<std::string> CgroupPath(const std::string& self_cgroup, bool unified, std::string_view controller) {
  std::istringstream lines(self_cgroup);
  for (std::string line; std::getline(lines, line);) {
    size_t first = line.find(':'), second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    std::string controllers = line.substr(first + 1, second - first - 1);
    bool match = unified ? controllers.empty() : [&] {
      auto names = Split(controllers, ',');
      return std::find(names.begin(), names.end(), controller) != names.end();
    }();
    if (match) return line.substr(second + 1);
  }
  return std::nullopt;
}

// The directories from the process's cgroup up to the mount's root, innermost first.
std::vector<fs::path> CgroupChain(const CgroupPlace& place) {
  std::vector<fs::path> chain;
  std::string path = place.path;
  const std::string& root = place.mount.root;
  if (root != "/" && path.rfind(root, 0) == 0) path = path.substr(root.size());
  fs::path relative = fs::path(path).relative_path();
  for (;;) {
    chain.push_back(place.mount.mount / relative);
    if (relative.empty()) break;
    relative = relative.parent_path();
  }
  return chain;
}

std::optional<double> SmallerQuota(std::optional<double> a, std::optional<double> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

std::optional<double> QuotaV2(const CgroupPlace& place) {
  std::optional<double> quota;
  for (const fs::path& dir : CgroupChain(place)) {
    if (auto text = ReadSmallFile(dir / "cpu.max")) quota = SmallerQuota(quota, ParseCgroupCpuMax(*text, (dir / "cpu.max").string()));
  }
  return quota;
}

std::optional<double> QuotaV1(const CgroupPlace& place) {
  std::optional<double> quota;
  for (const fs::path& dir : CgroupChain(place)) {
    auto q = ReadSmallFile(dir / "cpu.cfs_quota_us"), p = ReadSmallFile(dir / "cpu.cfs_period_us");
    if (!q || !p) continue;
    auto us = ParseInteger(*q), period = ParseInteger(*p);
    if (!us || !period || *period <= 0) Fail("{}: expected integer cpu.cfs_quota_us and cpu.cfs_period_us", dir.string());
    if (*us > 0) quota = SmallerQuota(quota, static_cast<double>(*us) / static_cast<double>(*period));
  }
  return quota;
}

}  // namespace

int AffinityCpuCount() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return std::max(1, CPU_COUNT(&set));
}

std::optional<double> ParseCgroupCpuMax(std::string_view text, std::string_view where) {
  std::istringstream in{std::string(text)};
  std::string quota, period, extra;
  in >> quota >> period >> extra;
  auto period_us = ParseInteger(period);
  if (quota.empty() || !period_us || *period_us <= 0 || !extra.empty()) {
    Fail("{}: expected 'max <period>' or '<quota> <period>' in microseconds, got '{}'", where, text);
  }
  if (quota == "max") return std::nullopt;
  auto quota_us = ParseInteger(quota);
  if (!quota_us || *quota_us <= 0) Fail("{}: expected a positive quota in microseconds or 'max', got '{}'", where, quota);
  return static_cast<double>(*quota_us) / static_cast<double>(*period_us);
}

std::optional<double> CgroupCpuQuota(const CpuFiles& files) {
  auto self = ReadSmallFile(files.self_cgroup), mounts = ReadSmallFile(files.mountinfo);
  if (!self || !mounts) return std::nullopt;
  std::optional<double> quota;
  auto v2_mount = CgroupMount(*mounts, "cgroup2", "");
  auto v2_path = CgroupPath(*self, /*unified=*/true, "");
  if (v2_mount && v2_path) quota = QuotaV2({*v2_mount, *v2_path});
  auto v1_mount = CgroupMount(*mounts, "cgroup", "cpu");
  auto v1_path = CgroupPath(*self, /*unified=*/false, "cpu");
  if (v1_mount && v1_path) quota = SmallerQuota(quota, QuotaV1({*v1_mount, *v1_path}));
  return quota;
}

int GrantedCpuCount(const CpuFiles& files) { return GrantedCpuCount(AffinityCpuCount(), CgroupCpuQuota(files)); }

int GrantedCpuCount(int affinity_cpus, std::optional<double> quota) {
  int cpus = affinity_cpus;
  if (quota) cpus = std::min(cpus, static_cast<int>(std::ceil(*quota)));
  return std::max(1, cpus);
}

int RunnableTaskCount(const CpuFiles& files) {
  auto text = ReadSmallFile(files.proc_stat);
  if (!text) Fail("cannot read '{}'", files.proc_stat.string());
  std::istringstream lines(*text);
  for (std::string line; std::getline(lines, line);) {
    constexpr std::string_view kKey = "procs_running ";
    if (line.rfind(kKey, 0) != 0) continue;
    auto count = ParseInteger(std::string_view(line).substr(kKey.size()));
    if (!count || *count < 0) Fail("{}: expected 'procs_running <count>', got '{}'", files.proc_stat.string(), line);
    return static_cast<int>(*count);
  }
  Fail("{}: no 'procs_running' line", files.proc_stat.string());
}

}  // namespace faq
