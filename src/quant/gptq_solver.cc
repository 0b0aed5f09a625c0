// GptqSolve: dampened inverse-Hessian Cholesky factor, then a fused column loop over
// blocks (CPU kernel: no per-column tensor allocation), lazy GEMM updates between blocks.
#include "faq/quant/gptq_solver.h"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <vector>

#include "faq/quant/quant_grid.h"
#include "faq/util/error.h"

namespace faq {
namespace {

// U with H⁻¹ = UᵀU (upper Cholesky factor of the inverse), retrying with growing damp.
at::Tensor InverseCholeskyUpper(at::Tensor h, double damp, SolveReport* report) {
  const double mean_diag = h.diagonal().mean().item<double>();
  at::Tensor eye = at::eye(h.size(0), at::kFloat);
  for (int attempt = 0; attempt < 10; ++attempt) {
    double d = damp + 0.01 * attempt;
    auto [l, info] = at::linalg_cholesky_ex(h + eye * (d * mean_diag));
    if (info.item<int>() == 0) {
      at::Tensor inv = at::cholesky_inverse(l);
      auto [u, info2] = at::linalg_cholesky_ex(inv, /*upper=*/true);
      if (info2.item<int>() == 0) {
        if (attempt > 0) spdlog::warn("Hessian not positive definite at damp {:.3f}; solved with damp {:.3f}", damp, d);
        report->damp_used = d;
        report->retries = attempt;
        return u;
      }
    }
  }
  Fail("the Hessian could not be made positive definite (damp up to {:.2f}); the calibration data may be "
       "degenerate for this layer",
       damp + 0.09);
}

}  // namespace

double OutputLoss(const at::Tensor& weight, const at::Tensor& dequantized, const at::Tensor& h) {
  at::Tensor dw = dequantized.to(at::kFloat) - weight.to(at::kFloat);
  return (dw.mm(h) * dw).sum().item<double>() / static_cast<double>(weight.size(0));
}

QuantizedLinear GptqSolve(const at::Tensor& weight, const at::Tensor& h_in, const at::Tensor& dxxt_in,
                          const GptqOptions& o, SolveReport* report) {
  auto start = std::chrono::steady_clock::now();
  const QuantScheme& s = o.scheme;
  const int64_t n = weight.size(0), k = weight.size(1);
  const int64_t gs = s.group_size > 0 ? s.group_size : k;
  if (k % gs != 0) Fail("group size {} does not divide the input width {}", gs, k);
  const int maxq = (1 << s.bits) - 1;
  at::Tensor w = weight.to(at::kFloat).clone();
  at::Tensor h = h_in.clone();
  at::Tensor dxxt = dxxt_in.defined() ? dxxt_in.clone() : at::Tensor();

  // Inputs that were always zero carry no information: pin them and zero the weights.
  at::Tensor dead = h.diagonal() == 0;
  report->dead_columns = dead.sum().item<int64_t>();
  if (report->dead_columns > 0) {
    h.diagonal().masked_fill_(dead, 1.0);
    w.index_put_({at::indexing::Slice(), dead}, 0.0);
    if (dxxt.defined()) dxxt.index_put_({at::indexing::Slice(), dead}, 0.0);
  }
  if (dxxt.defined() && o.gptaq_exact) {  // W* = W + W·dXXT·H⁻¹, then plain GPTQ
    w = w + w.mm(dxxt).mm(at::linalg_inv(h + at::eye(k) * (o.damp * h.diagonal().mean().item<double>())));
    dxxt = at::Tensor();
  }
  std::vector<GroupGrid> static_grids;
  if (s.static_groups || s.group_size <= 0) {
    for (int64_t g = 0; g < k / gs; ++g) static_grids.push_back(FitGroupGrid(w.narrow(1, g * gs, gs), s.bits, s.sym));
  }
  at::Tensor perm = at::arange(k, at::kLong);
  if (s.act_order) {
    perm = std::get<1>(at::sort(h.diagonal(), /*stable=*/true, 0, /*descending=*/true));
    w = w.index_select(1, perm);
    h = h.index_select(0, perm).index_select(1, perm);
    if (dxxt.defined()) dxxt = dxxt.index_select(0, perm).index_select(1, perm);
  }
  at::Tensor u = InverseCholeskyUpper(h, o.damp, report).contiguous();
  at::Tensor p;  // GPTAQ reference correction, strictly upper triangular
  if (dxxt.defined()) p = (o.gptaq_alpha * at::triu(dxxt.mm(u.t()), 1).mm(u)).contiguous();

  // Work on Wᵀ so that a column is a contiguous row of N values.
  at::Tensor wt = w.t().contiguous();                      // [K, N], permuted order
  at::Tensor codes = at::empty({k, n}, at::kFloat);        // [K, N], permuted order
  at::Tensor deq = at::empty({k, n}, at::kFloat);
  at::Tensor err = at::empty({o.block_size, n}, at::kFloat);
  std::vector<GroupGrid> grids;                            // in creation order
  std::vector<int64_t> group_of(static_cast<size_t>(k));  // permuted column -> group row
  const int64_t* perm_p = perm.data_ptr<int64_t>();
  const float* up = u.data_ptr<float>();
  const float* pp = p.defined() ? p.data_ptr<float>() : nullptr;
  float* wp = wt.data_ptr<float>();
  float* cp = codes.data_ptr<float>();
  float* dp = deq.data_ptr<float>();
  float* ep = err.data_ptr<float>();
  const float* scale_p = nullptr;
  const float* zero_p = nullptr;
  for (int64_t i1 = 0; i1 < k; i1 += o.block_size) {
    const int64_t i2 = std::min(i1 + o.block_size, k);
    for (int64_t i = i1; i < i2; ++i) {
      if (!static_grids.empty()) {
        const int64_t g = s.group_size > 0 ? perm_p[i] / gs : 0;  // fixed up front, natural order
        group_of[static_cast<size_t>(i)] = g;
        scale_p = static_grids[static_cast<size_t>(g)].scale.data_ptr<float>();
        zero_p = static_grids[static_cast<size_t>(g)].zero.data_ptr<float>();
      } else {
        if (i % gs == 0) {  // fit on the current (already error-compensated) columns
          grids.push_back(FitGroupGrid(wt.narrow(0, i, gs).t(), s.bits, s.sym));
        }
        group_of[static_cast<size_t>(i)] = static_cast<int64_t>(grids.size()) - 1;
        scale_p = grids.back().scale.data_ptr<float>();
        zero_p = grids.back().zero.data_ptr<float>();
      }
      const float d = up[i * k + i];
      float* col = wp + i * n;
      float* e = ep + (i - i1) * n;
      for (int64_t r = 0; r < n; ++r) {
        float q = std::nearbyint(col[r] / scale_p[r]) + zero_p[r];
        q = std::min(std::max(q, 0.0f), static_cast<float>(maxq));
        const float dq = scale_p[r] * (q - zero_p[r]);
        cp[i * n + r] = q;
        dp[i * n + r] = dq;
        e[r] = (col[r] - dq) / d;
      }
      for (int64_t j = i + 1; j < i2; ++j) {  // in-block update of the later columns
        const float uij = up[i * k + j];
        const float pij = pp != nullptr ? pp[i * k + j] : 0.0f;
        float* cj = wp + j * n;
        for (int64_t r = 0; r < n; ++r) cj[r] -= e[r] * uij - col[r] * pij;
      }
    }
    if (i2 < k) {  // lazy batch update: one GEMM for the rest of the matrix
      at::Tensor rest = wt.narrow(0, i2, k - i2);
      rest.addmm_(u.narrow(0, i1, i2 - i1).narrow(1, i2, k - i2).t(), err.narrow(0, 0, i2 - i1), 1.0, -1.0);
      if (pp != nullptr) {
        rest.addmm_(p.narrow(0, i1, i2 - i1).narrow(1, i2, k - i2).t(), deq.narrow(0, i1, i2 - i1), 1.0, 1.0);
      }
    }
  }

  at::Tensor invperm = at::argsort(perm);
  QuantizedLinear out;
  out.scheme = s;
  out.qweight = codes.index_select(0, invperm).t().contiguous().to(at::kInt);
  std::vector<at::Tensor> sc, ze;
  for (const auto& g : static_grids.empty() ? grids : static_grids) {
    sc.push_back(g.scale);
    ze.push_back(g.zero);
  }
  at::Tensor gidx = at::from_blob(group_of.data(), {k}, at::kLong).clone();
  out.scales = at::stack(sc, 0).contiguous();
  out.zeros = at::stack(ze, 0).to(at::kInt).contiguous();
  out.g_idx = gidx.index_select(0, invperm).to(at::kInt).contiguous();
  report->loss = OutputLoss(weight, out.Dequantize(), h_in);
  report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

QuantizedLinear RtnSolve(const at::Tensor& weight, const QuantScheme& s) {
  const int64_t k = weight.size(1);
  const int64_t gs = s.group_size > 0 ? s.group_size : k;
  if (k % gs != 0) Fail("group size {} does not divide the input width {}", gs, k);
  at::Tensor w = weight.to(at::kFloat);
  std::vector<at::Tensor> codes, sc, ze;
  for (int64_t g = 0; g < k / gs; ++g) {
    at::Tensor part = w.narrow(1, g * gs, gs);
    GroupGrid grid = FitGroupGrid(part, s.bits, s.sym);
    codes.push_back(QuantizeToCodes(part, grid, s.bits));
    sc.push_back(grid.scale);
    ze.push_back(grid.zero);
  }
  QuantizedLinear out;
  out.scheme = s;
  out.scheme.act_order = false;
  out.qweight = at::cat(codes, 1).to(at::kInt).contiguous();
  out.scales = at::stack(sc, 0).contiguous();
  out.zeros = at::stack(ze, 0).to(at::kInt).contiguous();
  out.g_idx = at::arange(k, at::kLong).floor_divide(gs).to(at::kInt).contiguous();
  return out;
}

}  // namespace faq
