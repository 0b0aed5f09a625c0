// Helpers shared by the regenerate and judge tests: seed files and output inspection.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "faq/io/jsonl.h"
#include "faq/regen/judge.h"
#include "faq/util/atomic_file.h"
#include "support/test_env.h"

namespace faq::testing {

// Writes {"id": "s<i>", "query": "<prefix> <i>"} for i in [0, count).
inline void WriteSeeds(const std::filesystem::path& path, int count, const std::string& prefix = "question") {
  std::string text;
  // fmt rather than "s" + std::to_string(i): GCC 12 warns falsely on the latter (-Wrestrict).
  for (int i = 0; i < count; ++i) text += Json{{"id", fmt::format("s{}", i)}, {"query", fmt::format("{} {}", prefix, i)}}.dump() + "\n";
  WriteFileAtomic(path, text);
}

// One line of candidates.jsonl as faq regenerate writes it.
struct Cand {
  std::string id;
  int index;
  std::string response;
  std::string finish = "stop";
};

// Writes candidates.jsonl; each seed's query is "query of <id>", each reasoning "why <response>".
inline void WriteCandidates(const std::filesystem::path& path, const std::vector<Cand>& cands) {
  std::string text;
  for (const auto& c : cands) {
    text += Json{{"id", c.id}, {"candidate", c.index}, {"query", "query of " + c.id}, {"response", c.response},
                 {"reasoning", "why " + c.response}, {"finish_reason", c.finish}, {"truncated", c.finish == "length"}}
                .dump() +
            "\n";
  }
  WriteFileAtomic(path, text);
}

// Judge options for candidates.jsonl -> judged.jsonl in `dir`, against one endpoint.
inline JudgeOptions JudgeOptionsFor(const std::string& base_url, const std::filesystem::path& dir,
                                    JudgeMode mode = JudgeMode::kScore) {
  JudgeOptions o;
  o.endpoints = {base_url};
  o.model = "judge";
  o.candidates = dir / "candidates.jsonl";
  o.out = dir / "judged.jsonl";
  o.mode = mode;
  o.concurrency = 4;
  o.timeout_s = 5;
  o.backoff_base_s = 0.01;
  return o;
}

inline std::vector<Json> ReadRecords(const std::filesystem::path& path) {
  std::vector<Json> out;
  if (!std::filesystem::exists(path)) return out;
  JsonlReader r(path);
  while (auto rec = r.Next()) out.push_back(rec->value);
  return out;
}

// id -> how many records each candidate index has.
inline std::map<std::string, std::map<int, int>> CandidateCounts(const std::filesystem::path& path) {
  std::map<std::string, std::map<int, int>> counts;
  for (const auto& r : ReadRecords(path)) ++counts[r["id"].get<std::string>()][r["candidate"].get<int>()];
  return counts;
}

// Every one of `seeds` seeds has candidates 0..n-1 exactly once.
inline void ExpectExactlyN(const std::filesystem::path& path, int seeds, int n) {
  auto counts = CandidateCounts(path);
  EXPECT_EQ(counts.size(), static_cast<size_t>(seeds));
  for (int s = 0; s < seeds; ++s) {
    const auto& c = counts[fmt::format("s{}", s)];
    EXPECT_EQ(c.size(), static_cast<size_t>(n)) << "seed s" << s;
    for (int i = 0; i < n; ++i) EXPECT_EQ(c.count(i) ? c.at(i) : 0, 1) << "seed s" << s << " candidate " << i;
  }
}

}  // namespace faq::testing
