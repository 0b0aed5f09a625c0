// The calibration set as it flows through the model during quantization: the hidden states
// entering the current layer (and, for methods that need them, the full-precision model's),
// cut into micro-batches, kept on the model's device when they fit, otherwise in host memory
// (pinned for a GPU) or in an --offload-dir file.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "faq/model/causal_lm.h"
#include "faq/quant/calibration.h"

namespace faq {

struct CalibrationStreamOptions {
  int64_t micro_batch = 4;
  bool full_precision_stream = false;  // also carry the unquantized model's hidden states
  std::string offload_dir;             // hidden states in a file here (host side)
  bool on_host = false;                // keep hidden states in host memory even on a GPU
  std::optional<at::ScalarType> dtype; // of the kept hidden states; unset: the model's compute type
};

class CalibrationStream {
 public:
  // Embeds every sample (the layer-0 inputs).
  CalibrationStream(const CausalLM& model, const CalibrationSet& calib, const CalibrationStreamOptions& options);

  int64_t Samples() const { return samples_; }
  int64_t Tokens() const { return tokens_; }  // real (unpadded) tokens
  // Token positions one pass of a layer computes: each micro-batch runs only to its longest
  // sample, so this is the real tokens plus what padding is left.
  int64_t PassTokenSlots() const { return slots_; }
  bool HasFullPrecision() const { return fp_hidden_.defined(); }

  // Receives one group's input rows (real tokens only) of one micro-batch, and the same
  // tokens' full-precision inputs when that stream exists (undefined otherwise).
  using GroupSink = std::function<void(const std::string& group, const at::Tensor& rows, const at::Tensor& fp_rows)>;
  // Runs layer `layer` (weights `w`; the full-precision stream with `w_fp`) over every
  // micro-batch and hands `sink` the input of each linear listed in `group_of` (relative
  // name → group name), once per group and micro-batch.
  void Observe(int64_t layer, const DecoderLayerWeights& w, const DecoderLayerWeights& w_fp,
               const std::map<std::string, std::string>& group_of, const GroupSink& sink) const;
  // Runs layer `layer` with weights `w` on micro-batches spread over the set, about
  // `max_tokens` real tokens in all, and returns the output rows (real tokens only) of
  // linear `linear` (relative name) [tokens, out]; undefined when no token reached it.
  at::Tensor ObserveOutput(int64_t layer, const DecoderLayerWeights& w, const std::string& linear,
                           int64_t max_tokens) const;
  // Replaces the hidden states by layer `layer`'s outputs (the next layer's inputs).
  void Advance(int64_t layer, const DecoderLayerWeights& w, const DecoderLayerWeights& w_fp);

  // The hidden states entering the current layer, and the full-precision ones (undefined
  // without that stream), wherever they are kept.
  const at::Tensor& Hidden() const { return hidden_; }
  const at::Tensor& FullPrecisionHidden() const { return fp_hidden_; }
  // Passes of a layer over the whole calibration set so far (each stream counts), and the
  // micro-batch runs of ObserveOutput.
  int64_t LayerPasses() const { return passes_; }
  int64_t InspectBatches() const { return inspect_batches_; }

  // Replaces them by saved ones (a resumed run); `fp_hidden` is ignored without that stream.
  void SetHidden(const at::Tensor& hidden, const at::Tensor& fp_hidden);

 private:
  struct MicroBatch {
    int64_t first = 0, count = 0;
    int64_t width = 0;  // columns up to the longest sample's last real token
    AttentionInputs attn;
    at::Tensor valid_rows;  // int64 indices of real tokens in the flattened [count·T] rows
  };
  at::Tensor Load(const at::Tensor& store, const MicroBatch& mb) const;
  void Store(at::Tensor& store, const MicroBatch& mb, const at::Tensor& value) const;

  const CausalLM& model_;
  int64_t samples_ = 0;
  int64_t tokens_ = 0;
  int64_t slots_ = 0;
  std::vector<MicroBatch> batches_;
  at::Tensor hidden_;
  at::Tensor fp_hidden_;
  mutable int64_t passes_ = 0;
  mutable int64_t inspect_batches_ = 0;
};

}  // namespace faq
