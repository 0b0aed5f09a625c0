// CalibrationStream: micro-batched layer runs over stored hidden states.
#include "calibration_stream.h"

#include <ATen/ATen.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

#include "faq/quant/activation_store.h"
#include "faq/util/error.h"

namespace faq {
namespace {

// Thrown by an observer that has seen every input it was asked for: the rest of the layer
// would be computed for nothing. A statistics pass then stops before the last linear whose
// input it needs (all linears at once: before down_proj, ~22% of a Llama layer's products;
// true-sequential stages: q/k/v's pass is the norm alone, o_proj's ends after the attention).
struct LayerPrefixDone {};

void RunLayerPrefix(const CausalLM& model, int64_t layer, const DecoderLayerWeights& w, const at::Tensor& hidden,
                    const AttentionInputs& attn, const LinearObserver& observer) {
  try {
    model.RunLayer(layer, w, hidden, attn, &observer);
  } catch (const LayerPrefixDone&) {
  }
}

size_t DistinctGroups(const std::map<std::string, std::string>& group_of) {
  std::set<std::string> groups;
  for (const auto& [linear, group] : group_of) groups.insert(group);
  return groups.size();
}

}  // namespace

CalibrationStream::CalibrationStream(const CausalLM& model, const CalibrationSet& calib,
                                     const CalibrationStreamOptions& o)
    : model_(model), samples_(calib.Samples()), tokens_(samples_ > 0 ? calib.Tokens() : 0) {
  const at::Device device = model.device();
  const int64_t t = calib.ids.size(1);
  // Per-record samples padded to the set's longest are 40-45% padding on chat-shaped sets;
  // sorted by length (longest first, so a memory shortfall shows at once), a micro-batch's
  // samples are alike and each runs only to its own longest. Concat windows keep their order.
  at::Tensor lengths = calib.mask.sum(1);
  at::Tensor order = std::get<1>(lengths.sort(/*stable=*/true, /*dim=*/0, /*descending=*/true));
  at::Tensor ids = calib.ids.index_select(0, order);
  at::Tensor masks = calib.mask.index_select(0, order);
  for (int64_t first = 0; first < samples_; first += o.micro_batch) {
    MicroBatch mb;
    mb.first = first;
    mb.count = std::min(o.micro_batch, samples_ - first);
    // Up to the last column any of its samples has a real token in.
    at::Tensor used = masks.narrow(0, first, mb.count).any(0).flip(0).to(at::kLong);
    mb.width = used.any().item<bool>() ? t - used.argmax().item<int64_t>() : t;
    at::Tensor mask = masks.narrow(0, first, mb.count).narrow(1, 0, mb.width).to(device);
    mb.attn = model.PrepareAttention(mask, mb.count, mb.width);
    mb.valid_rows = mask.reshape({-1}).nonzero().reshape({-1});
    slots_ += mb.count * mb.width;
    batches_.push_back(std::move(mb));
  }
  ActivationPlacement where;
  where.dtype = o.dtype.value_or(model.compute_type());
  where.device = o.on_host || !o.offload_dir.empty() ? at::Device(at::kCPU) : device;
  where.pinned = where.device.is_cpu() && device.is_cuda();
  where.offload_dir = o.offload_dir;
  const std::vector<int64_t> shape = {samples_, t, model.config().hidden_size};
  hidden_ = AllocateActivations(shape, where);
  if (o.full_precision_stream) fp_hidden_ = AllocateActivations(shape, where);
  for (const auto& mb : batches_) {
    at::Tensor h = model.Embed(ids.narrow(0, mb.first, mb.count).narrow(1, 0, mb.width).to(device));
    for (at::Tensor* store : {&hidden_, &fp_hidden_}) {
      if (!store->defined()) continue;
      Store(*store, mb, h);
      // Never read; zeroed so that a resume record holds no stale memory.
      if (mb.width < t) store->narrow(0, mb.first, mb.count).narrow(1, mb.width, t - mb.width).zero_();
    }
  }
}

at::Tensor CalibrationStream::Load(const at::Tensor& store, const MicroBatch& mb) const {
  at::Tensor part = store.narrow(0, mb.first, mb.count).narrow(1, 0, mb.width);
  if (part.device() == model_.device() && part.scalar_type() == model_.compute_type()) return part.contiguous();
  return part.to(model_.device(), model_.compute_type(), /*non_blocking=*/true);
}

void CalibrationStream::Store(at::Tensor& store, const MicroBatch& mb, const at::Tensor& value) const {
  store.narrow(0, mb.first, mb.count).narrow(1, 0, mb.width).copy_(value);
}

void CalibrationStream::Observe(int64_t layer, const DecoderLayerWeights& w, const DecoderLayerWeights& w_fp,
                                const std::map<std::string, std::string>& group_of, const GroupSink& sink) const {
  passes_ += fp_hidden_.defined() ? 2 : 1;
  const size_t groups = DistinctGroups(group_of);
  for (const auto& mb : batches_) {
    auto rows_of = [&](const at::Tensor& x) {
      at::Tensor flat = x.reshape({-1, x.size(-1)});
      return x.dim() == 3 ? flat.index_select(0, mb.valid_rows) : flat;  // experts: routed rows only
    };
    std::map<std::string, at::Tensor> fp_inputs;
    if (fp_hidden_.defined()) {
      LinearObserver fp_observer = [&](const std::string& rel, const at::Tensor& x, const at::Tensor& y) {
        if (y.defined()) return;  // inputs are read before each linear runs
        auto it = group_of.find(rel);
        if (it != group_of.end()) fp_inputs.emplace(it->second, rows_of(x));
        if (fp_inputs.size() == groups) throw LayerPrefixDone{};
      };
      RunLayerPrefix(model_, layer, w_fp, Load(fp_hidden_, mb), mb.attn, fp_observer);
    }
    std::set<std::string> seen;
    LinearObserver observer = [&](const std::string& rel, const at::Tensor& x, const at::Tensor& y) {
      if (y.defined()) return;
      auto it = group_of.find(rel);
      if (it == group_of.end() || !seen.insert(it->second).second) return;  // q/k/v share one input
      auto fp = fp_inputs.find(it->second);
      sink(it->second, rows_of(x), fp == fp_inputs.end() ? at::Tensor() : fp->second);
      if (seen.size() == groups) throw LayerPrefixDone{};
    };
    RunLayerPrefix(model_, layer, w, Load(hidden_, mb), mb.attn, observer);
  }
}

at::Tensor CalibrationStream::ObserveOutput(int64_t layer, const DecoderLayerWeights& w, const std::string& linear,
                                           int64_t max_tokens) const {
  const auto batches = static_cast<int64_t>(batches_.size());
  const int64_t per_batch = std::max<int64_t>(1, tokens_ / std::max<int64_t>(1, batches));
  const int64_t wanted = std::clamp<int64_t>((max_tokens + per_batch - 1) / per_batch, 1, batches);
  std::vector<at::Tensor> rows;
  for (int64_t j = 0; j < wanted; ++j) {
    const MicroBatch& mb = batches_[static_cast<size_t>(j * batches / wanted)];
    ++inspect_batches_;
    LinearObserver observer = [&](const std::string& rel, const at::Tensor&, const at::Tensor& y) {
      if (rel != linear || !y.defined()) return;
      at::Tensor flat = y.reshape({-1, y.size(-1)});
      rows.push_back(y.dim() == 3 ? flat.index_select(0, mb.valid_rows) : flat);
      throw LayerPrefixDone{};  // each linear (each expert too) runs once per layer forward
    };
    RunLayerPrefix(model_, layer, w, Load(hidden_, mb), mb.attn, observer);
  }
  return rows.empty() ? at::Tensor() : at::cat(rows, 0);  // an expert may see no token of the sample
}

void CalibrationStream::Advance(int64_t layer, const DecoderLayerWeights& w, const DecoderLayerWeights& w_fp) {
  passes_ += fp_hidden_.defined() ? 2 : 1;
  for (const auto& mb : batches_) {
    Store(hidden_, mb, model_.RunLayer(layer, w, Load(hidden_, mb), mb.attn));
    if (fp_hidden_.defined()) Store(fp_hidden_, mb, model_.RunLayer(layer, w_fp, Load(fp_hidden_, mb), mb.attn));
  }
}

namespace {

std::string Describe(const at::Tensor& t) {
  return t.defined() ? fmt::format("[{}] {}", fmt::join(t.sizes(), ", "), c10::toString(t.scalar_type())) : "(absent)";
}

}  // namespace

void CalibrationStream::SetHidden(const at::Tensor& hidden, const at::Tensor& fp_hidden) {
  auto restore = [](at::Tensor& store, const at::Tensor& saved, const char* what) {
    if (!saved.defined() || saved.sizes() != store.sizes() || saved.scalar_type() != store.scalar_type()) {
      Fail("saved {} hidden states {} do not match this run's {}", what, Describe(saved), Describe(store));
    }
    store.copy_(saved);
  };
  restore(hidden_, hidden, "calibration");
  if (fp_hidden_.defined()) restore(fp_hidden_, fp_hidden, "full-precision");
}

}  // namespace faq
