// The seed prompts that regeneration answers (seeds.jsonl, docs/records.md).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "faq/io/jsonl.h"

namespace faq {

struct Seed {
  Json id;            // string or integer, copied to every candidate
  std::string query;  // the request text
};

// Reads seeds: each record needs `id` (string or integer, unique) and the query under
// `field` if given, else the first of `query`, `question`, `problem`, `prompt`. Throws
// faq::Error naming file:line and the field.
std::vector<Seed> ReadSeeds(const std::filesystem::path& path, const std::string& field);

}  // namespace faq
