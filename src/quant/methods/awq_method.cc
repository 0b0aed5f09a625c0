// AWQ (Lin et al. 2024, AutoAWQ): per-channel scales searched for each linear group from its
// activations and folded into the tensor the group's input comes from, a search for a clip of
// each linear's weight range, then round-to-nearest on a min-max zero-point grid. `awq` is
// both parts; `awq+gptq` runs GPTQ on the scaled, clipped weights.
#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <limits>

#include "faq/quant/method.h"
#include "faq/quant/smoothing.h"
#include "faq/util/error.h"
#include "registry.h"

namespace faq {
namespace {

std::string Positive(const OptionValue& v) { return std::get<int64_t>(v) > 0 ? "" : "a positive integer"; }

const OptionSpec kAwq[] = {
    {"awq-grid", OptionType::kInt, int64_t{20}, "AWQ: scale exponents α searched, i/grid for i < grid", &Positive, {},
     "awq_grid"},
    {"awq-duo-scaling", OptionType::kBool, true, "AWQ: scales x̄^α / w̄^(1−α) (off: x̄^α)", nullptr, {},
     "awq_duo_scaling"},
    {"awq-clip", OptionType::kBool, true, "AWQ: search a clip of each linear's weight range (q/k excluded)", nullptr,
     {}, "awq_clip"},
    {"awq-tokens", OptionType::kInt, int64_t{4096}, "AWQ: calibration tokens sampled for the searches", &Positive, {},
     {}},
};

// Weights [N, K] viewed as [N, G, gs] for the scheme's groups.
at::Tensor Grouped(const at::Tensor& w, const QuantScheme& scheme) {
  const int64_t k = w.size(1), gs = scheme.group_size > 0 ? scheme.group_size : k;
  if (k % gs != 0) Fail("group size {} does not divide the input width {}", gs, k);
  return w.reshape({w.size(0), k / gs, gs});
}

// AWQ's grid per row and group of w [N, G, gs]: min-max over the group (not forced to hold 0)
// with a zero point, or |w|-max with the zero at 2^(bits−1) when symmetric.
struct AwqGrid {
  at::Tensor scale;  // [N, G, 1]
  at::Tensor zero;   // [N, G, 1], integer-valued
};

AwqGrid FitAwqGrid(const at::Tensor& w, const QuantScheme& scheme) {
  const double maxq = static_cast<double>((1 << scheme.bits) - 1);
  if (scheme.sym) {
    const double half = static_cast<double>(1 << (scheme.bits - 1));
    at::Tensor scale = w.abs().amax(-1, true).clamp_min(1e-5) / (half - 1);
    return {scale, at::full_like(scale, half)};
  }
  at::Tensor hi = w.amax(-1, true), lo = w.amin(-1, true);
  at::Tensor scale = (hi - lo).clamp_min(1e-5) / maxq;
  return {scale, (-(lo / scale).round()).clamp(0, maxq)};
}

at::Tensor Codes(const at::Tensor& w, const AwqGrid& g, int bits) {
  return ((w / g.scale).round() + g.zero).clamp(0, (1 << bits) - 1);
}

// Quantize-dequantize w [N, K] (fp32) on AWQ's grid.
at::Tensor PseudoQuantize(const at::Tensor& w, const QuantScheme& scheme) {
  at::Tensor g = Grouped(w, scheme);
  const AwqGrid grid = FitAwqGrid(g, scheme);
  return ((Codes(g, grid, scheme.bits) - grid.zero) * grid.scale).reshape(w.sizes());
}

QuantizedLinear AwqQuantize(const at::Tensor& weight, const QuantScheme& scheme) {
  at::Tensor w = weight.to(at::kFloat);
  at::Tensor g = Grouped(w, scheme);
  const AwqGrid grid = FitAwqGrid(g, scheme);
  const int64_t k = w.size(1), gs = g.size(2);
  QuantizedLinear out;
  out.scheme = scheme;
  out.scheme.act_order = false;
  out.qweight = CompactCodes(Codes(g, grid, scheme.bits).reshape({w.size(0), k}));
  out.scales = grid.scale.squeeze(-1).t().contiguous();                    // [G, N]
  out.zeros = grid.zero.squeeze(-1).t().to(at::kInt).contiguous();         // [G, N]
  out.g_idx = at::arange(k, w.options().dtype(at::kLong)).floor_divide(gs).to(at::kInt).contiguous();
  return out;
}

// The group's mean normalised weight magnitude per input channel: |W| over its group's max,
// averaged over every output row of every linear of the group.
at::Tensor WeightSalience(const std::vector<at::Tensor>& weights, const QuantScheme& scheme) {
  at::Tensor w = Grouped(at::cat(weights, 0).abs(), scheme);
  return (w / (w.amax(-1, true) + 1e-6)).reshape({w.size(0), -1}).mean(0);
}

class AwqTransform : public QuantTransform {
 public:
  explicit AwqTransform(const MethodOptions& o)
      : grid_(o.GetInt("awq_grid")), duo_(o.GetBool("awq_duo_scaling")), clip_(o.GetBool("awq_clip")),
        tokens_(o.GetInt("awq_tokens")) {}
  std::string_view Name() const override { return "awq"; }
  bool AsymmetricByDefault() const override { return true; }
  StatsRequest Needs() const override { return {.abs_mean = true, .sample_rows = tokens_}; }

