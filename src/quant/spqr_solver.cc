// SpqrSolve: the GPTQ skeleton (dampened inverse-Hessian Cholesky factor, blocks with lazy
// updates) with SpQR's group fit (leave-one-out outlier test, bilevel stats) and per-column
// outlier extraction. Plain ATen ops on the weight's device; W is kept transposed so that a
// column is one contiguous row.
#include "faq/quant/spqr_solver.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <string>

#include "faq/format/spqr_format.h"
#include "faq/util/error.h"

namespace faq {
namespace {

constexpr double kEps = 1e-9;  // scales are clamped to this before dividing, as in the reference

// An asymmetric grid: value = scale · (code − zero), zero fractional.
struct Grid {
  at::Tensor scale;  // the input's shape with the last dimension reduced to 1
  at::Tensor zero;
};

// Min-max grid over the last dimension of `x` (SpQR's quantizer: the range is the values' own,
// not widened to hold 0, and the zero point is not rounded). Two deliberate deviations, both
// for degenerate ranges: the range is floored at maxq·2⁻¹² of the largest magnitude, so a
// (nearly) constant row is reproduced and the zero point stays below 4096, which fp16 holds;
// an all-zero row gets scale 1/maxq and zero 0. (The reference maps a constant row to
// [−1, 1], which does not reproduce it.)
Grid FitMinMax(const at::Tensor& x, int bits) {
  const double maxq = static_cast<double>((1 << bits) - 1);
  const at::Tensor lo = x.amin(-1, true), hi = x.amax(-1, true);
  at::Tensor range = at::maximum(hi - lo, at::maximum(lo.abs(), hi.abs()) * (maxq / 4096.0));
  range = at::where(range == 0, at::ones_like(range), range);
  Grid g;
  g.scale = range / maxq;
  g.zero = -lo / g.scale;
  return g;
}

at::Tensor Codes(const at::Tensor& x, const at::Tensor& scale, const at::Tensor& zero, int bits) {
  return at::clamp(at::round(x / scale.clamp_min(kEps) + zero), 0, (1 << bits) - 1);
}

// Rounded through fp16: what a stored checkpoint holds.
at::Tensor Fp16(const at::Tensor& t) { return t.to(at::kHalf).to(t.scalar_type()); }

// Σ over the last dimension of ((q(x) − x) / d)² with x's own min-max grid.
at::Tensor WeightedError(const at::Tensor& x, const at::Tensor& d, int bits) {
  const Grid g = FitMinMax(x, bits);
  const at::Tensor deq = g.scale * (Codes(x, g.scale, g.zero, bits) - g.zero);
  return ((deq - x) / d).square().sum(-1);
}

// SpQR's leave-one-out test on a group x [N, gs] with the factor's diagonal d [gs]: for each
// weight, how much the group's Hessian-weighted rounding error falls when that weight is left
// out of the grid fit (and not quantized at all).
at::Tensor LeaveOneOutGain(const at::Tensor& x, const at::Tensor& d, int bits) {
  const int64_t n = x.size(0), gs = x.size(1);
  const at::TensorOptions index = x.options().dtype(at::kLong);
  const at::Tensor slot = at::arange(gs - 1, index).unsqueeze(0), left_out = at::arange(gs, index).unsqueeze(1);
  const at::Tensor kept = (slot + (slot >= left_out).to(at::kLong)).flatten();  // [gs·(gs−1)]: all but one
  const at::Tensor loo = x.index_select(1, kept).view({n, gs, gs - 1});
  const at::Tensor loo_error = WeightedError(loo, d.index_select(0, kept).view({gs, gs - 1}), bits);  // [N, gs]
  return WeightedError(x, d, bits).unsqueeze(1) - loo_error;
}

// The first-level grid of a group: weights the leave-one-out test marks as likely outliers are
// replaced by their row's mean over the others before the min-max fit, so they do not stretch
// the range.
Grid FitGroup(const at::Tensor& group, const at::Tensor& d, double threshold, int bits) {
  if (!std::isfinite(threshold)) return FitMinMax(group, bits);
  const at::Tensor outlier = LeaveOneOutGain(group, d, bits) > threshold;
  const at::Tensor inlier = outlier.logical_not().to(group.scalar_type());
  const at::Tensor mean = (group * inlier).sum(1, true) / inlier.sum(1, true).clamp_min(1);
  return FitMinMax(at::where(outlier, mean, group), bits);
}

// One first-level stat vector v [N] quantized in chunks of `chunk` consecutive rows.
struct QuantizedStat {
  at::Tensor codes;   // uint8 [N]
  at::Tensor scale2;  // [C, 1], fp16-representable
  at::Tensor zero2;   // [C, 1]
  at::Tensor value;   // [N]: what the weights are quantized with
};

QuantizedStat QuantizeStat(const at::Tensor& v, int bits, int64_t chunk) {
  const int64_t n = v.size(0), chunks = (n + chunk - 1) / chunk;
  // Padding with the last value leaves the last chunk's min and max as they are.
  const at::Tensor padded = at::cat({v, v.narrow(0, n - 1, 1).expand({chunks * chunk - n})}).view({chunks, chunk});
  const Grid g = FitMinMax(padded, bits);
  QuantizedStat s;
  s.scale2 = Fp16(g.scale);  // codes are fitted to the values the checkpoint stores
  s.zero2 = Fp16(g.zero);
  const at::Tensor codes = Codes(padded, s.scale2, s.zero2, bits).flatten().narrow(0, 0, n).unsqueeze(0);
  s.value = ExpandSpqrStats(codes, s.scale2.t(), s.zero2.t(), chunk).squeeze(0);
  s.codes = codes.squeeze(0).to(at::kByte);
  return s;
}

// Everything the column loop produces, in processing (permuted) order.
struct LoopState {
  at::Tensor wt;        // [K, N] fp32, Wᵀ, updated in place
  at::Tensor u;         // [K, K] upper Cholesky factor of H⁻¹
  at::Tensor u_diag;    // [K] its diagonal on the CPU (one scalar per column, no device sync)
  at::Tensor codes;     // [K, N]
  at::Tensor residual;  // [K, N] outlier residuals (0 elsewhere)
  at::Tensor scale, zero;  // [G, N] dequantized first-level stats
  std::map<std::string, at::Tensor> stats;  // the codes and second-level stats, per group
  double threshold = 0;
};

void FitGroupAt(LoopState& st, const SpqrOptions& o, int64_t first) {
  const int64_t g = first / o.group_size;
  // Columns past the current block have not had this block's lazy update yet, as in the reference.
  const at::Tensor group = st.wt.narrow(0, first, o.group_size).t();
  const Grid grid = FitGroup(group, st.u.diagonal().narrow(0, first, o.group_size), st.threshold, o.bits);
  const QuantizedStat scale = QuantizeStat(grid.scale.squeeze(1), o.stat_bits, o.stat_group_size);
  const QuantizedStat zero = QuantizeStat(grid.zero.squeeze(1), o.stat_bits, o.stat_group_size);
  st.scale[g].copy_(scale.value);
  st.zero[g].copy_(zero.value);
  st.stats["scale_codes"][g].copy_(scale.codes);
  st.stats["zero_codes"][g].copy_(zero.codes);
  st.stats["scale_scale"][g].copy_(scale.scale2.squeeze(1));
  st.stats["scale_zero"][g].copy_(scale.zero2.squeeze(1));
  st.stats["zero_scale"][g].copy_(zero.scale2.squeeze(1));
  st.stats["zero_zero"][g].copy_(zero.zero2.squeeze(1));
}

// Quantizes column i and returns its scaled error (w − ŵ)/U_ii, ŵ holding the exact value
// (to fp16) at the outliers.
at::Tensor QuantizeColumn(LoopState& st, const SpqrOptions& o, int64_t i) {
  const int64_t g = i / o.group_size;
  const at::Tensor col = st.wt[i], s = st.scale[g], z = st.zero[g];
  const double d = st.u_diag.data_ptr<float>()[i];
  at::Tensor q = Codes(col, s, z, o.bits);
  at::Tensor deq = s * (q - z);
  if (std::isfinite(st.threshold)) {
    const at::Tensor outlier = ((col - deq) / d).square() > st.threshold;
    q = Codes(col.masked_fill(outlier, 0.0), s, z, o.bits);  // the dense code of an outlier is q(0)
    deq = s * (q - z);
    const at::Tensor residual = Fp16(col - deq).masked_fill(outlier.logical_not(), 0.0);
    st.residual[i].copy_(residual);
    deq = deq + residual;
  }
  st.codes[i].copy_(q);
  return (col - deq) / d;
}

void RunColumns(LoopState& st, const SpqrOptions& o) {
  const int64_t k = st.wt.size(0);
  at::Tensor err = at::empty({o.block_size, st.wt.size(1)}, st.wt.options());
  for (int64_t i1 = 0; i1 < k; i1 += o.block_size) {
    const int64_t i2 = std::min(i1 + o.block_size, k);
    for (int64_t i = i1; i < i2; ++i) {
      if (i % o.group_size == 0) FitGroupAt(st, o, i);
      err[i - i1].copy_(QuantizeColumn(st, o, i));
      if (i + 1 < i2) st.wt.narrow(0, i + 1, i2 - i - 1).addr_(st.u[i].narrow(0, i + 1, i2 - i - 1), err[i - i1], 1, -1);
    }
    if (i2 < k) {
      st.wt.narrow(0, i2, k - i2).addmm_(st.u.narrow(0, i1, i2 - i1).narrow(1, i2, k - i2).t(),
                                         err.narrow(0, 0, i2 - i1), 1, -1);
    }
  }
}

}  // namespace

QuantizedLinear SpqrSolve(const at::Tensor& weight, const at::Tensor& h_in, const SpqrOptions& o,
                          SolveReport* report) {
  const auto start = std::chrono::steady_clock::now();
  const int64_t n = weight.size(0), k = weight.size(1);
  if (o.group_size < 2 || k % o.group_size != 0) {
    Fail("SpQR group size {} must be at least 2 and divide the input width {}", o.group_size, k);
  }
  at::Tensor w = weight.to(at::kFloat).clone();
  at::Tensor h = h_in.to(at::kFloat).clone();
  const at::Tensor dead = h.diagonal() == 0;  // inputs that were always zero: pin them, zero the weights
  report->dead_columns = dead.sum().item<int64_t>();
  h.diagonal().masked_fill_(dead, 1.0);
  w.masked_fill_(dead.unsqueeze(0), 0.0);
  const at::TensorOptions index = w.options().dtype(at::kLong);
  at::Tensor perm = at::arange(k, index);
  if (o.act_order) {
    perm = std::get<1>(at::sort(h.diagonal(), /*stable=*/true, 0, /*descending=*/true));
    w = w.index_select(1, perm);
    h = h.index_select(0, perm).index_select(1, perm);
  }
  const int64_t groups = k / o.group_size, chunks = (n + o.stat_group_size - 1) / o.stat_group_size;
  LoopState st;
  st.u = InverseHessianCholesky(h, o.damp, report).contiguous();
  st.u_diag = st.u.diagonal().to(at::kCPU).contiguous();
  st.threshold = o.outlier_threshold * (w.var(0) / st.u.diagonal().square()).mean().item<double>();
  st.wt = w.t().contiguous();
  st.codes = at::empty({k, n}, w.options());
  st.residual = at::zeros({k, n}, w.options());
  st.scale = at::empty({groups, n}, w.options());
  st.zero = at::empty({groups, n}, w.options());
  for (const char* key : {"scale_codes", "zero_codes"}) st.stats[key] = at::empty({groups, n}, w.options().dtype(at::kByte));
  for (const char* key : {"scale_scale", "scale_zero", "zero_scale", "zero_zero"}) {
    st.stats[key] = at::empty({groups, chunks}, w.options());
  }
  RunColumns(st, o);

  const at::Tensor invperm = at::argsort(perm);
  QuantizedLinear out;
  out.scheme = {.bits = o.bits, .group_size = o.group_size, .sym = false, .act_order = o.act_order};
  out.qweight = CompactCodes(st.codes.index_select(0, invperm).t());
  out.scales = st.scale;
  out.zeros = st.zero;
  out.g_idx = at::arange(k, index).floor_divide(o.group_size).index_select(0, invperm).to(at::kInt).contiguous();
  const at::Tensor residual = st.residual.index_select(0, invperm).t();
  if (residual.count_nonzero().item<int64_t>() > 0) out.outliers = residual.to_sparse().coalesce();
  out.extra = std::move(st.stats);
  out.stat_bits = o.stat_bits;
  out.stat_group_size = o.stat_group_size;
  report->loss = OutputLoss(weight, out.Dequantize(), h_in);
  report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace faq
