// Shared helpers of the tokenizer tests: the shipped tokenizers, JSONL files, dataset samples.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "faq/tokenizer/tokenizer.h"

namespace faq::testing {

// Loads ../shared/tokenizers/<name> once per process.
const Tokenizer& SharedTokenizer(const std::string& name);
std::vector<nlohmann::json> ReadJsonlFile(const std::filesystem::path& path);
void WriteFile(const std::filesystem::path& path, const std::string& content);

// Texts drawn with a fixed seed from every dataset in ../shared/data: `per_source` lines of
// wikitext-2 and `per_source` records of each JSONL file (all string fields), a few long
// multi-line chunks, and `synthetic` random strings over a hard alphabet (odd whitespace,
// CJK, emoji, combining marks, contractions, special-token fragments).
std::vector<std::string> SampleTexts(size_t per_source, size_t synthetic);

}  // namespace faq::testing
