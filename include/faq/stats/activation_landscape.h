// The paper's Figure 4/5 data: |x| over tokens × channels of one linear input for one
// calibration sample, max-pooled down to a grid small enough to draw (every spike survives
// pooling by max, which is what the pictures are about).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace faq {

struct ActivationLandscape {
  int64_t tokens = 0;    // tokens of the sample before pooling
  int64_t channels = 0;  // channels before pooling
  int64_t rows = 0;      // grid rows (token bins)
  int64_t cols = 0;      // grid columns (channel bins)
  std::vector<float> cells;  // row-major [rows, cols]: max |x| in each bin
};

// rows [T, K] (the tokens of one sample, in order) → a grid of at most max_rows × max_cols.
ActivationLandscape PoolLandscape(const at::Tensor& rows, int64_t max_rows, int64_t max_cols);

}  // namespace faq
