// Everything `faq quantize` takes, as one struct that the command line and a YAML config
// both fill (the command line wins).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "faq/quant/model_quantizer.h"

namespace faq::cli {

struct QuantizeParams {
  std::string model;
  std::string calib;
  std::string out;
  std::string format = "gptq";       // gptq | fake
  std::string calib_mode = "concat"; // concat | per-record
  int64_t nsamples = 256;
  int64_t seqlen = 2048;
  int64_t max_memory_mb = 0;         // 0 = 90% of available memory
  bool json = false;
  ModelQuantizerOptions quant;
};

// Reads a YAML config into `p`. Keys mirror the long flags with '_' or '-' (bits,
// group_size, sym, act_order, static_groups, damp, nsamples, seqlen, true_sequential,
// gptaq_alpha, method, calib_mode, format, model, calib, out) and `modules`: a list of
// {pattern, skip, bits, group_size, sym}. Unknown keys are errors naming the file and key.
void ApplyQuantizeYaml(const std::filesystem::path& file, QuantizeParams& p);

}  // namespace faq::cli
