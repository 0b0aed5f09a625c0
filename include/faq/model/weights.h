// Decoder-layer weights, addressed by their Hugging Face names.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "faq/io/safetensors.h"
#include "faq/model/model_config.h"

namespace faq {

// y = x·Wᵀ + b. `weight` is [out_features, in_features]; `bias` is undefined when absent.
struct Linear {
  at::Tensor weight;
  at::Tensor bias;
};

// One expert's (or a dense layer's) SwiGLU MLP.
struct MlpWeights {
  Linear gate_proj, up_proj, down_proj;
};

// One decoder layer. Linears are also reachable by their names relative to the layer
// ("self_attn.q_proj", "mlp.down_proj", "mlp.experts.3.up_proj"), which is how
// quantization addresses them.
struct DecoderLayerWeights {
  at::Tensor input_layernorm;           // [hidden]
  at::Tensor post_attention_layernorm;  // [hidden]
  Linear q_proj, k_proj, v_proj, o_proj;
  at::Tensor q_norm, k_norm;            // [head_dim], Qwen3 only
  MlpWeights mlp;                       // dense layers
  Linear router;                        // MoE: mlp.gate [num_experts, hidden]
  std::vector<MlpWeights> experts;      // MoE

  // Every linear of the layer by relative name, in execution order.
  std::vector<std::pair<std::string, Linear*>> Linears();
  // The linear or norm weight with this relative name ("self_attn.v_proj",
  // "input_layernorm"); faq::Error when the layer has none.
  Linear* FindLinear(const std::string& rel);
  at::Tensor* FindNorm(const std::string& rel);
  // Every defined tensor with its relative HF tensor name ("self_attn.q_proj.weight").
  void ForEachTensor(const std::function<void(const std::string& name, at::Tensor& t)>& fn);
  // A copy with every tensor on `device` (shares the tensors when they are there already).
  DecoderLayerWeights To(at::Device device) const;
  size_t NumBytes() const;
};

// The HF tensor-name prefix of layer `i`: "model.layers.<i>.".
std::string LayerPrefix(int64_t i);

// Loads layer `i` from `reader` as owned tensors of `type` (fp32 on CPU), checking every
// tensor's shape against `config`; a missing tensor or a wrong shape throws faq::Error
// naming the tensor, the expected and the actual shape.
DecoderLayerWeights LoadDecoderLayer(const SafetensorsReader& reader, const ModelConfig& config, int64_t i,
                                     at::ScalarType type);

// Every tensor a checkpoint of `config` holds, with its shape, in HF names and file order.
std::vector<std::pair<std::string, std::vector<int64_t>>> ExpectedTensors(const ModelConfig& config);

// Loads one tensor and checks its shape. Used for the non-layer tensors as well.
at::Tensor LoadChecked(const SafetensorsReader& reader, const std::string& name, std::vector<int64_t> shape,
                       at::ScalarType type);

}  // namespace faq
