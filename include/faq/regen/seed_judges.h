// Judging one seed's candidates: the three strategies behind `faq judge --mode`.
#pragma once

#include <atomic>
#include <optional>
#include <string>

#include "faq/client/chat_client.h"
#include "faq/regen/candidate_set.h"
#include "faq/regen/prompt_template.h"

namespace faq {

// What every strategy needs to ask the judge, and the counters it shares.
struct JudgeContext {
  ChatClient* client = nullptr;  // null for JudgeMode::kNone
  std::string model;
  const PromptTemplate* prompt = nullptr;
  int max_tokens = 32;
  int reasks = 2;
  std::atomic<int64_t> requests{0}, prompt_tokens{0}, completion_tokens{0}, reask_count{0};

  // Asks the judge `prompt` and hands the answer to `parse` until it returns a value:
  // first greedily (temperature 0), then up to `reasks` more times sampling with a fresh
  // seed, since a greedy judge would repeat its unparseable answer. Nullopt if none
  // parses; throws ChatError when a request fails for good.
  template <typename T, typename Parse>
  std::optional<T> Ask(const std::string& text, Parse parse);

 private:
  std::string Request(const std::string& text, int attempt);
};

// The chosen candidate of one seed and the evidence for it.
struct Verdict {
  const Candidate* chosen = nullptr;
  std::optional<double> score;  // score mode: the winner's; pairwise: its votes
  Json scores = Json::array();  // per candidate: {"candidate", "score"} (+ "skipped")
  Json comparisons;             // pairwise only
  bool unscored = false;        // no verdict could be parsed: the first candidate is kept
};

Verdict JudgeByScore(JudgeContext& ctx, const CandidateGroup& group);
Verdict JudgeByPairwise(JudgeContext& ctx, const CandidateGroup& group);
Verdict KeepFirstCandidate(const CandidateGroup& group);

// Ties go to the shorter response (less to learn from a padded answer), then the lower index.
bool PreferOnTie(const Candidate& a, const Candidate& b);

template <typename T, typename Parse>
std::optional<T> JudgeContext::Ask(const std::string& text, Parse parse) {
  for (int attempt = 0; attempt <= reasks; ++attempt) {
    if (attempt > 0) ++reask_count;
    std::string answer = Request(text, attempt);
    if (std::optional<T> v = parse(answer)) return v;
  }
  return std::nullopt;
}

}  // namespace faq
