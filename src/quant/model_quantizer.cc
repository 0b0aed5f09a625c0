// QuantizeModel: the sequential layer loop (capture, accumulate, solve, replay).
#include "faq/quant/model_quantizer.h"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <set>

#include "faq/quant/activation_store.h"
#include "faq/util/error.h"
#include "faq/util/progress.h"

namespace faq {
namespace {

bool EndsWith(const std::string& s, std::string_view t) {
  return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

// Linears that read the same input share one Hessian: q/k/v, and gate/up (per expert).
std::string InputGroup(const std::string& rel) {
  if (rel == "mlp.gate") return "";  // the MoE router is never quantized
  if (EndsWith(rel, "q_proj") || EndsWith(rel, "k_proj") || EndsWith(rel, "v_proj")) return "self_attn.qkv";
  if (EndsWith(rel, "gate_proj") || EndsWith(rel, "up_proj")) return rel.substr(0, rel.rfind('.')) + ".gate_up";
  return rel;
}

// True-sequential stage: q/k/v, then o, then gate/up, then down.
int Stage(const std::string& rel) {
  if (rel.rfind("self_attn.", 0) == 0) return EndsWith(rel, "o_proj") ? 1 : 0;
  return EndsWith(rel, "down_proj") ? 3 : 2;
}

struct MicroBatch {
  int64_t first = 0, count = 0;
  AttentionInputs attn;
  at::Tensor valid_rows;  // int64 indices of real tokens in the flattened [count·T] rows
};

struct EffectiveScheme {
  QuantScheme scheme;
  bool skip = false;
};

EffectiveScheme SchemeFor(const std::string& full_name, const ModelQuantizerOptions& o,
                          const std::vector<std::regex>& patterns) {
  EffectiveScheme e{o.scheme, false};
  for (size_t r = 0; r < o.rules.size(); ++r) {
    if (!std::regex_search(full_name, patterns[r])) continue;
    const ModuleRule& rule = o.rules[r];
    e.skip = rule.skip;
    if (rule.bits) e.scheme.bits = *rule.bits;
    if (rule.group_size) e.scheme.group_size = *rule.group_size;
    if (rule.sym) e.scheme.sym = *rule.sym;
  }
  return e;
}

}  // namespace

uint64_t EstimatePeakBytes(const ModelConfig& c, const CalibrationSet& calib, const ModelQuantizerOptions& o) {
  const bool fp = MakeQuantMethod(o.method, o.method_options)->Policy().needs_fp_inputs;
  const uint64_t streams = fp ? 2 : 1;
  // Offloaded activations live in the page cache, not in the planned resident set.
  const uint64_t hidden =
      o.offload_dir.empty() ? static_cast<uint64_t>(calib.ids.numel() * c.hidden_size) * 4 * streams : 0;
  const uint64_t attn = static_cast<uint64_t>(c.hidden_size * c.head_dim * (2 * c.num_attention_heads + 2 * c.num_key_value_heads));
  const uint64_t inter = static_cast<uint64_t>(c.num_experts > 0 ? c.num_experts * c.moe_intermediate_size : c.intermediate_size);
  const uint64_t layer = (attn + 3 * inter * static_cast<uint64_t>(c.hidden_size)) * 4 * streams;
  const uint64_t k_max = static_cast<uint64_t>(std::max(c.hidden_size, c.num_experts > 0 ? c.moe_intermediate_size : c.intermediate_size));
  const uint64_t hessians = 4 * k_max * k_max * 4 * (fp ? 2 : 1);
  const uint64_t temporaries = static_cast<uint64_t>(o.micro_batch * calib.ids.size(1)) * inter * 4 * 3;
  return hidden + layer + hessians + temporaries;
}

ModelQuantizerResult QuantizeModel(const CausalLM& model, const CalibrationSet& calib, const ModelQuantizerOptions& o) {
  auto start = std::chrono::steady_clock::now();
  const ModelConfig& c = model.config();
  std::unique_ptr<QuantMethod> method = MakeQuantMethod(o.method, o.method_options);
  const MethodPolicy policy = method->Policy();
  if (policy.needs_fp_inputs && c.num_experts > 0) {
    Fail("{} is not supported on mixture-of-experts models: routed expert inputs of the quantized and "
         "full-precision streams cannot be paired", method->Name());
  }
  std::vector<std::regex> patterns;
  for (const auto& r : o.rules) patterns.emplace_back(r.pattern);
  // Check every linear's scheme against its width before hours of work, not at its turn.
  for (const auto& [tensor, shape] : ExpectedTensors(c)) {
    if (shape.size() != 2 || !EndsWith(tensor, "_proj.weight")) continue;
    const std::string name = tensor.substr(0, tensor.size() - 7);
    EffectiveScheme es = SchemeFor(name, o, patterns);
    if (!es.skip && es.scheme.group_size > 0 && shape[1] % es.scheme.group_size != 0) {
      Fail("{}: group size {} does not divide its input width {} (choose a divisor, -1 for per-channel, or a "
           "module rule)", name, es.scheme.group_size, shape[1]);
    }
  }

  const int64_t s = calib.Samples(), t = calib.ids.size(1);
  std::vector<MicroBatch> batches;
  for (int64_t first = 0; first < s; first += o.micro_batch) {
    MicroBatch mb;
    mb.first = first;
    mb.count = std::min(o.micro_batch, s - first);
    at::Tensor mask = calib.mask.narrow(0, first, mb.count);
    mb.attn = model.PrepareAttention(mask, mb.count, t);
    mb.valid_rows = mask.reshape({-1}).nonzero().reshape({-1});
    batches.push_back(std::move(mb));
  }
  // [S, T, H] hidden states, filled a micro-batch at a time (they may live in a file).
  const std::vector<int64_t> shape = {s, t, c.hidden_size};
  at::Tensor hidden = AllocateActivations(shape, o.offload_dir);
  at::Tensor fp_hidden = policy.needs_fp_inputs ? AllocateActivations(shape, o.offload_dir) : at::Tensor();
  for (const auto& mb : batches) {
    at::Tensor h = model.Embed(calib.ids.narrow(0, mb.first, mb.count));
    hidden.narrow(0, mb.first, mb.count).copy_(h);
    if (fp_hidden.defined()) fp_hidden.narrow(0, mb.first, mb.count).copy_(h);
  }

  ModelQuantizerResult result;
  uint64_t total_linears = 0;
  for (int64_t i = 0; i < model.NumLayers(); ++i) {
    total_linears += c.IsSparseLayer(i) ? static_cast<uint64_t>(4 + 3 * c.num_experts) : 7;
  }
  Progress progress("quantize", total_linears, "linears");
  for (int64_t i = 0; i < model.NumLayers(); ++i) {
    DecoderLayerWeights w = *model.Layer(i);  // shallow copy: solved weights are new tensors
    const DecoderLayerWeights w_fp = w;
    auto linears = w.Linears();
    std::set<int> stages;
    for (const auto& [rel, lin] : linears) {
      if (!InputGroup(rel).empty()) stages.insert(o.true_sequential ? Stage(rel) : 0);
    }
    for (int stage : stages) {
      auto in_stage = [&](const std::string& rel) {
        return !InputGroup(rel).empty() && (!o.true_sequential || Stage(rel) == stage);
      };
      std::map<std::string, HessianAccumulator> stats;
      // Statistics are collected for data-free methods too when samples are given: the
      // table then shows every method's output error on the same footing.
      if (s > 0) {
        for (const auto& mb : batches) {
          std::map<std::string, at::Tensor> fp_inputs;
          auto rows_of = [&](const at::Tensor& x) {
            at::Tensor flat = x.reshape({-1, x.size(-1)});
            return x.dim() == 3 ? flat.index_select(0, mb.valid_rows) : flat;  // experts: routed rows only
          };
          if (policy.needs_fp_inputs) {
            LinearObserver fp_obs = [&](const std::string& rel, const at::Tensor& x, const at::Tensor&) {
              if (in_stage(rel)) fp_inputs.emplace(InputGroup(rel), rows_of(x));
            };
            model.RunLayer(i, w_fp, fp_hidden.narrow(0, mb.first, mb.count), mb.attn, &fp_obs);
          }
          std::set<std::string> seen;
          LinearObserver obs = [&](const std::string& rel, const at::Tensor& x, const at::Tensor&) {
            if (!in_stage(rel)) return;
            const std::string group = InputGroup(rel);
            if (!seen.insert(group).second) return;  // q/k/v (gate/up) share one input
            auto it = stats.try_emplace(group, x.size(-1), policy.needs_fp_inputs).first;
            it->second.Add(rows_of(x), policy.needs_fp_inputs ? fp_inputs.at(group) : at::Tensor());
          };
          model.RunLayer(i, w, hidden.narrow(0, mb.first, mb.count), mb.attn, &obs);
        }
      }
      for (auto& [rel, lin] : linears) {
        if (!in_stage(rel)) continue;
        const std::string full = LayerPrefix(i) + rel;
        EffectiveScheme es = SchemeFor(full, o, patterns);
        LinearReport row;
        row.layer = i;
        row.name = full;
        row.out_features = lin->weight.size(0);
        row.in_features = lin->weight.size(1);
        row.bits = es.scheme.bits;
        row.group_size = es.scheme.group_size;
        row.skipped = es.skip;
        auto it = stats.find(InputGroup(rel));
        const HessianAccumulator* acc = it == stats.end() ? nullptr : &it->second;
        row.tokens = acc != nullptr ? acc->rows() : 0;
        if (!es.skip) {
          const QuantMethod* solver = method.get();
          std::unique_ptr<QuantMethod> fallback;
          if (policy.needs_calibration && row.tokens == 0) {  // e.g. an expert no token was routed to
            spdlog::warn("{}: no calibration tokens reached it; falling back to RTN", full);
            fallback = MakeQuantMethod("rtn", o.method_options);
            solver = fallback.get();
          }
          try {
            if (acc != nullptr && acc->rows() > 0) {
              row.rtn_loss = OutputLoss(lin->weight, RtnSolve(lin->weight, es.scheme).Dequantize(), acc->H());
            }
            QuantizedLinear q = solver->Solve(lin->weight, acc, es.scheme, &row.solve);
            q.bias = lin->bias;
            lin->weight = q.Dequantize();
            result.linears.emplace(full, std::move(q));
          } catch (const Error& e) {
            Fail("{}: {}", full, e.what());
          }
        }
        result.reports.push_back(row);
        if (o.show_progress) {
          progress.SetDetail(fmt::format("layer {} {}", i, rel));
          progress.Advance();
        }
      }
    }
    // Replay: the next layer sees this layer's outputs with quantized weights.
    for (const auto& mb : batches) {
      at::Tensor h = hidden.narrow(0, mb.first, mb.count);
      h.copy_(model.RunLayer(i, w, h, mb.attn));
      if (fp_hidden.defined()) {
        at::Tensor f = fp_hidden.narrow(0, mb.first, mb.count);
        f.copy_(model.RunLayer(i, w_fp, f, mb.attn));
      }
    }
  }
  if (o.show_progress) progress.Finish();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace faq
