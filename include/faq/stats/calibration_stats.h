// `faq stats`: what calibration sets look like to a model before any GPU hours are spent on
// them. Walks the full-precision model one decoder layer at a time with every set's hidden
// states, and records, per layer and per linear input (the architecture's linear groups):
// each set's activation statistics, the distance between the sets' Hessians, and the proxy
// loss of GPTQ solved on one set's Hessian measured on another's. The schema of the JSON it
// returns is documented in docs/stats.md.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "faq/model/causal_lm.h"
#include "faq/quant/calibration.h"
#include "faq/quant/gptq_solver.h"

namespace faq {

struct NamedCalibrationSet {
  std::string name;  // as given on the command line (NAME=FILE)
  std::string file;
  CalibrationSet set;
};

struct CalibrationStatsOptions {
  std::vector<int64_t> landscape_layers;              // layers whose landscape is kept
  std::string landscape_linear = "self_attn.o_proj";  // whose input the landscape shows
  int64_t landscape_rows = 256;                       // token bins
  int64_t landscape_cols = 256;                       // channel bins
  GptqOptions gptq;                                   // the solver of the coverage matrices
  double outlier_sigmas = 6;
  int64_t top_k = 8;
  int64_t micro_batch = 4;
  bool per_channel = true;  // write the per-channel vectors (the summaries are always written)
};

// Throws faq::Error naming the layer and input on a numerical failure.
nlohmann::json CollectCalibrationStats(const CausalLM& model, const std::vector<NamedCalibrationSet>& sets,
                                       const CalibrationStatsOptions& options);

}  // namespace faq
