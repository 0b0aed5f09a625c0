// Crash-safe file output: write to a temporary name beside the target, fsync, rename.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace faq {

// Writes a file so that readers see either the old content or the complete new one.
// Bytes go to `<path>.tmp.<pid>`; `Commit()` fsyncs, renames over `path` and fsyncs the
// directory. Destroying an uncommitted AtomicFile removes the temporary.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void Write(const void* data, size_t size);
  void Write(std::string_view text) { Write(text.data(), text.size()); }
  uint64_t BytesWritten() const { return written_; }
  const std::filesystem::path& path() const { return path_; }
  void Commit();

 private:
  std::filesystem::path path_;
  std::filesystem::path tmp_path_;
  int fd_ = -1;
  uint64_t written_ = 0;
  bool committed_ = false;
};

// Writes `text` to `path` atomically.
void WriteFileAtomic(const std::filesystem::path& path, std::string_view text);

// Reads a whole file; throws faq::Error naming the path on failure.
std::string ReadFile(const std::filesystem::path& path);

// fsyncs a directory so a rename inside it survives a crash.
void SyncDirectory(const std::filesystem::path& dir);

}  // namespace faq
