// Crash-safe JSONL output that a later run resumes: one write(2) per finished record.
#pragma once

#include <filesystem>
#include <mutex>
#include <vector>

#include "faq/io/jsonl.h"

namespace faq {

// Reads the complete records of a JSONL file that a killed writer may have left with a
// torn last line (no newline): that line is ignored and `*torn` set. A malformed complete
// line is an error naming file:line. A missing file reads as empty.
std::vector<JsonlRecord> ReadJsonlIgnoringTornTail(const std::filesystem::path& path, bool* torn = nullptr);

// Appends records to `path`, one line each, flushed to the kernel before Append returns,
// so a kill -9 loses at most the record being written. Opening in kResume mode loads the
// complete records already there and cuts a torn last line off the file; kTruncate
// starts empty.
class JsonlAppender {
 public:
  enum class Mode { kResume, kTruncate };
  JsonlAppender(std::filesystem::path path, Mode mode);
  ~JsonlAppender();
  JsonlAppender(const JsonlAppender&) = delete;
  JsonlAppender& operator=(const JsonlAppender&) = delete;

  const std::vector<JsonlRecord>& existing() const { return existing_; }
  bool cut_torn_line() const { return cut_torn_line_; }
  // Thread-safe.
  void Append(const Json& record);
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::mutex mutex_;
  std::vector<JsonlRecord> existing_;
  bool cut_torn_line_ = false;
};

// The key under which records of one seed are grouped: the `id` value's JSON text, so
// that 7 and "7" stay distinct.
inline std::string IdKey(const Json& id) { return id.dump(); }

}  // namespace faq
