// Loading decoder-layer weights with shape checks.
#include "faq/model/weights.h"

#include <ATen/ATen.h>
#include <fmt/ranges.h>

#include "faq/io/json.h"
#include "faq/format/tensor_io.h"
#include "faq/format/awq_format.h"
#include "faq/format/compressed_tensors_loader.h"
#include "faq/format/gptq_loader.h"
#include "faq/format/spqr_loader.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"

namespace faq {

std::string LayerPrefix(int64_t i) { return fmt::format("model.layers.{}.", i); }

namespace {

// A packed checkpoint replaces `P.weight` of each quantized linear by `P.qweight` and friends
// (compressed-tensors: `P.weight_packed`); returns the prefix P when `name` is such a missing
// weight, empty otherwise.
std::string GptqPrefixOf(const SafetensorsReader& reader, const std::string& name) {
  constexpr std::string_view kSuffix = ".weight";
  if (name.size() <= kSuffix.size() || name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0 ||
      reader.Contains(name)) {
    return "";
  }
  std::string prefix = name.substr(0, name.size() - kSuffix.size());
  return HasGptqWeight(reader, prefix) || HasCompressedTensorsWeight(reader, prefix) ? prefix : "";
}

// A packed linear in the layout config.json's quantization_config names (GPTQ, AWQ, SpQR or
// compressed-tensors).
at::Tensor LoadGptq(const SafetensorsReader& reader, const nlohmann::json& raw_config, const std::string& prefix,
                    const std::vector<int64_t>& shape, at::ScalarType type) {
  const std::string label = (reader.dir() / "config.json").string();
  if (shape.size() != 2) Fail("model '{}': '{}.qweight' found where a {}-D tensor is expected", reader.dir().string(), prefix, shape.size());
  if (auto ct = ReadCompressedTensorsConfig(raw_config, label)) {
    return DequantizeCompressedTensorsWeight(reader, prefix, *ct, shape[0], shape[1]).to(type);
  }
  if (auto spqr = ReadSpqrConfig(raw_config, label)) {
    return DequantizeSpqrWeight(reader, prefix, *spqr, shape[0], shape[1]).to(type);
  }
  if (auto awq = ReadAwqConfig(raw_config, label)) {
    return DequantizeAwqWeight(reader, prefix, *awq, shape[0], shape[1]).to(type);
  }
  auto gptq = ReadGptqConfig(raw_config, label);
  if (!gptq) Fail("model '{}': '{}.qweight' is present but config.json has no quantization_config", reader.dir().string(), prefix);
  return DequantizeGptqWeight(reader, prefix, *gptq, shape[0], shape[1]).to(type);
}

// LoadChecked with the model's config at hand (no re-reading of config.json).
at::Tensor LoadWeight(const SafetensorsReader& reader, const ModelConfig& config, const std::string& name,
                      std::vector<int64_t> shape, at::ScalarType type) {
  if (std::string prefix = GptqPrefixOf(reader, name); !prefix.empty()) {
    return LoadGptq(reader, config.raw, prefix, shape, type);
  }
  return LoadChecked(reader, name, std::move(shape), type);
}

}  // namespace

at::Tensor LoadChecked(const SafetensorsReader& reader, const std::string& name, std::vector<int64_t> shape,
                       at::ScalarType type) {
  if (std::string prefix = GptqPrefixOf(reader, name); !prefix.empty()) {
    // Rare path (callers without the config, e.g. a quantized lm_head): read config.json.
    const auto path = reader.dir() / "config.json";
    return LoadGptq(reader, ParseJson(ReadFile(path), path.string()), prefix, shape, type);
  }
  const TensorEntry& e = reader.Entry(name);
  if (e.shape != shape) {
    Fail("model '{}': tensor '{}' has shape [{}], expected [{}] from config.json", reader.dir().string(), name,
         fmt::join(e.shape, ", "), fmt::join(shape, ", "));
  }
  return LoadTensor(reader, name, type);
}

namespace {

Linear LoadLinear(const SafetensorsReader& reader, const ModelConfig& c, const std::string& name, int64_t out,
                  int64_t in, bool bias, at::ScalarType type) {
  Linear l;
  l.weight = LoadWeight(reader, c, name + ".weight", {out, in}, type);
  if (bias) l.bias = LoadChecked(reader, name + ".bias", {out}, type);
  return l;
}

MlpWeights LoadMlp(const SafetensorsReader& reader, const ModelConfig& c, const std::string& prefix, int64_t hidden,
                   int64_t inter, bool bias, at::ScalarType type) {
  MlpWeights m;
  m.gate_proj = LoadLinear(reader, c, prefix + "gate_proj", inter, hidden, bias, type);
  m.up_proj = LoadLinear(reader, c, prefix + "up_proj", inter, hidden, bias, type);
  m.down_proj = LoadLinear(reader, c, prefix + "down_proj", hidden, inter, bias, type);
  return m;
}

size_t Bytes(const at::Tensor& t) { return t.defined() ? t.nbytes() : 0; }
size_t Bytes(const Linear& l) { return Bytes(l.weight) + Bytes(l.bias); }
size_t Bytes(const MlpWeights& m) { return Bytes(m.gate_proj) + Bytes(m.up_proj) + Bytes(m.down_proj); }

}  // namespace

std::vector<std::pair<std::string, Linear*>> DecoderLayerWeights::Linears() {
  std::vector<std::pair<std::string, Linear*>> out = {
      {"self_attn.q_proj", &q_proj}, {"self_attn.k_proj", &k_proj},
      {"self_attn.v_proj", &v_proj}, {"self_attn.o_proj", &o_proj}};
  if (experts.empty()) {
    out.insert(out.end(), {{"mlp.gate_proj", &mlp.gate_proj}, {"mlp.up_proj", &mlp.up_proj},
                           {"mlp.down_proj", &mlp.down_proj}});
    return out;
  }
  out.emplace_back("mlp.gate", &router);
  for (size_t e = 0; e < experts.size(); ++e) {
    std::string p = fmt::format("mlp.experts.{}.", e);
    out.emplace_back(p + "gate_proj", &experts[e].gate_proj);
    out.emplace_back(p + "up_proj", &experts[e].up_proj);
    out.emplace_back(p + "down_proj", &experts[e].down_proj);
  }
  return out;
}

Linear* DecoderLayerWeights::FindLinear(const std::string& rel) {
  for (auto& [name, linear] : Linears()) {
    if (name == rel) return linear;
  }
  Fail("decoder layer has no linear '{}'", rel);
}

at::Tensor* DecoderLayerWeights::FindNorm(const std::string& rel) {
  if (rel == "input_layernorm") return &input_layernorm;
  if (rel == "post_attention_layernorm") return &post_attention_layernorm;
  if (rel == "self_attn.q_norm") return &q_norm;
  if (rel == "self_attn.k_norm") return &k_norm;
  Fail("decoder layer has no norm '{}'", rel);
}

void DecoderLayerWeights::ForEachTensor(const std::function<void(const std::string& name, at::Tensor& t)>& fn) {
  for (const char* norm : {"input_layernorm", "post_attention_layernorm", "self_attn.q_norm", "self_attn.k_norm"}) {
    at::Tensor* t = FindNorm(norm);
    if (t->defined()) fn(std::string(norm) + ".weight", *t);
  }
  for (auto& [name, linear] : Linears()) {
    if (linear->weight.defined()) fn(name + ".weight", linear->weight);
    if (linear->bias.defined()) fn(name + ".bias", linear->bias);
  }
}

DecoderLayerWeights DecoderLayerWeights::To(at::Device device) const {
  DecoderLayerWeights out = *this;
  out.ForEachTensor([&](const std::string&, at::Tensor& t) {
    if (t.device() != device) t = t.to(device);
  });
  return out;
}

size_t DecoderLayerWeights::NumBytes() const {
  size_t n = Bytes(input_layernorm) + Bytes(post_attention_layernorm) + Bytes(q_proj) + Bytes(k_proj) +
             Bytes(v_proj) + Bytes(o_proj) + Bytes(q_norm) + Bytes(k_norm) + Bytes(mlp) + Bytes(router);
  for (const auto& e : experts) n += Bytes(e);
  return n;
}

std::vector<std::pair<std::string, std::vector<int64_t>>> ExpectedTensors(const ModelConfig& c) {
  const int64_t h = c.hidden_size, hd = c.head_dim;
  std::vector<std::pair<std::string, std::vector<int64_t>>> out;
  auto linear = [&](const std::string& name, int64_t o, int64_t in, bool bias) {
    out.push_back({name + ".weight", {o, in}});
    if (bias) out.push_back({name + ".bias", {o}});
  };
  auto mlp = [&](const std::string& p, int64_t inter, bool bias) {
    linear(p + "gate_proj", inter, h, bias);
    linear(p + "up_proj", inter, h, bias);
    linear(p + "down_proj", h, inter, bias);
  };
  out.push_back({"model.embed_tokens.weight", {c.vocab_size, h}});
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = LayerPrefix(i);
    out.push_back({p + "input_layernorm.weight", {h}});
    linear(p + "self_attn.q_proj", c.num_attention_heads * hd, h, c.qkv_bias);
    linear(p + "self_attn.k_proj", c.num_key_value_heads * hd, h, c.qkv_bias);
    linear(p + "self_attn.v_proj", c.num_key_value_heads * hd, h, c.qkv_bias);
    linear(p + "self_attn.o_proj", h, c.num_attention_heads * hd, c.o_bias);
    if (c.qk_norm) {
      out.push_back({p + "self_attn.q_norm.weight", {hd}});
      out.push_back({p + "self_attn.k_norm.weight", {hd}});
    }
    out.push_back({p + "post_attention_layernorm.weight", {h}});
    if (c.IsSparseLayer(i)) {
      linear(p + "mlp.gate", c.num_experts, h, false);
      for (int64_t e = 0; e < c.num_experts; ++e) mlp(fmt::format("{}mlp.experts.{}.", p, e), c.moe_intermediate_size, false);
    } else {
      mlp(p + "mlp.", c.intermediate_size, c.mlp_bias);
    }
  }
  out.push_back({"model.norm.weight", {h}});
  if (!c.tie_word_embeddings) out.push_back({"lm_head.weight", {c.vocab_size, h}});
  return out;
}

