// JsonlAppender and the torn-tail tolerant reader.
#include "faq/regen/jsonl_appender.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "faq/util/atomic_file.h"
#include "faq/util/error.h"

namespace faq {

std::vector<JsonlRecord> ReadJsonlIgnoringTornTail(const std::filesystem::path& path, bool* torn) {
  if (torn) *torn = false;
  std::vector<JsonlRecord> records;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return records;
  std::string text = ReadFile(path);
  size_t complete = text.rfind('\n');
  complete = complete == std::string::npos ? 0 : complete + 1;
  if (complete < text.size() && text.find_first_not_of(" \t\r", complete) != std::string::npos && torn) *torn = true;
  uint64_t line = 0;
  size_t pos = 0;
  while (pos < complete) {
    size_t end = text.find('\n', pos);
    std::string_view s(text.data() + pos, end - pos);
    ++line;
    pos = end + 1;
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    if (s.find_first_not_of(" \t") == std::string_view::npos) continue;
    records.push_back({line, ParseJsonlLine(s, Where(path, line))});
  }
  return records;
}

JsonlAppender::JsonlAppender(std::filesystem::path path, Mode mode) : path_(std::move(path)) {
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path());
  if (mode == Mode::kResume) {
    existing_ = ReadJsonlIgnoringTornTail(path_, &cut_torn_line_);
    if (cut_torn_line_) {
      // Cut the partial record so the next append starts on a line of its own.
      std::string text = ReadFile(path_);
      size_t keep = text.rfind('\n');
      keep = keep == std::string::npos ? 0 : keep + 1;
      if (::truncate(path_.c_str(), static_cast<off_t>(keep)) != 0) {
        Fail("cannot cut the torn last line of '{}': {}", path_.string(), std::strerror(errno));
      }
    }
  }
  int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (mode == Mode::kTruncate ? O_TRUNC : 0);
  fd_ = ::open(path_.c_str(), flags, 0644);
  if (fd_ < 0) Fail("cannot open '{}' for appending: {}", path_.string(), std::strerror(errno));
}

JsonlAppender::~JsonlAppender() {
  if (fd_ >= 0) ::close(fd_);
}

void JsonlAppender::Append(const Json& record) {
  std::string line = record.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  std::lock_guard lock(mutex_);
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      Fail("cannot append to '{}': {}", path_.string(), std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
}

}  // namespace faq
