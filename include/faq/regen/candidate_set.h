// candidates.jsonl (the output of faq regenerate) grouped by seed, as the judge reads it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "faq/io/jsonl.h"

namespace faq {

struct Candidate {
  int index = 0;  // the record's `candidate`
  std::string response;
  Json reasoning;  // string or null
  std::string finish_reason;
  bool truncated = false;
};

struct CandidateGroup {
  Json id;
  std::string query;
  std::vector<Candidate> candidates;  // by index, each index once
};

// Reads and groups candidates.jsonl in the order seeds first appear. A torn last line (a
// regenerate run still going or killed) is ignored; a repeated (id, candidate) keeps the
// first. Throws faq::Error naming file:line and the field for a malformed record.
std::vector<CandidateGroup> ReadCandidateGroups(const std::filesystem::path& path);

// The candidates a judge considers: those not cut off by max_tokens, or all of them when
// every one was.
std::vector<const Candidate*> EligibleCandidates(const CandidateGroup& group);

}  // namespace faq
