// JsonlReader and ParseJsonlLine.
#include "faq/io/jsonl.h"

#include <cerrno>
#include <cstring>

#include "faq/io/json.h"
#include "faq/util/error.h"

namespace faq {

std::string Where(const std::filesystem::path& path, uint64_t line) {
  return fmt::format("{}:{}", path.string(), line);
}

Json ParseJsonlLine(std::string_view line, std::string_view where) {
  Json value = ParseJson(line, where);
  if (!value.is_object()) Fail("{}: expected a JSON object, got {}", where, value.type_name());
  return value;
}

JsonlReader::JsonlReader(std::filesystem::path path) : path_(std::move(path)), in_(path_, std::ios::binary) {
  if (!in_) Fail("cannot open '{}': {}", path_.string(), std::strerror(errno));
}

std::optional<JsonlRecord> JsonlReader::Next() {
  std::string line;
  while (std::getline(in_, line)) {
    ++line_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    return JsonlRecord{line_, ParseJsonlLine(line, Where(path_, line_))};
  }
  if (in_.bad()) Fail("cannot read '{}' after line {}", path_.string(), line_);
  return std::nullopt;
}

}  // namespace faq
