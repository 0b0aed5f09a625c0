// Token streams for evaluation and calibration, read from JSONL or plain text.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace faq {

// Turns text into token ids (the model's tokenizer). May be empty when only records with
// `input_ids` are expected.
using TextEncoder = std::function<std::vector<int32_t>(std::string_view)>;

// The concatenation of a file's documents as one token stream, in file order:
// - `.txt` (or any non-JSONL file): the whole text, encoded;
// - JSONL with `input_ids` in every record: the ids, concatenated;
// - JSONL with `text`: the texts joined with `joiner` (the GPTQ protocol joins WikiText
//   documents with "\n\n"), then encoded once.
// Throws faq::Error naming the file, line and field for records that have neither field,
// mix both kinds, hold non-integer ids, or need a tokenizer when `encoder` is empty.
std::vector<int32_t> LoadTokenStream(const std::filesystem::path& file, const TextEncoder& encoder,
                                     std::string_view joiner = "\n\n");

// Each JSONL record as its own token sequence (per-record calibration).
std::vector<std::vector<int32_t>> LoadTokenDocuments(const std::filesystem::path& file, const TextEncoder& encoder);

}  // namespace faq
