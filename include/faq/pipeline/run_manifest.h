// The run directory's manifest.json: for every pipeline step, the fingerprint of what it
// was run with (command line and input contents), its status, result and timing. A step
// whose fingerprint matches a finished entry (and whose outputs exist) is skipped.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace faq {

// A 64-bit FNV-1a digest (hex) of a file's bytes, or of a directory's files (names and
// bytes, sorted by name); not cryptographic: it only tells whether inputs changed. Files
// over 64 MiB (checkpoint shards) count by size and modification time instead of bytes.
std::string ContentFingerprint(const std::filesystem::path& path);
std::string TextFingerprint(const std::string& text);

class RunManifest {
 public:
  explicit RunManifest(std::filesystem::path file);  // loads it if present

  // True when `step` finished with this fingerprint and every output still exists.
  bool IsDone(const std::string& step, const std::string& fingerprint, const std::vector<std::filesystem::path>& outputs) const;
  // The stored fingerprint of `step` ("" if none): a different one means its old outputs
  // were made with other options.
  std::string Fingerprint(const std::string& step) const;
  void MarkStarted(const std::string& step, const std::string& fingerprint, const std::vector<std::string>& argv);
  void MarkDone(const std::string& step, const nlohmann::json& result, double seconds);
  const nlohmann::json& Result(const std::string& step) const;
  const nlohmann::json& Json() const { return doc_; }

 private:
  void Save() const;
  std::filesystem::path file_;
  nlohmann::json doc_;
};

}  // namespace faq
