// HessianAccumulator: running-average rank-k updates on the inputs' device.
#include "faq/quant/hessian.h"

#include <ATen/ATen.h>

#include <cmath>

#include "faq/quant/cuda_ops.h"
#include "faq/util/error.h"

namespace faq {

HessianAccumulator::HessianAccumulator(int64_t columns, bool asymmetric)
    : columns_(columns), asymmetric_(asymmetric) {}

void HessianAccumulator::Add(const at::Tensor& x_in, const at::Tensor& x_fp_in) {
  at::Tensor x = x_in.reshape({-1, columns_}).to(at::kFloat);
  const int64_t m = x.size(0);
  if (m == 0) return;
  if (!h_.defined()) {  // the statistics live where the inputs do
    h_ = at::zeros({columns_, columns_}, x.options());
    if (asymmetric_) dxxt_ = at::zeros({columns_, columns_}, x.options());
  }
  FAQ_CHECK(x.device() == h_.device(), "inputs on {} added to a Hessian on {}", x.device().str(), h_.device().str());
  const double keep = static_cast<double>(rows_) / static_cast<double>(rows_ + m);
  rows_ += m;
  const double scale = 2.0 / static_cast<double>(rows_);
  // H ← keep·H + (2/n)·xᵀx: one GEMM-rate update (BLAS on the CPU, faq's kernel on a GPU).
  if (x.is_cuda()) {
    HessianUpdateCuda(h_, x, keep, scale);
  } else {
    h_.addmm_(x.t(), x, keep, scale);
  }
  if (dxxt_.defined()) {
    FAQ_CHECK(x_fp_in.defined(), "GPTAQ statistics need the full-precision inputs");
    at::Tensor x_fp = x_fp_in.reshape({-1, columns_}).to(at::kFloat);
    FAQ_CHECK(x_fp.size(0) == m, "full-precision rows {} != quantized rows {}", x_fp.size(0), m);
    dxxt_.addmm_((x_fp - x).t(), x, keep, scale);
  }
}

void HessianAccumulator::AllReduce(const dist::Communicator& comm, at::Device device, std::string_view what) {
  if (!comm.distributed()) return;
  if (!h_.defined()) {
    h_ = at::zeros({columns_, columns_}, at::TensorOptions(at::kFloat).device(device));
    if (asymmetric_) dxxt_ = at::zeros_like(h_);
  }
  // Σ_r n_r·H_r / Σ_r n_r: the running averages weighted by the rows behind them.
  at::Tensor rows = at::full({1}, static_cast<double>(rows_), at::TensorOptions(at::kDouble).device(h_.device()));
  comm.AllReduceSum(rows, fmt::format("{} row counts", what));
  const auto total = static_cast<int64_t>(rows.item<double>());
  for (at::Tensor* t : {&h_, &dxxt_}) {
    if (!t->defined()) continue;
    t->mul_(static_cast<double>(rows_));
    comm.AllReduceSum(*t, fmt::format("{} {}", what, t == &h_ ? "Hessian" : "ΔXXᵀ"));
    if (total > 0) t->div_(static_cast<double>(total));
  }
  rows_ = total;
}

}  // namespace faq
