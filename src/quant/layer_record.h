// One finished decoder layer's part of a ModelQuantizerResult, written to and read back from
// one safetensors file without loss: every tensor keeps its type and bytes, the schemes and
// report rows travel as JSON metadata (doubles printed so that they read back exactly).
#pragma once

#include <filesystem>

#include "faq/quant/model_quantizer.h"

namespace faq {

// Writes `layer`'s linears, replaced tensors and report rows to `path` atomically.
void WriteLayerRecord(const std::filesystem::path& path, const ModelQuantizerResult& layer);
// Adds what `path` holds to `into`. Throws faq::Error naming the file when it is damaged.
void ReadLayerRecord(const std::filesystem::path& path, ModelQuantizerResult& into);

}  // namespace faq
