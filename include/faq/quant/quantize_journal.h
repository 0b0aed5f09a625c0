// Resumable quantization: a work directory that records every finished decoder layer (its
// quantized linears, the tensors it replaced, its report rows) and the inputs of the next
// layer, so that a run killed at any point continues from the first unfinished layer and
// produces the same checkpoint as an uninterrupted one.
//
// Layout of the directory:
//   manifest.json             the run's fingerprint and how many layers are done
//   layer-00003.safetensors   layer 3's result (tensors; scheme and report rows as metadata)
//   inputs-00004.safetensors  the hidden states entering layer 4 (and the full-precision ones)
//   lock                      held (flock) by the run using the directory
// Every file is written under a temporary name and renamed; the manifest is written last,
// so a layer counts as done only once everything it needs is on disk.
#pragma once

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

#include "faq/quant/model_quantizer.h"

namespace faq {

class QuantizeJournal {
 public:
  // Opens `dir` (created when missing) for a run described by `fingerprint` over a model of
  // `num_layers` layers. A directory left by a run with another fingerprint, or one that
  // cannot be read, is cleared and StartOverReason() says why. Throws faq::Error when
  // another process holds the directory.
  QuantizeJournal(std::filesystem::path dir, nlohmann::json fingerprint, int64_t num_layers);
  ~QuantizeJournal();
  QuantizeJournal(const QuantizeJournal&) = delete;
  QuantizeJournal& operator=(const QuantizeJournal&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  // Layers [0, LayersDone()) are recorded.
  int64_t LayersDone() const { return layers_done_; }
  // Why recorded work was discarded ("" when nothing was, or there was none).
  const std::string& StartOverReason() const { return start_over_reason_; }

  // Adds the recorded layers' linears, replaced tensors and report rows to `result`.
  void RestoreLayers(ModelQuantizerResult& result) const;
  // The inputs of layer LayersDone() (CPU tensors mapped from the file, valid until the
  // next call that writes); the second is undefined when the run had no full-precision stream.
  std::pair<at::Tensor, at::Tensor> LoadInputs() const;

  // Records layer `layer` (its entries in `layer_result`) and, unless it is the last, the
  // next layer's inputs; then counts it as done.
  void CommitLayer(int64_t layer, const ModelQuantizerResult& layer_result, const at::Tensor& next_hidden,
                   const at::Tensor& next_fp_hidden);

  // Deletes the directory: the checkpoint it led to is written.
  void Remove();

 private:
  void WriteManifest() const;

  std::filesystem::path dir_;
  nlohmann::json fingerprint_;
  int64_t num_layers_ = 0;
  int64_t layers_done_ = 0;
  std::string start_over_reason_;
  int lock_fd_ = -1;
  mutable std::shared_ptr<void> inputs_file_;  // keeps LoadInputs()'s mapping alive
};

// The first difference between two fingerprints, as "options.bits: 3 → 4" ("" if equal).
std::string FingerprintDifference(const nlohmann::json& before, const nlohmann::json& now);

}  // namespace faq