  void Apply(GroupTensors& g, const GroupStats& stats) const override {
    at::Tensor x = stats.Sample().to(at::kFloat);
    if (g.group->smoothing != SmoothingKind::kNone) {
      const at::Tensor s = SearchScale(g, stats.AbsMean());
      FoldSmoothingScale(g, s);
      x = x / s;
    }
    if (!clip_) return;
    for (size_t i = 0; i < g.linears.size(); ++i) {
      const std::string& name = g.group->linears[i];
      if (g.skipped[i] || name.ends_with("q_proj") || name.ends_with("k_proj")) continue;  // as the reference
      Linear& l = *g.linears[i];
      l.weight = Clip(l.weight.to(at::kFloat), x, g.schemes[i]).to(l.weight.scalar_type());
    }
  }

 private:
  // argmin over α of the consuming module's output error (AutoAWQ's module2inspect: the
  // attention block for q/k/v, the MLP for gate/up) with the group's linears quantized at
  // scales s(α) and unscaled again, the layer otherwise unchanged.
  at::Tensor SearchScale(GroupTensors& g, const at::Tensor& x_mean) const {
    std::vector<at::Tensor> original;
    for (Linear* l : g.linears) original.push_back(l->weight);
    const at::Tensor reference = g.inspect();
    bool any_quantized = false;
    for (bool skipped : g.skipped) any_quantized = any_quantized || !skipped;
    if (!reference.defined() || !any_quantized) return at::ones_like(x_mean);
    std::vector<at::Tensor> weights;
    for (const at::Tensor& w : original) weights.push_back(w.to(at::kFloat));
    const at::Tensor w_mean = WeightSalience(weights, g.schemes.front());
    double best_loss = std::numeric_limits<double>::infinity();
    at::Tensor best;
    for (int64_t r = 0; r < grid_; ++r) {
      const at::Tensor s = Candidate(x_mean, w_mean, static_cast<double>(r) / static_cast<double>(grid_));
      for (size_t i = 0; i < weights.size(); ++i) {
        if (g.skipped[i]) continue;
        const at::Tensor wq = PseudoQuantize(weights[i] * s.unsqueeze(0), g.schemes[i]) / s.unsqueeze(0);
        g.linears[i]->weight = wq.to(original[i].scalar_type());
      }
      const double loss = (g.inspect() - reference).to(at::kFloat).pow(2).mean().item<double>();
      if (loss < best_loss) {
        best_loss = loss;
        best = s;
      }
    }
    for (size_t i = 0; i < original.size(); ++i) g.linears[i]->weight = original[i];
    return best;
  }

