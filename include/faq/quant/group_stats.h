// Statistics of one linear group's input, accumulated over calibration micro-batches:
// exactly what the run's methods asked for (StatsRequest), on the device of the inputs.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "faq/quant/hessian.h"

namespace faq {

// What a method asks the layer loop to collect on each group's input.
struct StatsRequest {
  bool hessian = false;      // H = (2/n)·Σ x xᵀ
  bool fp_delta = false;     // GPTAQ's ΔXXᵀ: needs the full-precision model's inputs too
  bool abs_mean = false;     // per-channel mean |x| (AWQ's activation salience)
  int64_t sample_rows = 0;   // keep up to this many input rows (a search)...
  int64_t sample_stride = 1; // ...every sample_stride-th row in calibration order (set by the loop
                             // so that the sample spreads over the whole set)

  StatsRequest& operator|=(const StatsRequest& other);
  bool Empty() const { return !hessian && !fp_delta && !abs_mean && sample_rows == 0; }
};

class GroupStats {
 public:
  GroupStats(int64_t columns, const StatsRequest& request);

  // x [.., K]: rows are tokens. x_fp: the same tokens' full-precision inputs (fp_delta).
  void Add(const at::Tensor& x, const at::Tensor& x_fp = {});

  // Data-parallel: turns this rank's statistics into those of every rank's rows together
  // (float64 sums of H, ΔXXᵀ and |x|, and the row counts). The input sample stays this rank's own:
  // what a search decides on rank 0 is broadcast by the layer loop. Every rank must call it.
  void AllReduce(const dist::Communicator& comm, at::Device device, std::string_view what);

  int64_t rows() const { return rows_; }
  int64_t columns() const { return columns_; }
  const StatsRequest& request() const { return request_; }
  // Each accessor throws faq::Error (an internal error) when its statistic was not requested.
  const at::Tensor& H() const;
  const at::Tensor& DXXT() const;
  const at::Tensor& AbsMean() const;  // fp32 [K]
  // Up to sample_rows input rows [M, K]: every sample_stride-th row in calibration order, in
  // the inputs' dtype and on their device.
  at::Tensor Sample() const;

 private:
  int64_t columns_;
  StatsRequest request_;
  int64_t rows_ = 0;
  std::optional<HessianAccumulator> hessian_;
  at::Tensor abs_sum_;  // float64
  at::Tensor abs_mean_;
  std::vector<at::Tensor> sample_parts_;
  int64_t sample_kept_ = 0;
};

}  // namespace faq
