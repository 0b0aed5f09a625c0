// faq regenerate: the elder sibling answers every seed prompt n times, with its reasoning.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace faq {

struct RegenerateOptions {
  std::vector<std::string> endpoints;  // OpenAI base URLs, used round-robin
  std::string model;
  std::filesystem::path seeds, out;
  int n = 3;                          // candidates per seed
  std::filesystem::path prompt_file;  // empty: configs/prompts/cot.txt (no_cot.txt without CoT)
  bool cot = true;                    // false: answer only, and enable_thinking=false
  int concurrency = 32;               // requests in flight
  int max_tokens = 8192;
  double temperature = 0.6, top_p = 0.95;
  int top_k = 20;                 // <= 0: not sent
  std::optional<uint64_t> seed;   // set: one request per candidate, each with a derived seed
  double timeout_s = 600;         // per attempt
  int retries = 5;
  double backoff_base_s = 1.0;    // first retry waits up to this long (full jitter, doubling)
  std::string api_key_env;        // environment variable holding the API key
  std::string query_field;        // empty: query | question | problem | prompt
};

struct RegenerateSummary {
  int64_t seeds = 0;              // in the seeds file
  int64_t seeds_complete = 0;     // with all n candidates after this run
  int64_t candidates = 0;         // in the output after this run
  int64_t new_candidates = 0;     // written by this run
  int64_t truncated = 0;          // of the new ones, finish_reason "length"
  int64_t failed = 0;             // candidates that failed for good (in <out>.failed.jsonl)
  int64_t prompt_tokens = 0, completion_tokens = 0;  // this run's requests
  int64_t requests = 0;           // successful HTTP requests of this run
  double seconds = 0;
  nlohmann::json ToJson() const;
};

// Appends the missing candidates of every seed to `out` (creating it), resuming a
// previous run. Failures that remain after the retries go to `<out>.failed.jsonl` and the
// run still finishes; the next run asks again. Throws faq::Error for bad input files,
// UsageError for bad options.
RegenerateSummary RunRegenerate(const RegenerateOptions& options);

// `<out>.failed.jsonl`.
std::filesystem::path FailedPath(const std::filesystem::path& out);

// The per-request seed of candidate `candidate` of the seed whose IdKey is `id_key`.
uint64_t DerivedSeed(uint64_t base, const std::string& id_key, int candidate);

}  // namespace faq