  // s = x̄^α / (w̄^(1−α) + 1e-4) (or x̄^α), floored at 1e-4 and normalised to a geometric
  // mean of its extremes of 1.
  at::Tensor Candidate(const at::Tensor& x_mean, const at::Tensor& w_mean, double alpha) const {
    at::Tensor s = duo_ ? x_mean.pow(alpha) / (w_mean.pow(1.0 - alpha) + 1e-4) : x_mean.pow(alpha);
    s = s.clamp_min(1e-4);
    s = s / (s.max() * s.min()).sqrt();
    return at::where(s.isfinite(), s, at::ones_like(s));
  }

  // Per output row and input group, the range m ≤ max|w| (down to half of it) whose
  // quantized weights best reproduce the group's partial outputs on the sampled tokens.
  at::Tensor Clip(const at::Tensor& w, const at::Tensor& x_all, const QuantScheme& scheme) const {
    constexpr int64_t kTokens = 512, kRows = 256;
    const int64_t stride = std::max<int64_t>(1, x_all.size(0) / kTokens);
    const at::Tensor x = Grouped(x_all.slice(0, 0, x_all.size(0), stride), scheme).permute({1, 2, 0});  // [G, gs, T]
    at::Tensor out = w.clone();
    for (int64_t r0 = 0; r0 < w.size(0); r0 += kRows) {
      const at::Tensor rows = Grouped(w.narrow(0, r0, std::min(kRows, w.size(0) - r0)), scheme);  // [n, G, gs]
      const at::Tensor org = rows.permute({1, 0, 2}).bmm(x);                                       // [G, n, T]
      const at::Tensor max0 = rows.abs().amax(-1, true);                                           // [n, G, 1]
      at::Tensor best_err = at::full({rows.size(0), rows.size(1), 1}, std::numeric_limits<float>::infinity(),
                                     rows.options());
      at::Tensor best_max = max0.clone();
      for (int64_t i = 0; i < grid_ / 2; ++i) {
        const at::Tensor m = max0 * (1.0 - static_cast<double>(i) / static_cast<double>(grid_));
        const at::Tensor clipped = at::clamp(rows, -m, m);
        const AwqGrid grid = FitAwqGrid(clipped, scheme);
        const at::Tensor q = (Codes(clipped, grid, scheme.bits) - grid.zero) * grid.scale;
        const at::Tensor err = (q.permute({1, 0, 2}).bmm(x) - org).pow(2).mean(-1).t().unsqueeze(-1);  // [n, G, 1]
        const at::Tensor better = err < best_err;
        best_err = at::where(better, err, best_err);
        best_max = at::where(better, m, best_max);
      }
      out.narrow(0, r0, rows.size(0)).copy_(at::clamp(rows, -best_max, best_max).reshape({rows.size(0), -1}));
    }
    return out;
  }

  int64_t grid_;
  bool duo_, clip_;
  int64_t tokens_;
};

class AwqSolver : public QuantSolver {
 public:
  std::string_view Name() const override { return "awq"; }
  MethodPolicy Policy() const override {
    return {.needs_calibration = false, .needs_fp_inputs = false, .asymmetric_by_default = true};
  }
  StatsRequest Needs() const override { return {}; }
  QuantizedLinear Solve(const at::Tensor& weight, const GroupStats* stats, const QuantScheme& scheme,
                        SolveReport* report) const override {
    const auto start = std::chrono::steady_clock::now();
    QuantizedLinear q = AwqQuantize(weight, scheme);
    if (stats != nullptr && stats->rows() > 0) report->loss = OutputLoss(weight, q.Dequantize(), stats->H());
    report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return q;
  }
};

}  // namespace

std::span<const OptionSpec> AwqOptionSpecs() { return kAwq; }
std::unique_ptr<QuantTransform> MakeAwqTransform(const MethodOptions& o) { return std::make_unique<AwqTransform>(o); }
std::unique_ptr<QuantSolver> MakeAwqSolver(const MethodOptions&) { return std::make_unique<AwqSolver>(); }

}  // namespace faq
