// faq judge: pick the best of each seed's candidates with a judge model.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace faq {

enum class JudgeMode {
  kScore,     // rubric score 1..10 per candidate, the best wins
  kPairwise,  // knockout of A/B comparisons, each pair asked in both orders
  kNone,      // keep candidate 0 (the paper's "w/o Judge"); no endpoint needed
};

// "score" | "pairwise" | "none"; throws UsageError otherwise.
JudgeMode ParseJudgeMode(const std::string& name);
const char* JudgeModeName(JudgeMode mode);

struct JudgeOptions {
  std::vector<std::string> endpoints;
  std::string model;
  std::filesystem::path candidates, out, rubric_file;  // rubric empty: the bundled prompt of the mode
  JudgeMode mode = JudgeMode::kScore;
  int concurrency = 32, retries = 5, max_tokens = 32;
  int reasks = 2;               // extra asks when a verdict cannot be parsed
  double timeout_s = 600;
  double backoff_base_s = 1.0;
  std::string api_key_env;
};

struct JudgeSummary {
  int64_t seeds = 0;           // in the candidates file
  int64_t judged = 0;          // written by this run
  int64_t already = 0;         // judged by an earlier run
  int64_t failed = 0;          // seeds whose requests failed for good (<out>.failed.jsonl)
  int64_t unscored = 0;        // of this run's seeds: no parseable verdict, candidate 0 kept
  int64_t reasks = 0;          // re-asks after an unparseable verdict
  int64_t requests = 0, prompt_tokens = 0, completion_tokens = 0;
  double seconds = 0;
  std::string mode;
  nlohmann::json ToJson() const;
};

// Appends one judged record per seed to `out`, resuming a previous run (seeds already in
// `out` are skipped). A seed whose judge requests fail for good goes to
// `<out>.failed.jsonl` and is judged again by the next run.
JudgeSummary RunJudge(const JudgeOptions& options);

}  // namespace faq