DecoderLayerWeights LoadDecoderLayer(const SafetensorsReader& reader, const ModelConfig& c, int64_t i,
                                     at::ScalarType type) {
  const std::string p = LayerPrefix(i);
  const int64_t h = c.hidden_size, hd = c.head_dim;
  DecoderLayerWeights w;
  w.input_layernorm = LoadChecked(reader, p + "input_layernorm.weight", {h}, type);
  w.post_attention_layernorm = LoadChecked(reader, p + "post_attention_layernorm.weight", {h}, type);
  w.q_proj = LoadLinear(reader, c, p + "self_attn.q_proj", c.num_attention_heads * hd, h, c.qkv_bias, type);
  w.k_proj = LoadLinear(reader, c, p + "self_attn.k_proj", c.num_key_value_heads * hd, h, c.qkv_bias, type);
  w.v_proj = LoadLinear(reader, c, p + "self_attn.v_proj", c.num_key_value_heads * hd, h, c.qkv_bias, type);
  w.o_proj = LoadLinear(reader, c, p + "self_attn.o_proj", h, c.num_attention_heads * hd, c.o_bias, type);
  if (c.qk_norm) {
    w.q_norm = LoadChecked(reader, p + "self_attn.q_norm.weight", {hd}, type);
    w.k_norm = LoadChecked(reader, p + "self_attn.k_norm.weight", {hd}, type);
  }
  if (c.IsSparseLayer(i)) {
    w.router = LoadLinear(reader, c, p + "mlp.gate", c.num_experts, h, false, type);
    for (int64_t e = 0; e < c.num_experts; ++e) {
      w.experts.push_back(
          LoadMlp(reader, c, fmt::format("{}mlp.experts.{}.", p, e), h, c.moe_intermediate_size, false, type));
    }
  } else {
    w.mlp = LoadMlp(reader, c, p + "mlp.", h, c.intermediate_size, c.mlp_bias, type);
  }
  return w;
}

}  // namespace faq
