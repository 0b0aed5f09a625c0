// The resume fingerprint of faq quantize, read off the option table.
#include "cli/quantize_resume.h"

#include <ATen/ATen.h>

#include <set>
#include <string_view>

#include "faq/pipeline/run_manifest.h"

namespace faq::cli {
namespace {

// Options that do not change any quantized layer: inputs fingerprinted by content instead
// of by path, where things are written, memory placement, and the export format.
const std::set<std::string_view>& NotFingerprinted() {
  static const std::set<std::string_view> names = {"model", "calib", "out", "format", "max-memory-mb",
                                                   "offload-dir", "resume", "work-dir"};
  return names;
}

std::string TensorBytesFingerprint(const at::Tensor& ids, const at::Tensor& mask) {
  std::string bytes;
  for (const at::Tensor& t : {ids, mask}) {
    const at::Tensor c = t.to(at::kCPU).contiguous();
    bytes.append(static_cast<const char*>(c.data_ptr()), c.nbytes());
    bytes.push_back('|');
  }
  return TextFingerprint(bytes);
}

nlohmann::json RulesJson(const std::vector<ModuleRule>& rules) {
  nlohmann::json out = nlohmann::json::array();
  for (const ModuleRule& r : rules) {
    nlohmann::json j = {{"pattern", r.pattern}, {"skip", r.skip}};
    if (r.bits) j["bits"] = *r.bits;
    if (r.group_size) j["group_size"] = *r.group_size;
    if (r.sym) j["sym"] = *r.sym;
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace

std::filesystem::path WorkDirOf(const QuantizeParams& p) {
  if (!p.work_dir.empty()) return p.work_dir;
  std::filesystem::path out = std::filesystem::path(p.out).lexically_normal();
  if (!out.has_filename()) out = out.parent_path();  // "dir/" names "dir"
  return out.string() + ".faq-work";
}

nlohmann::json QuantizeFingerprint(const QuantizeParams& p, const CalibrationSet& calib) {
  nlohmann::json options = nlohmann::json::object();
  for (const auto& option : QuantizeOptions()) {
    if (NotFingerprinted().count(option.spec.flag) > 0) continue;
    std::visit([&](const auto& v) { options[YamlKey(option.spec.flag)] = v; }, GetOption(p, option));
  }
  return {{"model", ContentFingerprint(p.model)},
          {"calibration", calib.Samples() > 0 ? TensorBytesFingerprint(calib.ids, calib.mask) : "none"},
          {"options", options},
          {"modules", RulesJson(p.quant.rules)}};
}

}  // namespace faq::cli
