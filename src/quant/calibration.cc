// BuildCalibrationSet.
#include "faq/quant/calibration.h"

#include <ATen/ATen.h>

#include <algorithm>

#include "faq/util/error.h"

namespace faq {

CalibrationMode ParseCalibrationMode(const std::string& name) {
  if (name == "concat") return CalibrationMode::kConcat;
  if (name == "per-record") return CalibrationMode::kPerRecord;
  throw UsageError(fmt::format("--calib-mode: expected concat or per-record, got '{}'", name));
}

CalibrationSet BuildCalibrationSet(const std::vector<std::vector<int32_t>>& docs, CalibrationMode mode,
                                   int64_t nsamples, int64_t seqlen, int64_t skip_tokens) {
  if (nsamples <= 0 || seqlen <= 1) Fail("calibration needs nsamples > 0 and seqlen > 1");
  if (skip_tokens < 0) Fail("calibration cannot skip {} tokens", skip_tokens);
  CalibrationSet set;
  if (mode == CalibrationMode::kConcat) {
    std::vector<int64_t> stream;
    for (const auto& d : docs) stream.insert(stream.end(), d.begin(), d.end());
    const int64_t after_skip = std::max<int64_t>(0, static_cast<int64_t>(stream.size()) - skip_tokens);
    const int64_t windows = std::min<int64_t>(nsamples, after_skip / seqlen);
    if (windows == 0) {
      Fail("the calibration data has {} tokens ({} after --calib-skip {}), fewer than one window of --seqlen {}",
           stream.size(), after_skip, skip_tokens, seqlen);
    }
    set.ids = at::from_blob(stream.data() + skip_tokens, {windows, seqlen}, at::kLong).clone();
    set.mask = at::ones({windows, seqlen}, at::TensorOptions().dtype(at::kLong).device(at::kCPU));  // host side, as ids
    return set;
  }
  std::vector<const std::vector<int32_t>*> kept;
  int64_t longest = 0;
  for (const auto& d : docs) {
    if (static_cast<int64_t>(kept.size()) == nsamples) break;
    if (d.size() < 2) continue;  // nothing to predict
    kept.push_back(&d);
    longest = std::max<int64_t>(longest, std::min<int64_t>(seqlen, static_cast<int64_t>(d.size())));
  }
  if (kept.empty()) Fail("no calibration record has at least two tokens");
  const int64_t s = static_cast<int64_t>(kept.size());
  std::vector<int64_t> ids(static_cast<size_t>(s * longest), 0), mask(ids.size(), 0);
  for (int64_t i = 0; i < s; ++i) {
    const auto& d = *kept[static_cast<size_t>(i)];
    const int64_t n = std::min<int64_t>(longest, static_cast<int64_t>(d.size()));
    std::copy(d.begin(), d.begin() + n, ids.begin() + i * longest);
    std::fill(mask.begin() + i * longest, mask.begin() + i * longest + n, 1);
  }
  set.ids = at::from_blob(ids.data(), {s, longest}, at::kLong).clone();
  set.mask = at::from_blob(mask.data(), {s, longest}, at::kLong).clone();
  return set;
}

}  // namespace faq
