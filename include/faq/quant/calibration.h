// Calibration samples for quantization, built from token documents.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace faq {

enum class CalibrationMode {
  kConcat,     // concatenate every document, cut windows of `seqlen` (the GPTQ protocol)
  kPerRecord,  // one sample per document, truncated to `seqlen`, padded with a mask
};

CalibrationMode ParseCalibrationMode(const std::string& name);  // "concat" | "per-record"

struct CalibrationSet {
  at::Tensor ids;   // int64 [S, T]
  at::Tensor mask;  // int64 [S, T], 1 = real token, 0 = padding (all ones in concat mode)
  int64_t Samples() const { return ids.size(0); }
  int64_t Tokens() const { return mask.sum().item<int64_t>(); }
};

// Takes the first `nsamples` windows (concat) or documents (per-record) in file order, so
// the same file always gives the same set. Concat windows start `skip_tokens` into the
// concatenated stream (so calibration can stay off the windows an evaluation reads).
// Per-record samples are right-padded to the longest kept sample. Throws faq::Error when
// no sample can be built.
CalibrationSet BuildCalibrationSet(const std::vector<std::vector<int32_t>>& documents, CalibrationMode mode,
                                   int64_t nsamples, int64_t seqlen, int64_t skip_tokens = 0);

}  // namespace faq
