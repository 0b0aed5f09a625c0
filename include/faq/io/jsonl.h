// JSON Lines input with errors that name the file, the line and the field.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

namespace faq {

using Json = nlohmann::json;

// One parsed record and where it came from.
struct JsonlRecord {
  uint64_t line = 0;  // 1-based line number in the file
  Json value;         // always a JSON object
};

// Parses one JSONL line into an object. `where` is "file:line" for messages.
// Throws faq::Error "where: invalid JSON (...)" or "where: expected a JSON object, got ...".
Json ParseJsonlLine(std::string_view line, std::string_view where);

// Reads a JSONL file record by record; blank lines are skipped. A truncated last line
// (no newline, invalid JSON) is reported like any other malformed line.
class JsonlReader {
 public:
  explicit JsonlReader(std::filesystem::path path);
  // Returns the next record, or nullopt at end of file.
  std::optional<JsonlRecord> Next();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::ifstream in_;
  uint64_t line_ = 0;
};

// "file:line" label used in messages.
std::string Where(const std::filesystem::path& path, uint64_t line);

}  // namespace faq
