// Writing a quantized model as a Hugging Face checkpoint: the GPTQ layout vLLM loads
// (faq/format/gptq_format.h, docs/formats/gptq.md), faq's SpQR layout
// (faq/format/spqr_format.h, docs/formats/spqr.md) or a "fake-quantized" copy whose linears
// hold the dequantized weights in the source dtype (loadable by anything that reads HF).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "faq/format/quantized_linear.h"

namespace faq {

struct ExportOptions {
  // kAwq: docs/formats/awq.md; kSpqr: docs/formats/spqr.md (the only packed format that
  // stores SpQR's outliers and bilevel stats).
  enum class Format { kGptq, kAwq, kSpqr, kFake } format = Format::kGptq;
  // Asymmetric schemes are written as "gptq_v2" (zero stored as is); false writes v1
  // ("gptq", zero − 1), which fails if any zero point is 0 (v1 cannot store it).
  bool v2_zeros_for_asym = true;
  uint64_t max_shard_bytes = 4ull << 30;
  std::string producer = "faq";  // quantization_config.meta.quantizer
};

// What an export wrote.
struct ExportSummary {
  // kSpqr: bits per quantized weight counted from the stored tensors of the quantized
  // linears (codes, stats, outliers with their column ids and row offsets, g_idx), as the
  // SpQR paper counts them; 0 for the other formats.
  double avg_bits = 0;
  int64_t outliers = 0;  // kSpqr: outlier weights stored
};

// The packed format that can hold `linears`: kSpqr when any carries SpQR parts
// (QuantizedLinear::HasSpqrParts), kGptq otherwise.
ExportOptions::Format PackedFormatFor(const std::map<std::string, QuantizedLinear>& linears);

// Writes `out_dir` from the source HF model dir: every tensor of the source except the
// `.weight` of quantized linears is copied in its stored dtype; each quantized linear `P`
// (full HF name without `.weight`, e.g. "model.layers.0.self_attn.q_proj") becomes
// P.qweight, P.qzeros, P.scales (fp16), P.g_idx (+ P.bias if the source had one) for kGptq,
// the tensors of docs/formats/spqr.md for kSpqr, or P.weight dequantized (outliers included)
// in the source dtype for kFake. config.json gets a quantization_config (packed formats) built from the schemes, with `extra_quant_config`'s keys
// added (e.g. damp_percent, true_sequential; it may not contradict the layout keys).
// Tokenizer and generation files are copied. The directory is assembled beside `out_dir`
// and renamed into place at the end, replacing an existing `out_dir`; on failure nothing
// under `out_dir` changes. Refuses to write over (or around) the source directory.
//
// Checks before writing (faq::Error naming the layer): SpQR parts only with kSpqr or kFake
// (and kSpqr only with them), shapes and code ranges of every linear, one scheme for all
// linears (config.json holds one), symmetric zeros = 2^(bits−1), and identical g_idx and
// presence for the linears vLLM fuses (q/k/v, gate/up).
//
// `replaced` holds every other tensor the quantizer changed (full HF names: a norm a
// transform folded a scale into, a full-precision linear it rescaled): each is written, in
// the source tensor's dtype, instead of the source's. A replaced name the source lacks, or
// one that is also a quantized linear's weight or bias, is refused before anything is
// written; after writing, export checks that every replaced tensor was taken from
// `replaced` and never copied from the source.
ExportSummary WriteQuantizedCheckpoint(const std::filesystem::path& source_dir, const std::filesystem::path& out_dir,
                                       const std::map<std::string, QuantizedLinear>& linears,
                                       const std::map<std::string, at::Tensor>& replaced,
                                       const nlohmann::json& extra_quant_config, const ExportOptions& options);
// The same with no replaced tensors.
ExportSummary WriteQuantizedCheckpoint(const std::filesystem::path& source_dir, const std::filesystem::path& out_dir,
                                       const std::map<std::string, QuantizedLinear>& linears,
                                       const nlohmann::json& extra_quant_config, const ExportOptions& options);

}  // namespace faq
