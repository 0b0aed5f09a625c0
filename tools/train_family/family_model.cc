#include "family_model.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "faq/io/safetensors_writer.h"
#include "faq/model/rope.h"
#include "faq/format/tensor_io.h"
#include "faq/util/atomic_file.h"

namespace faq::family {

FamilyModel::FamilyModel(nlohmann::json hf_config, uint64_t seed)
    : hf_config_(std::move(hf_config)), config_(ParseModelConfig(hf_config_, "family model config")) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto& c = config_;
  const double std = 0.02, residual_std = 0.02 / std::sqrt(2.0 * static_cast<double>(c.num_hidden_layers));
  const int64_t q_out = c.num_attention_heads * c.head_dim, kv_out = c.num_key_value_heads * c.head_dim;
  embed_ = NewParameter({c.vocab_size, c.hidden_size}, std, true, gen);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    DecoderLayerWeights w;
    w.input_layernorm = NewParameter({c.hidden_size}, 0, false, gen);
    w.post_attention_layernorm = NewParameter({c.hidden_size}, 0, false, gen);
    w.q_proj.weight = NewParameter({q_out, c.hidden_size}, std, true, gen);
    w.k_proj.weight = NewParameter({kv_out, c.hidden_size}, std, true, gen);
    w.v_proj.weight = NewParameter({kv_out, c.hidden_size}, std, true, gen);
    w.o_proj.weight = NewParameter({c.hidden_size, q_out}, residual_std, true, gen);
    w.q_norm = NewParameter({c.head_dim}, 0, false, gen);
    w.k_norm = NewParameter({c.head_dim}, 0, false, gen);
    w.mlp.gate_proj.weight = NewParameter({c.intermediate_size, c.hidden_size}, std, true, gen);
    w.mlp.up_proj.weight = NewParameter({c.intermediate_size, c.hidden_size}, std, true, gen);
    w.mlp.down_proj.weight = NewParameter({c.hidden_size, c.intermediate_size}, residual_std, true, gen);
    layers_.push_back(std::move(w));
  }
  final_norm_ = NewParameter({c.hidden_size}, 0, false, gen);
  inv_freq_ = RopeInverseFrequencies(c);
}

// std 0 means a norm weight, initialised to one.
at::Tensor FamilyModel::NewParameter(std::vector<int64_t> shape, double std, bool decay, at::Generator& gen) {
  at::Tensor t = std > 0 ? at::normal(0.0, std, shape, gen) : at::ones(shape);
  t.set_requires_grad(true);
  params_.push_back(t);
  decays_.push_back(decay);
  return t;
}

int64_t FamilyModel::NumParameters() const {
  int64_t n = 0;
  for (const auto& p : params_) n += p.numel();
  return n;
}

at::Tensor FamilyModel::Loss(const at::Tensor& ids) const {
  const int64_t b = ids.size(0), t = ids.size(1) - 1;
  const at::Tensor inputs = ids.slice(1, 0, t), targets = ids.slice(1, 1, t + 1);
  at::Tensor h = at::embedding(embed_, inputs);
  AttentionInputs attn;
  attn.rope = ComputeRope(inv_freq_, at::arange(t, at::kLong).unsqueeze(0).expand({b, t}));
  for (const auto& w : layers_) h = DecoderLayerForward(config_, w, h, attn);
  h = RmsNorm(h, final_norm_, config_.rms_norm_eps);
  const at::Tensor logits = at::matmul(h, embed_.t());  // tied embeddings
  return at::cross_entropy_loss(logits.reshape({b * t, -1}), targets.reshape({b * t}));
}

void FamilyModel::Save(const std::filesystem::path& dir) const {
  std::filesystem::create_directories(dir);
  nlohmann::json config = hf_config_;
  config["torch_dtype"] = "bfloat16";
  WriteFileAtomic(dir / "config.json", config.dump(2) + "\n");
  // As Qwen3 ships it: generation also stops at <|endoftext|> (the bos id), not only at
  // the chat turn's end.
  nlohmann::json generation{{"bos_token_id", config.at("bos_token_id")},
                            {"eos_token_id", {config.at("eos_token_id"), config.at("bos_token_id")}},
                            {"do_sample", true}, {"temperature", 0.6}, {"top_p", 0.95}, {"top_k", 20}};
  WriteFileAtomic(dir / "generation_config.json", generation.dump(2) + "\n");

  // Names and order as transformers saves a tied Qwen3 model (no lm_head.weight).
  std::vector<std::pair<std::string, at::Tensor>> named{{"model.embed_tokens.weight", embed_}};
  for (size_t i = 0; i < layers_.size(); ++i) {
    const std::string p = LayerPrefix(static_cast<int64_t>(i));
    const auto& w = layers_[i];
    named.insert(named.end(), {{p + "input_layernorm.weight", w.input_layernorm},
                               {p + "mlp.down_proj.weight", w.mlp.down_proj.weight},
                               {p + "mlp.gate_proj.weight", w.mlp.gate_proj.weight},
                               {p + "mlp.up_proj.weight", w.mlp.up_proj.weight},
                               {p + "post_attention_layernorm.weight", w.post_attention_layernorm},
                               {p + "self_attn.k_norm.weight", w.k_norm},
                               {p + "self_attn.k_proj.weight", w.k_proj.weight},
                               {p + "self_attn.o_proj.weight", w.o_proj.weight},
                               {p + "self_attn.q_norm.weight", w.q_norm},
                               {p + "self_attn.q_proj.weight", w.q_proj.weight},
                               {p + "self_attn.v_proj.weight", w.v_proj.weight}});
  }
  named.emplace_back("model.norm.weight", final_norm_);
  std::vector<at::Tensor> stored;  // keeps the bf16 copies alive while writing
  std::vector<TensorToWrite> tensors;
  for (const auto& [name, t] : named) {
    stored.push_back(t.detach().to(at::kBFloat16).contiguous());
    tensors.push_back(ToWrite(name, stored.back()));
  }
  WriteSafetensors(dir / "model.safetensors", tensors);
}

}  // namespace faq::family
