// HessianAccumulator: fp32 rank-k products summed in float64 on the inputs' device.
#include "faq/quant/hessian.h"

#include <ATen/ATen.h>

#include <algorithm>

#include "faq/quant/cuda_ops.h"
#include "faq/util/error.h"

namespace faq {
namespace {

// xᵀx of one Add in fp32: the same bits whichever process computes it (at one thread count).
// On the CPU only the row blocks from the diagonal rightwards are multiplied and the rest is
// mirrored (the product is symmetric): about 0.55–0.65 of one GEMM's flops for 2k–6k columns.
at::Tensor Product(const at::Tensor& x) {
  const int64_t k = x.size(1);
  if (x.is_cuda()) {
    at::Tensor out = at::zeros({k, k}, x.options());
    HessianUpdateCuda(out, x, /*keep=*/0.0, /*scale=*/1.0);
    return out;
  }
  constexpr int64_t kBlock = 512;
  if (k < 2 * kBlock) return at::mm(x.t(), x);
  at::Tensor out = at::empty({k, k}, x.options());
  for (int64_t i = 0; i < k; i += kBlock) {
    const int64_t rows = std::min(kBlock, k - i);
    const at::Tensor block = at::mm(x.narrow(1, i, rows).t(), x.narrow(1, i, k - i));  // [rows, k − i]
    out.narrow(0, i, rows).narrow(1, i, k - i).copy_(block);
    out.narrow(0, i + rows, k - i - rows).narrow(1, i, rows).copy_(block.narrow(1, rows, k - i - rows).t());
  }
  return out;
}

}  // namespace

HessianAccumulator::HessianAccumulator(int64_t columns, bool asymmetric)
    : columns_(columns), asymmetric_(asymmetric) {}

void HessianAccumulator::Add(const at::Tensor& x_in, const at::Tensor& x_fp_in) {
  FAQ_CHECK(!h_.defined(), "rows added to a Hessian that was already read");
  at::Tensor x = x_in.reshape({-1, columns_}).to(at::kFloat).contiguous();
  const int64_t m = x.size(0);
  if (m == 0) return;
  if (!h_sum_.defined()) {  // the statistics live where the inputs do
    h_sum_ = at::zeros({columns_, columns_}, x.options().dtype(at::kDouble));
    if (asymmetric_) dxxt_sum_ = at::zeros_like(h_sum_);
  }
  FAQ_CHECK(x.device() == h_sum_.device(), "inputs on {} added to a Hessian on {}", x.device().str(),
            h_sum_.device().str());
  rows_ += m;
  h_sum_.add_(Product(x));
  if (dxxt_sum_.defined()) {
    FAQ_CHECK(x_fp_in.defined(), "GPTAQ statistics need the full-precision inputs");
    at::Tensor x_fp = x_fp_in.reshape({-1, columns_}).to(at::kFloat);
    FAQ_CHECK(x_fp.size(0) == m, "full-precision rows {} != quantized rows {}", x_fp.size(0), m);
    dxxt_sum_.add_(at::mm((x_fp - x).t(), x));
  }
}

void HessianAccumulator::AllReduce(const dist::Communicator& comm, at::Device device, std::string_view what) {
  if (!comm.distributed()) return;
  FAQ_CHECK(!h_.defined(), "{}: a Hessian that was already read cannot be all-reduced", what);
  if (!h_sum_.defined()) {
    h_sum_ = at::zeros({columns_, columns_}, at::TensorOptions(at::kDouble).device(device));
    if (asymmetric_) dxxt_sum_ = at::zeros_like(h_sum_);
  }
  at::Tensor rows = at::full({1}, static_cast<double>(rows_), at::TensorOptions(at::kDouble).device(h_sum_.device()));
  comm.AllReduceSum(rows, fmt::format("{} row counts", what));
  rows_ = static_cast<int64_t>(rows.item<double>());
  comm.AllReduceSum(h_sum_, fmt::format("{} Hessian", what));
  if (dxxt_sum_.defined()) comm.AllReduceSum(dxxt_sum_, fmt::format("{} ΔXXᵀ", what));
}

void HessianAccumulator::Average() const {
  if (!h_sum_.defined()) return;  // no rows, or already averaged
  const double scale = rows_ > 0 ? 2.0 / static_cast<double>(rows_) : 0.0;
  h_ = h_sum_.mul_(scale).to(at::kFloat);
  h_sum_ = at::Tensor();
  if (dxxt_sum_.defined()) {
    dxxt_ = dxxt_sum_.mul_(scale).to(at::kFloat);
    dxxt_sum_ = at::Tensor();
  }
}

const at::Tensor& HessianAccumulator::H() const {
  Average();
  return h_;
}

const at::Tensor& HessianAccumulator::DXXT() const {
  Average();
  return dxxt_;
}

}  // namespace faq
