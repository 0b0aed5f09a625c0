// Quantizes a whole model one decoder layer at a time: the calibration activations flow
// through the already-quantized layers, each linear group gets statistics of its own
// inputs, and only one layer's weights are converted and resident at a time.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "faq/dist/communicator.h"
#include "faq/model/causal_lm.h"
#include "faq/quant/calibration.h"
#include "faq/quant/method.h"

namespace faq {

class QuantizeJournal;

// A per-module override, matched (std::regex_search) against the full HF name of a linear
// without ".weight" (e.g. "model.layers.3.mlp.down_proj"). Later rules win.
struct ModuleRule {
  std::string pattern;
  bool skip = false;                 // keep this linear in full precision
  std::optional<int> bits;
  std::optional<int64_t> group_size;
  std::optional<bool> sym;
};

struct ModelQuantizerOptions {
  std::string method = "gptq";       // a registered method or "transform+solver"
  QuantScheme scheme;
  MethodOptions method_options;
  bool true_sequential = false;      // q/k/v → o → gate/up → down, inputs recomputed in between
  int64_t micro_batch = 4;           // calibration samples per forward call
  std::vector<ModuleRule> rules;
  std::string offload_dir;           // keep calibration activations in a file here, not in RAM
  bool activations_on_host = false;  // on a GPU: keep them in pinned host memory instead
  // The calibration hidden states kept between layers; unset: the model's compute type. A
  // bf16 checkpoint computed in fp32 (a CPU without bf16 matrix units) keeps them in bf16,
  // as the checkpoint's own dtype would, at half the memory.
  std::optional<at::ScalarType> activation_dtype;
  bool show_progress = true;
  // Continue from the layers this records and record each finished one (not owned; null:
  // the run keeps nothing on disk until its checkpoint).
  QuantizeJournal* journal = nullptr;
  // Data-parallel (not owned; null: a single process): the calibration samples are shared out
  // over the ranks, statistics all-reduced, each stage's linears solved round-robin and
  // exchanged; every rank returns the whole result. No journal with more than one rank.
  const dist::Communicator* comm = nullptr;
};

// One row of the per-layer table (also written to quant_report.json).
struct LinearReport {
  int64_t layer = 0;
  std::string name;  // full HF name without ".weight"
  int64_t in_features = 0, out_features = 0;
  int bits = 0;
  int64_t group_size = 0;
  bool skipped = false;
  int64_t tokens = 0;     // calibration rows seen
  double rtn_loss = 0;    // round-to-nearest's output error on the same inputs, for comparison
  SolveReport solve;
};

// Where a run's time went (wall-clock seconds) and how often layers ran, for the report and
// for profiling: which step dominates decides what is worth making faster.
struct QuantizeProfile {
  double embed = 0;       // the layer-0 inputs
  double transform = 0;   // a transform's statistics and searches (AWQ), their layer runs included
  double forward = 0;     // the statistics passes' layer runs, the statistics themselves excluded
  double statistics = 0;  // Hessian (and other statistics) accumulation
  double solve = 0;       // the solvers (their own loss included)
  double rtn_loss = 0;    // round-to-nearest's output loss, the report's comparison column
  double advance = 0;     // the layer runs that make the next layer's inputs
  double journal = 0;     // resume records
  int64_t layers = 0;          // layers quantized by this run
  int64_t layer_passes = 0;    // passes of one layer over the whole calibration set (each stream counts)
  int64_t inspect_batches = 0; // micro-batch runs of a transform's searches (AWQ)
  int64_t tokens = 0;          // real calibration tokens (this rank's)
  int64_t token_slots = 0;     // token positions one layer pass computes: the real ones plus padding
};

struct ModelQuantizerResult {
  std::map<std::string, QuantizedLinear> linears;  // by full HF name without ".weight"; on the CPU
  // Every other tensor the run changed (a norm or linear a transform folded a scale into, a
  // full-precision linear it rescaled), by full HF tensor name; on the CPU. Export writes
  // these instead of the source's.
  std::map<std::string, at::Tensor> replaced;
  std::vector<LinearReport> reports;
  double seconds = 0;
  QuantizeProfile profile;
};

// What the run will hold at its peak beyond the mapped weights, for the pre-flight check.
struct PeakMemory {
  uint64_t host_bytes = 0;    // calibration hidden states kept on the host, the solved layers'
                              // codes, and on a CPU a layer, its statistics and temporaries
  uint64_t device_bytes = 0;  // on a GPU: one layer, its statistics, temporaries and the
                              // hidden states unless they are kept on the host
};
PeakMemory EstimatePeakMemory(const ModelConfig& config, const CalibrationSet& calib, const ModelQuantizerOptions& o,
                              at::Device device, at::ScalarType compute_type);

// Runs `o.method` (MakeQuantMethod) over `model`, on the model's device.
ModelQuantizerResult QuantizeModel(const CausalLM& model, const CalibrationSet& calib, const ModelQuantizerOptions& o);
// The same with a method built by the caller (`o.method` and `o.method_options` unused).
ModelQuantizerResult QuantizeModel(const CausalLM& model, const CalibrationSet& calib, const ModelQuantizerOptions& o,
                                   const QuantMethod& method);

}  // namespace faq
