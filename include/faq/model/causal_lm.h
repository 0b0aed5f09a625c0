// A decoder-only causal language model opened from a Hugging Face directory, exposed as
// stages (embeddings, decoder layer i, final norm, head) so work can walk it one layer at
// a time, plus a convenience full forward pass.
#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "faq/io/safetensors.h"
#include "faq/model/decoder_layer.h"
#include "faq/model/model_config.h"
#include "faq/model/weights.h"

namespace faq {

// Keys/values of every layer plus which cached positions are real (not padding).
struct KvCache {
  std::vector<LayerKvCache> layers;
  at::Tensor key_valid;       // bool [B, S]
  at::Tensor next_position;   // int64 [B]: the RoPE position of each row's next token
  int64_t Length() const { return key_valid.defined() ? key_valid.size(1) : 0; }
};

class CausalLM {
 public:
  struct Options {
    // Weights and activations are computed in this type, whatever they are stored in.
    at::ScalarType compute_type = at::kFloat;
    // Where layers run: weights are converted on the host and moved here one layer at a
    // time; every tensor the model creates lives here.
    at::Device device = at::kCPU;
    // Keep every layer's converted weights after first use (serving, small models), or
    // convert a layer each time it is asked for and let the caller drop it (large models).
    bool resident = true;
  };

  explicit CausalLM(const std::filesystem::path& dir);
  CausalLM(const std::filesystem::path& dir, Options options);

  const ModelConfig& config() const { return config_; }
  const SafetensorsReader& reader() const { return *reader_; }
  const std::filesystem::path& dir() const { return dir_; }
  int64_t NumLayers() const { return config_.num_hidden_layers; }
  at::Device device() const { return options_.device; }
  at::ScalarType compute_type() const { return options_.compute_type; }

  // ids int64 [B, T] (any device) → hidden [B, T, hidden] in the compute type, on the model's device.
  at::Tensor Embed(const at::Tensor& ids) const;
  // Layer `i`'s weights: resident models keep them; otherwise a fresh copy each call.
  std::shared_ptr<const DecoderLayerWeights> Layer(int64_t i) const;
  // Replaces layer `i`'s weights in memory (e.g. with dequantized ones) for later calls.
  // Only for resident models: a streamed model would reload the stored weights.
  void SetLayer(int64_t i, std::shared_ptr<const DecoderLayerWeights> weights);
  // Positions, RoPE tables and mask for `t` new tokens. `attention_mask` [B, S] (1 = real
  // token, 0 = padding) covers cached and new tokens; undefined means "all real".
  AttentionInputs PrepareAttention(const at::Tensor& attention_mask, int64_t b, int64_t t,
                                   const KvCache* cache = nullptr) const;
  at::Tensor RunLayer(int64_t i, const DecoderLayerWeights& w, const at::Tensor& hidden, const AttentionInputs& attn,
                      const LinearObserver* observer = nullptr, LayerKvCache* cache = nullptr) const;
  at::Tensor FinalNorm(const at::Tensor& hidden) const;
  // hidden [.., hidden] → logits [.., vocab] in fp32.
  at::Tensor Head(const at::Tensor& hidden) const;

  // Full pass: ids [B, T] → logits [B, T, vocab] (fp32, model's device). With `cache`, continues from it and
  // extends it. `layer_outputs`, when given, receives the embedding output and every
  // layer's output (before the final norm).
  at::Tensor Forward(const at::Tensor& ids, const at::Tensor& attention_mask = {}, KvCache* cache = nullptr,
                     std::vector<at::Tensor>* layer_outputs = nullptr) const;
  // Forward without the head: the final-normed hidden states [B, T, hidden], for callers
  // that need logits at a few positions only (generation applies the head to the last one).
  at::Tensor ForwardHidden(const at::Tensor& ids, const at::Tensor& attention_mask = {}, KvCache* cache = nullptr,
                           std::vector<at::Tensor>* layer_outputs = nullptr) const;

 private:
  std::filesystem::path dir_;
  Options options_;
  ModelConfig config_;
  std::unique_ptr<SafetensorsReader> reader_;
  at::Tensor inv_freq_;
  std::string head_name_;
  mutable std::vector<std::shared_ptr<const DecoderLayerWeights>> resident_layers_;
  mutable at::Tensor head_weight_;
  mutable at::Tensor final_norm_;
};

}  // namespace faq
