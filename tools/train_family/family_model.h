// A Qwen3-architecture model being trained: its parameters as leaf tensors that faq's own
// forward pass (faq::DecoderLayerForward) runs on, so the trainer and every faq stage
// compute the same function, and the checkpoint writer in HF layout.
#pragma once

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <vector>

#include "faq/model/decoder_layer.h"
#include "faq/model/model_config.h"

namespace faq::family {

class FamilyModel {
 public:
  // `hf_config` is the config.json to write; weights are initialised from `seed`
  // (N(0, 0.02), residual outputs scaled by 1/sqrt(2·layers), norms at 1).
  FamilyModel(nlohmann::json hf_config, uint64_t seed);

  const ModelConfig& config() const { return config_; }
  std::vector<at::Tensor>& Parameters() { return params_; }
  // Which parameters take weight decay (matrices; not norms).
  const std::vector<bool>& Decays() const { return decays_; }
  int64_t NumParameters() const;

  // Mean next-token cross-entropy of ids [B, T+1] (inputs ids[:, :-1], targets ids[:, 1:]).
  at::Tensor Loss(const at::Tensor& ids) const;

  // config.json, generation_config.json and model.safetensors (bf16) into `dir`.
  void Save(const std::filesystem::path& dir) const;

 private:
  at::Tensor NewParameter(std::vector<int64_t> shape, double std, bool decay, at::Generator& gen);

  nlohmann::json hf_config_;
  ModelConfig config_;
  at::Tensor embed_, final_norm_, inv_freq_;
  std::vector<DecoderLayerWeights> layers_;
  std::vector<at::Tensor> params_;
  std::vector<bool> decays_;
};

}  // namespace faq::family
