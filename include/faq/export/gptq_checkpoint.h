// Writing a quantized model as a Hugging Face checkpoint: the GPTQ layout vLLM loads
// (faq/format/gptq_format.h, docs/formats/gptq.md) or a "fake-quantized" copy whose linears
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
  enum class Format { kGptq, kAwq, kFake } format = Format::kGptq;  // kAwq: docs/formats/awq.md
  // Asymmetric schemes are written as "gptq_v2" (zero stored as is); false writes v1
  // ("gptq", zero − 1), which fails if any zero point is 0 (v1 cannot store it).
  bool v2_zeros_for_asym = true;
  uint64_t max_shard_bytes = 4ull << 30;
  std::string producer = "faq";  // quantization_config.meta.quantizer
};

// Writes `out_dir` from the source HF model dir: every tensor of the source except the
// `.weight` of quantized linears is copied in its stored dtype; each quantized linear `P`
// (full HF name without `.weight`, e.g. "model.layers.0.self_attn.q_proj") becomes
// P.qweight, P.qzeros, P.scales (fp16), P.g_idx (+ P.bias if the source had one) for kGptq,
// or P.weight dequantized in the source dtype for kFake. config.json gets a
// quantization_config (kGptq only) built from the schemes, with `extra_quant_config`'s keys
// added (e.g. damp_percent, true_sequential; it may not contradict the layout keys).
// Tokenizer and generation files are copied. The directory is assembled beside `out_dir`
// and renamed into place at the end, replacing an existing `out_dir`; on failure nothing
// under `out_dir` changes. Refuses to write over (or around) the source directory.
//
// Checks before writing (faq::Error naming the layer): shapes and code ranges of every
// linear, one scheme for all linears (config.json holds one), symmetric zeros = 2^(bits−1),
// and identical g_idx and presence for the linears vLLM fuses (q/k/v, gate/up).
//
// `replaced` holds every other tensor the quantizer changed (full HF names: a norm a
// transform folded a scale into, a full-precision linear it rescaled): each is written, in
// the source tensor's dtype, instead of the source's. A replaced name the source lacks, or
// one that is also a quantized linear's weight or bias, is refused before anything is
// written; after writing, export checks that every replaced tensor was taken from
// `replaced` and never copied from the source.
void WriteQuantizedCheckpoint(const std::filesystem::path& source_dir, const std::filesystem::path& out_dir,
                              const std::map<std::string, QuantizedLinear>& linears,
                              const std::map<std::string, at::Tensor>& replaced,
                              const nlohmann::json& extra_quant_config, const ExportOptions& options);
// The same with no replaced tensors.
void WriteQuantizedCheckpoint(const std::filesystem::path& source_dir, const std::filesystem::path& out_dir,
                              const std::map<std::string, QuantizedLinear>& linears,
                              const nlohmann::json& extra_quant_config, const ExportOptions& options);

}  // namespace faq
