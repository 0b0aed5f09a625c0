// A read-only memory map of a whole file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>

namespace faq {

// Maps `path` read-only. Pages are loaded on first touch, so a file larger than RAM can be
// walked piece by piece. Throws faq::Error naming the path when it cannot be opened.
class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const std::filesystem::path& path() const { return path_; }
  // Tells the kernel a byte range is no longer needed (drops clean pages from RSS).
  void Release(uint64_t offset, uint64_t size) const;

 private:
  std::filesystem::path path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace faq
