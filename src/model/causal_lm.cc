// CausalLM: stages over memory-mapped weights.
#include "faq/model/causal_lm.h"

#include <ATen/ATen.h>

#include "faq/format/compressed_tensors_loader.h"
#include "faq/format/tensor_io.h"
#include "faq/model/skinny_linear.h"
#include "faq/util/error.h"

namespace faq {

CausalLM::CausalLM(const std::filesystem::path& dir) : CausalLM(dir, Options{}) {}

CausalLM::CausalLM(const std::filesystem::path& dir, Options options)
    : dir_(dir), options_(options), config_(LoadModelConfig(dir)) {
  // A compressed-tensors layout faq does not read is refused here, by name, before a tensor is missed.
  (void)ReadCompressedTensorsConfig(config_.raw, (dir / "config.json").string());
  reader_ = std::make_unique<SafetensorsReader>(dir);
  inv_freq_ = RopeInverseFrequencies(config_).to(options_.device);
  const auto& embed = reader_->Entry("model.embed_tokens.weight");
  if (embed.shape != std::vector<int64_t>{config_.vocab_size, config_.hidden_size}) {
    Fail("model '{}': model.embed_tokens.weight has the wrong shape for vocab_size {} and hidden_size {}",
         dir.string(), config_.vocab_size, config_.hidden_size);
  }
  // HF ties the head to the embeddings when asked, and also when the file has no head.
  head_name_ = !config_.tie_word_embeddings && reader_->Contains("lm_head.weight") ? "lm_head.weight"
                                                                                    : "model.embed_tokens.weight";
  if (!config_.tie_word_embeddings && head_name_ != "lm_head.weight") {
    Fail("model '{}': tie_word_embeddings is false but the checkpoint has no lm_head.weight", dir.string());
  }
  resident_layers_.resize(static_cast<size_t>(config_.num_hidden_layers));
  final_norm_ =
      LoadChecked(*reader_, "model.norm.weight", {config_.hidden_size}, options_.compute_type).to(options_.device);
}

at::Tensor CausalLM::Embed(const at::Tensor& ids) const {
  // Look rows up in the stored type, then convert only those rows.
  at::Tensor table = ViewTensor(*reader_, "model.embed_tokens.weight");
  const at::Tensor host_ids = ids.to(at::kCPU, at::kLong);  // the table is mapped host memory
  if (host_ids.numel() > 0) {
    int64_t lo = host_ids.min().item<int64_t>(), hi = host_ids.max().item<int64_t>();
    if (lo < 0 || hi >= config_.vocab_size) {
      Fail("token id {} is outside the vocabulary [0, {}) of model '{}'", lo < 0 ? lo : hi, config_.vocab_size,
           dir_.string());
    }
  }
  return at::embedding(table, host_ids).to(options_.device, options_.compute_type);
}

std::shared_ptr<const DecoderLayerWeights> CausalLM::Layer(int64_t i) const {
  FAQ_CHECK(i >= 0 && i < config_.num_hidden_layers, "layer {} out of range", i);
  auto& slot = resident_layers_[static_cast<size_t>(i)];
  if (slot) return slot;
  auto w = std::make_shared<const DecoderLayerWeights>(
      LoadDecoderLayer(*reader_, config_, i, options_.compute_type).To(options_.device));
  if (options_.resident) {
    slot = w;
  } else {
    // The converted copy is all we need: drop the mapped pages so a walk over a large
    // model keeps about one layer resident.
    const std::string prefix = LayerPrefix(i);
    for (const auto& name : reader_->Names()) {
      if (name.rfind(prefix, 0) == 0) reader_->Release(name);
    }
  }
  return w;
}

void CausalLM::SetLayer(int64_t i, std::shared_ptr<const DecoderLayerWeights> weights) {
  FAQ_CHECK(options_.resident, "SetLayer needs a resident model");
  FAQ_CHECK(i >= 0 && i < config_.num_hidden_layers, "layer {} out of range", i);
  resident_layers_[static_cast<size_t>(i)] = std::move(weights);
}

AttentionInputs CausalLM::PrepareAttention(const at::Tensor& attention_mask, int64_t b, int64_t t,
                                           const KvCache* cache) const {
  const int64_t past = cache != nullptr ? cache->Length() : 0;
  const int64_t s = past + t;
  const at::TensorOptions on_device = at::TensorOptions().device(options_.device);
  at::Tensor valid;  // bool [B, S]
  if (attention_mask.defined()) {
    if (attention_mask.dim() != 2 || attention_mask.size(0) != b || attention_mask.size(1) != s) {
      Fail("attention_mask must be [{}, {}] (cached + new tokens), got {}", b, s, c10::str(attention_mask.sizes()));
    }
    valid = attention_mask.to(options_.device, at::kBool);
  } else if (past > 0 && cache->key_valid.defined()) {
    valid = at::cat({cache->key_valid, at::ones({b, t}, on_device.dtype(at::kBool))}, 1);
  } else {
    valid = at::ones({b, s}, on_device.dtype(at::kBool));
  }
  // Positions count real tokens only, so left padding does not shift them (HF generate).
  at::Tensor new_valid = valid.narrow(1, past, t).to(at::kLong);
  at::Tensor start = cache != nullptr && cache->next_position.defined() ? cache->next_position
                                                                         : at::zeros({b}, on_device.dtype(at::kLong));
  at::Tensor positions = start.unsqueeze(1) + new_valid.cumsum(1) - 1;
  positions = at::where(new_valid.to(at::kBool), positions, at::ones_like(positions));
  AttentionInputs attn;
  attn.rope = ComputeRope(inv_freq_, positions);
  const bool padded = !valid.all().item<bool>();
  if (padded || past > 0) {
    at::Tensor q_idx = at::arange(past, s, on_device.dtype(at::kLong)).view({t, 1});
    at::Tensor k_idx = at::arange(0, s, on_device.dtype(at::kLong)).view({1, s});
    at::Tensor causal = (k_idx <= q_idx).view({1, 1, t, s});
    // A padded query row would otherwise see no key at all; let it see itself.
    at::Tensor self = (k_idx == q_idx).view({1, 1, t, s});
    attn.mask = causal.logical_and(valid.view({b, 1, 1, s})).logical_or(self);
  }
  return attn;
}

at::Tensor CausalLM::RunLayer(int64_t i, const DecoderLayerWeights& w, const at::Tensor& hidden,
                              const AttentionInputs& attn, const LinearObserver* observer, LayerKvCache* cache) const {
  return DecoderLayerForward(config_, w, hidden, attn, observer, cache);
}

at::Tensor CausalLM::FinalNorm(const at::Tensor& hidden) const {
  return RmsNorm(hidden, final_norm_, config_.rms_norm_eps);
}

at::Tensor CausalLM::Head(const at::Tensor& hidden) const {
  if (!head_weight_.defined()) {
    head_weight_ = LoadChecked(*reader_, head_name_, {config_.vocab_size, config_.hidden_size}, options_.compute_type)
                       .to(options_.device);
  }
  return ModelLinear(hidden, head_weight_, std::nullopt).to(at::kFloat);
}

at::Tensor CausalLM::Forward(const at::Tensor& ids, const at::Tensor& attention_mask, KvCache* cache,
                             std::vector<at::Tensor>* layer_outputs) const {
  return Head(ForwardHidden(ids, attention_mask, cache, layer_outputs));
}

at::Tensor CausalLM::ForwardHidden(const at::Tensor& ids, const at::Tensor& attention_mask, KvCache* cache,
                                   std::vector<at::Tensor>* layer_outputs) const {
  if (ids.dim() != 2) Fail("token ids must be [batch, tokens], got {}", c10::str(ids.sizes()));
  const int64_t b = ids.size(0), t = ids.size(1);
  AttentionInputs attn = PrepareAttention(attention_mask, b, t, cache);
  at::Tensor h = Embed(ids);
  if (layer_outputs != nullptr) layer_outputs->push_back(h);
  if (cache != nullptr && cache->layers.empty()) cache->layers.resize(static_cast<size_t>(NumLayers()));
  for (int64_t i = 0; i < NumLayers(); ++i) {
    auto w = Layer(i);
    h = RunLayer(i, *w, h, attn, nullptr, cache != nullptr ? &cache->layers[static_cast<size_t>(i)] : nullptr);
    if (layer_outputs != nullptr) layer_outputs->push_back(h);
  }
  if (cache != nullptr) {
    const at::TensorOptions on_device = at::TensorOptions().device(options_.device);
    at::Tensor new_valid = attention_mask.defined()
                               ? attention_mask.narrow(1, cache->Length(), t).to(options_.device, at::kBool)
                               : at::ones({b, t}, on_device.dtype(at::kBool));
    at::Tensor start =
        cache->next_position.defined() ? cache->next_position : at::zeros({b}, on_device.dtype(at::kLong));
    cache->next_position = start + new_valid.to(at::kLong).sum(1);
    cache->key_valid = cache->key_valid.defined() ? at::cat({cache->key_valid, new_valid}, 1) : new_valid;
  }
  return FinalNorm(h);
}

}  // namespace faq
