// Second-order statistics of a linear's inputs for GPTQ-family solvers.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string_view>

#include "faq/dist/communicator.h"

namespace faq {

// Accumulates H = (2/n)·Σ x xᵀ over n input rows (tokens) of width K, as a running average
// so that its scale does not grow with the calibration set; with a full-precision stream
// also dXXT = (2/n)·Σ (x_fp − x) xᵀ for GPTAQ. Each Add is one BLAS rank-k update in fp32.
class HessianAccumulator {
 public:
  explicit HessianAccumulator(int64_t columns, bool asymmetric = false);

  // x [.., K]: rows are tokens. x_fp, for GPTAQ, holds the same tokens' full-precision inputs.
  void Add(const at::Tensor& x, const at::Tensor& x_fp = {});

  // fp32 [K, K] on the device of the inputs; undefined until the first rows are added.
  // Data-parallel: makes this rank's H (and ΔXXᵀ) the average over every rank's rows, each
  // rank weighted by its row count, as if one process had seen them all. A rank with no rows
  // contributes zeros on `device`. Every rank must call it.
  void AllReduce(const dist::Communicator& comm, at::Device device, std::string_view what);

  const at::Tensor& H() const { return h_; }
  const at::Tensor& DXXT() const { return dxxt_; }
  int64_t rows() const { return rows_; }
  int64_t columns() const { return columns_; }

 private:
  int64_t columns_;
  bool asymmetric_;
  int64_t rows_ = 0;
  at::Tensor h_;
  at::Tensor dxxt_;
};

}  // namespace faq
