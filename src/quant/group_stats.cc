// GroupStats: the requested statistics, each updated once per micro-batch.
#include "faq/quant/group_stats.h"

#include <ATen/ATen.h>

#include <algorithm>

#include "faq/util/error.h"

namespace faq {

StatsRequest& StatsRequest::operator|=(const StatsRequest& other) {
  hessian = hessian || other.hessian || other.fp_delta;
  fp_delta = fp_delta || other.fp_delta;
  abs_mean = abs_mean || other.abs_mean;
  sample_rows = std::max(sample_rows, other.sample_rows);
  return *this;
}

GroupStats::GroupStats(int64_t columns, const StatsRequest& request) : columns_(columns), request_(request) {
  if (request.hessian || request.fp_delta) hessian_.emplace(columns, request.fp_delta);
}

void GroupStats::Add(const at::Tensor& x, const at::Tensor& x_fp) {
  at::Tensor rows = x.reshape({-1, columns_});
  const int64_t m = rows.size(0);
  if (m == 0) return;
  if (hessian_) hessian_->Add(rows, x_fp);
  if (request_.abs_mean) {
    // fp32 per micro-batch, float64 across them: see HessianAccumulator.
    at::Tensor sum = rows.abs().sum(0, /*keepdim=*/false, at::kFloat);
    if (!abs_sum_.defined()) abs_sum_ = at::zeros({columns_}, sum.options().dtype(at::kDouble));
    abs_sum_.add_(sum);
    abs_mean_ = (abs_sum_ / static_cast<double>(rows_ + m)).to(at::kFloat);
  }
  if (sample_kept_ < request_.sample_rows) {
    const int64_t stride = std::max<int64_t>(1, request_.sample_stride);
    const int64_t first = (stride - rows_ % stride) % stride;  // the next row on the global stride
    if (first < m) {
      at::Tensor picked = rows.narrow(0, first, m - first).slice(0, 0, m - first, stride);
      const int64_t take = std::min(picked.size(0), request_.sample_rows - sample_kept_);
      sample_parts_.push_back(picked.narrow(0, 0, take).clone());
      sample_kept_ += take;
    }
  }
  rows_ += m;
}

void GroupStats::AllReduce(const dist::Communicator& comm, at::Device device, std::string_view what) {
  if (!comm.distributed()) return;
  if (hessian_) hessian_->AllReduce(comm, device, what);
  at::Tensor rows = at::full({1}, static_cast<double>(rows_), at::TensorOptions(at::kDouble).device(device));
  comm.AllReduceSum(rows, fmt::format("{} row counts", what));
  const auto total = static_cast<int64_t>(rows.item<double>());
  if (request_.abs_mean) {
    if (!abs_sum_.defined()) abs_sum_ = at::zeros({columns_}, at::TensorOptions(at::kDouble).device(device));
    comm.AllReduceSum(abs_sum_, fmt::format("{} sums of |x|", what));
    abs_mean_ = total > 0 ? (abs_sum_ / static_cast<double>(total)).to(at::kFloat) : at::Tensor();
  }
  rows_ = total;
}

const at::Tensor& GroupStats::H() const {
  FAQ_CHECK(hessian_.has_value(), "the Hessian was not requested");
  return hessian_->H();
}

const at::Tensor& GroupStats::DXXT() const {
  FAQ_CHECK(hessian_.has_value() && request_.fp_delta, "GPTAQ statistics were not requested");
  return hessian_->DXXT();
}

const at::Tensor& GroupStats::AbsMean() const {
  FAQ_CHECK(request_.abs_mean, "mean |x| was not requested");
  FAQ_CHECK(abs_mean_.defined(), "mean |x| of a group that saw no rows");
  return abs_mean_;
}

at::Tensor GroupStats::Sample() const {
  FAQ_CHECK(request_.sample_rows > 0, "an input sample was not requested");
  FAQ_CHECK(!sample_parts_.empty(), "an input sample of a group that saw no rows");
  return at::cat(sample_parts_, 0);
}

}  // namespace faq
