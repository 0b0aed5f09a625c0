// The tokenizer of a model directory as a TextEncoder, for commands that accept `text`.
#pragma once

#include <filesystem>

#include "faq/eval/token_source.h"

namespace faq::cli {

// Encodes with the tokenizer found in `model_dir` (tokenizer.json or tokenizer.model).
// Returns an empty encoder when the directory has no tokenizer; records with `text` then
// get an error that says so.
TextEncoder ModelTextEncoder(const std::filesystem::path& model_dir);

}  // namespace faq::cli
