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
// Renders a conversation (a `messages` list, as JSON text) with the model's chat template.
using MessagesRenderer = std::function<std::string(const std::string& messages_json)>;

// How records become tokens: `encode` for `text` (and rendered conversations), `render`
// for `messages`. Either may be empty; records that need a missing one are errors.
struct TextCodec {
  TextEncoder encode;
  MessagesRenderer render;
};

// The concatenation of a file's documents as one token stream, in file order:
// - `.txt` (or any non-JSONL file): the whole text, encoded;
// - JSONL with `input_ids` in every record: the ids, concatenated;
// - JSONL with `text`: the texts joined with `joiner` (the GPTQ protocol joins WikiText
//   documents with "\n\n"), then encoded once;
// - JSONL with `messages`: each conversation rendered with the chat template, then as `text`.
// Throws faq::Error naming the file, line and field for records that have none of these
// fields, mix ids with text, hold non-integer ids, or need a tokenizer or chat template
// the codec lacks.
std::vector<int32_t> LoadTokenStream(const std::filesystem::path& file, const TextCodec& codec,
                                     std::string_view joiner = "\n\n");

// Each JSONL record as its own token sequence (per-record calibration); any other file is
// plain text and one sequence.
std::vector<std::vector<int32_t>> LoadTokenDocuments(const std::filesystem::path& file, const TextCodec& codec);

}  // namespace faq
