#include "faq/pipeline/run_manifest.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>

#include "faq/io/json.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"

namespace faq {
namespace {

constexpr uint64_t kFnvOffset = 1469598103934665603ull, kFnvPrime = 1099511628211ull;

void Mix(uint64_t& h, const char* data, size_t n) {
  for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(data[i])) * kFnvPrime;
}

// Checkpoint shards run to gigabytes and a pipeline fingerprints its model at every step:
// past this size a file counts by its size and modification time, not its bytes.
constexpr uintmax_t kHashBytesUpTo = 64ull << 20;

void MixFile(uint64_t& h, const std::filesystem::path& path) {
  const uintmax_t size = std::filesystem::file_size(path);
  if (size > kHashBytesUpTo) {
    const auto mtime = std::filesystem::last_write_time(path).time_since_epoch().count();
    Mix(h, reinterpret_cast<const char*>(&size), sizeof size);
    Mix(h, reinterpret_cast<const char*>(&mtime), sizeof mtime);
    return;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path.string());
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) Mix(h, buf, static_cast<size_t>(in.gcount()));
}

std::string Hex(uint64_t h) { return fmt::format("{:016x}", h); }

std::string Now() {
  return fmt::format("{}", std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count());
}

}  // namespace

std::string ContentFingerprint(const std::filesystem::path& path) {
  uint64_t h = kFnvOffset;
  if (std::filesystem::is_directory(path)) {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(path))
      if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      const std::string rel = std::filesystem::relative(f, path).string();
      Mix(h, rel.data(), rel.size() + 1);
      MixFile(h, f);
    }
  } else if (std::filesystem::exists(path)) {
    MixFile(h, path);
  } else {
    throw Error("input " + path.string() + " does not exist");
  }
  return Hex(h);
}

std::string TextFingerprint(const std::string& text) {
  uint64_t h = kFnvOffset;
  Mix(h, text.data(), text.size());
  return Hex(h);
}

RunManifest::RunManifest(std::filesystem::path file) : file_(std::move(file)) {
  doc_ = std::filesystem::exists(file_) ? ParseJson(ReadFile(file_), file_.string()) : nlohmann::json::object();
  if (!doc_.is_object()) throw Error(file_.string() + ": expected a JSON object");
  if (!doc_.contains("steps")) doc_["steps"] = nlohmann::json::object();
}

bool RunManifest::IsDone(const std::string& step, const std::string& fingerprint,
                         const std::vector<std::filesystem::path>& outputs) const {
  const auto& steps = doc_["steps"];
  if (!steps.contains(step)) return false;
  const auto& s = steps[step];
  if (s.value("fingerprint", "") != fingerprint || s.value("status", "") != "done") return false;
  return std::all_of(outputs.begin(), outputs.end(), [](const auto& p) { return std::filesystem::exists(p); });
}

std::string RunManifest::Fingerprint(const std::string& step) const {
  const auto& steps = doc_["steps"];
  return steps.contains(step) ? steps[step].value("fingerprint", "") : "";
}

void RunManifest::MarkStarted(const std::string& step, const std::string& fingerprint, const std::vector<std::string>& argv) {
  doc_["steps"][step] = {{"fingerprint", fingerprint}, {"status", "running"}, {"argv", argv}, {"started", Now()}};
  Save();
}

void RunManifest::MarkDone(const std::string& step, const nlohmann::json& result, double seconds) {
  auto& s = doc_["steps"][step];
  s["status"] = "done";
  s["result"] = result;
  s["seconds"] = seconds;
  s["finished"] = Now();
  Save();
}

const nlohmann::json& RunManifest::Result(const std::string& step) const {
  static const nlohmann::json kNull;
  const auto& steps = doc_["steps"];
  return steps.contains(step) && steps[step].contains("result") ? steps[step]["result"] : kNull;
}

void RunManifest::Save() const { WriteFileAtomic(file_, doc_.dump(2) + "\n"); }

}  // namespace faq
