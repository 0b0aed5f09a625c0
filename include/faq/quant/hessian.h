// Second-order statistics of a linear's inputs for GPTQ-family solvers.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string_view>

#include "faq/dist/communicator.h"

namespace faq {

// Accumulates H = (2/n)·Σ x xᵀ over n input rows (tokens) of width K; with a full-precision
// stream also dXXT = (2/n)·Σ (x_fp − x) xᵀ for GPTAQ. Each Add is one fp32 rank-k product
// (BLAS on the CPU, faq's kernel on a GPU) added to a float64 sum; the division by n happens
// once, when the statistics are first read. Why float64 sums of fp32 products: a micro-batch's
// product is bitwise the same whichever process computes it, so ranks that each sum their
// share and all-reduce the sums differ from one process's sum only by float64 rounding, which
// the final cast to fp32 erases (almost always): data-parallel runs reproduce the single
// process's Hessians, and its codes, exactly. The sums cost 8·K² bytes each (twice the fp32
// Hessian's) while rows are added; reading the statistics frees them.
class HessianAccumulator {
 public:
  explicit HessianAccumulator(int64_t columns, bool asymmetric = false);

  // x [.., K]: rows are tokens. x_fp, for GPTAQ, holds the same tokens' full-precision inputs.
  // Throws faq::Error once the statistics were read.
  void Add(const at::Tensor& x, const at::Tensor& x_fp = {});

  // Data-parallel: makes this rank's sums (and row count) those of every rank's rows, as if
  // one process had seen them all. A rank with no rows contributes zeros on `device`. Every
  // rank must call it, before reading the statistics.
  void AllReduce(const dist::Communicator& comm, at::Device device, std::string_view what);

  // fp32 [K, K] on the device of the inputs; undefined when no rows were added. The first read
  // turns the float64 sums into the fp32 averages and frees the sums.
  const at::Tensor& H() const;
  const at::Tensor& DXXT() const;
  int64_t rows() const { return rows_; }
  int64_t columns() const { return columns_; }

 private:
  void Average() const;

  int64_t columns_;
  bool asymmetric_;
  int64_t rows_ = 0;
  // float64 Σ of fp32 per-Add products, until the first read (mutable: reading averages them).
  mutable at::Tensor h_sum_;
  mutable at::Tensor dxxt_sum_;
  mutable at::Tensor h_;     // fp32 (2/n)·h_sum_, made on the first read
  mutable at::Tensor dxxt_;
};

}  // namespace faq
