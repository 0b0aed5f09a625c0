// `faq assemble`: turns judged (query, response, reasoning) records into calibration
// samples, rendered with the target model's chat template and tokenized.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "faq/template/chat_template.h"

namespace faq {

class Tokenizer;

enum class OverflowPolicy { kTruncate, kDrop };

struct AssembleOptions {
  bool use_chat_template = true;  // false: plain query + "\n\n" + response
  int64_t max_tokens = 0;         // 0: no limit
  OverflowPolicy overflow = OverflowPolicy::kTruncate;
};

// One input record of judged.jsonl (see docs/records.md).
struct JudgedRecord {
  nlohmann::ordered_json id;
  std::string query;
  std::string response;
  std::optional<std::string> reasoning;
};

// One output record of calib.jsonl.
struct CalibrationSample {
  nlohmann::ordered_json id;
  std::string text;
  std::vector<int32_t> input_ids;
};

struct AssembleStats {
  int64_t records_in = 0;
  int64_t records_out = 0;
  int64_t truncated = 0;
  int64_t dropped = 0;
  int64_t total_tokens = 0;
  int64_t min_tokens = 0;
  double median_tokens = 0;
  int64_t max_tokens = 0;

  nlohmann::ordered_json ToJson() const;
};

// Validates one judged.jsonl object; `where` ("file:line") prefixes errors, which name the field.
JudgedRecord ParseJudgedRecord(const nlohmann::json& value, const std::string& where);

// The conversation [user: query, assistant: response] with the reasoning passed as the
// assistant message's `reasoning_content` (Qwen3-style templates put it in <think>...</think>;
// templates that ignore the field drop it). `base` supplies the special tokens.
ChatTemplateInputs CalibrationConversation(const JudgedRecord& record, const ChatTemplateInputs& base);

class CalibrationAssembler {
 public:
  // `tmpl` may be null when options.use_chat_template is false.
  CalibrationAssembler(const Tokenizer& tokenizer, const ChatTemplate* tmpl, ChatTemplateInputs base,
                       AssembleOptions options);
  // Renders and tokenizes one record; nullopt when it is dropped for length.
  std::optional<CalibrationSample> Assemble(const JudgedRecord& record, AssembleStats& stats) const;

 private:
  const Tokenizer& tokenizer_;
  const ChatTemplate* template_;
  ChatTemplateInputs base_;
  AssembleOptions options_;
};

// Reads `in` (JSONL), writes `out` atomically; returns the statistics.
AssembleStats AssembleCalibrationFile(const std::filesystem::path& tokenizer_dir, const std::filesystem::path& in,
                                      const std::filesystem::path& out, const AssembleOptions& options);

// Median etc. of output lengths into `stats`.
void FinishStats(const std::vector<int64_t>& lengths, AssembleStats& stats);

}  // namespace faq
