// The steps of a data-parallel quantize run that move data between ranks: each rank's share
// of the calibration set, the layer weights a transform chose on rank 0, and the linears
// each rank solved. In a world of one they change nothing.
#pragma once

#include <string_view>

#include "faq/dist/communicator.h"
#include "faq/model/weights.h"
#include "faq/quant/calibration.h"
#include "faq/quant/model_quantizer.h"

namespace faq {

// This rank's contiguous share of the samples, cut on `micro_batch` boundaries so that each
// sample runs in the same micro-batch as in a single process (batch composition changes
// rounding); shares then differ by at most one micro-batch. With fewer micro-batches than
// ranks, shares of single samples. Throws faq::Error when there are fewer samples than ranks.
CalibrationSet ShardCalibration(const CalibrationSet& calib, int64_t micro_batch, const dist::Communicator& comm);

// Rank `root`'s tensors of `w` on every rank. A tensor that arrives equal to this rank's is
// kept as it was (so unchanged tensors are not recorded as replaced).
void BroadcastLayer(DecoderLayerWeights& w, const dist::Communicator& comm, int root, at::Device device,
                    std::string_view what);

// Gives every rank what every rank solved: each rank's `mine` (linears and report rows)
// travels as a layer record, byte for byte, and is added to `all`.
void ExchangeSolved(const ModelQuantizerResult& mine, const dist::Communicator& comm, at::Device device,
                    std::string_view what, ModelQuantizerResult& all);

}  // namespace faq
