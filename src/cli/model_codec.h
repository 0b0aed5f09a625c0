// A model directory's tokenizer and chat template as a TextCodec, for commands that accept
// `text` and `messages` records.
#pragma once

#include <filesystem>

#include "faq/eval/token_source.h"

namespace faq::cli {

// Encodes with the tokenizer in `model_dir` (tokenizer.json or tokenizer.model) and renders
// conversations with its chat template (no generation prompt: calibration text is whole
// conversations). Parts the directory lacks stay empty; records that need them then get
// an error that says so.
TextCodec ModelTextCodec(const std::filesystem::path& model_dir);

}  // namespace faq::cli
