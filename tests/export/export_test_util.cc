// Export test fixtures.
#include "export_test_util.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "faq/model/causal_lm.h"
#include "faq/model/random_model.h"

namespace faq::testing {

void WriteTinyQwen3(const std::filesystem::path& dir, at::ScalarType storage, uint64_t max_shard_bytes,
                    int64_t hidden) {
  nlohmann::json config = TinyModelConfig("qwen3");
  config["hidden_size"] = hidden;
  config["intermediate_size"] = 128;
  RandomModelOptions options;
  options.seed = 7;
  options.storage = storage;
  options.max_shard_bytes = max_shard_bytes;
  WriteRandomModel(dir, config, options);
}

QuantizedLinear RtnQuantize(const at::Tensor& w_in, const QuantScheme& scheme, const at::Tensor& g_idx) {
  at::Tensor w = w_in.to(at::kFloat);
  const int64_t n = w.size(0), groups = g_idx.max().item<int64_t>() + 1;
  const double maxq = std::pow(2.0, scheme.bits) - 1;
  QuantizedLinear l;
  l.scheme = scheme;
  l.scales = at::empty({groups, n}, at::kFloat);
  l.zeros = at::empty({groups, n}, at::kInt);
  l.qweight = at::empty(w.sizes(), at::kInt);
  l.g_idx = g_idx.to(at::kInt);
  for (int64_t g = 0; g < groups; ++g) {
    at::Tensor cols = at::nonzero(g_idx.to(at::kLong) == g).flatten();
    at::Tensor wg = w.index_select(1, cols);
    at::Tensor xmin = wg.amin(1).clamp_max(0), xmax = wg.amax(1).clamp_min(0);
    at::Tensor scale, zero;
    if (scheme.sym) {
      xmax = at::maximum(xmin.abs(), xmax);
      scale = (2 * xmax / maxq).clamp_min(1e-8);
      zero = at::full({n}, std::pow(2.0, scheme.bits - 1));
    } else {
      scale = ((xmax - xmin) / maxq).clamp_min(1e-8);
      zero = at::round(-xmin / scale).clamp(0, maxq);
    }
    at::Tensor q = at::clamp(at::round(wg / scale.unsqueeze(1)) + zero.unsqueeze(1), 0, maxq);
    l.scales[g] = scale;
    l.zeros[g] = zero.to(at::kInt);
    l.qweight.index_copy_(1, cols, q.to(at::kInt));
  }
  return l;
}

std::map<std::string, QuantizedLinear> QuantizeAll(const std::filesystem::path& dir, const QuantScheme& scheme,
                                                   uint64_t seed) {
  CausalLM model(dir);
  at::Generator gen = at::detail::createCPUGenerator(seed);
  std::map<std::string, QuantizedLinear> out;
  for (int64_t i = 0; i < model.NumLayers(); ++i) {
    auto layer = std::make_shared<DecoderLayerWeights>(*model.Layer(i));
    std::map<std::string, at::Tensor> family_g_idx;  // fused siblings share one g_idx
    for (auto& [rel, linear] : layer->Linears()) {
      const int64_t k = linear->weight.size(1);
      const int64_t gs = scheme.group_size > 0 ? scheme.group_size : k;
      std::string family = rel;
      if (rel == "self_attn.q_proj" || rel == "self_attn.k_proj" || rel == "self_attn.v_proj") family = "qkv";
      if (rel == "mlp.gate_proj" || rel == "mlp.up_proj") family = "gate_up";
      at::Tensor& g_idx = family_g_idx[family];
      if (!g_idx.defined()) {
        at::Tensor natural = at::floor_divide(at::arange(k, at::kLong), gs);
        if (scheme.act_order) {
          at::Tensor perm = at::randperm(k, gen, at::kLong);  // column processing order
          g_idx = at::empty({k}, at::kLong);
          g_idx.index_copy_(0, perm, natural);  // g_idx[perm[j]] = j / gs
        } else {
          g_idx = natural;
        }
      }
      out.emplace(LayerPrefix(i) + rel, RtnQuantize(linear->weight, scheme, g_idx));
    }
  }
  return out;
}

QuantizedLinear WithHalfScales(const QuantizedLinear& l) {
  QuantizedLinear h = l;
  h.scales = l.scales.to(at::kHalf).to(at::kFloat);
  return h;
}

std::map<std::string, at::Tensor> LoadedLinears(const std::filesystem::path& dir) {
  CausalLM model(dir);
  std::map<std::string, at::Tensor> out;
  for (int64_t i = 0; i < model.NumLayers(); ++i) {
    auto layer = std::make_shared<DecoderLayerWeights>(*model.Layer(i));
    for (auto& [rel, linear] : layer->Linears()) out[LayerPrefix(i) + rel] = linear->weight;
  }
  return out;
}

}  // namespace faq::testing
