// The general options of faq quantize, and the table that adds each method's own.
#include "faq/quant/quantize_options.h"

#include <fmt/format.h>

#include <fmt/ranges.h>

#include <algorithm>

#include "faq/model/device.h"
#include "faq/util/error.h"

namespace faq {
namespace {

std::string OneOfBits(const OptionValue& v) {
  const int64_t b = std::get<int64_t>(v);
  return b == 2 || b == 3 || b == 4 || b == 8 ? "" : "2, 3, 4 or 8";
}
std::string GroupSize(const OptionValue& v) {
  const int64_t g = std::get<int64_t>(v);
  return g > 0 || g == -1 ? "" : "a positive group size or -1 (per channel)";
}
std::string Positive(const OptionValue& v) { return std::get<int64_t>(v) > 0 ? "" : "a positive integer"; }
std::string NonNegative(const OptionValue& v) { return std::get<int64_t>(v) >= 0 ? "" : "an integer >= 0"; }
std::string Format(const OptionValue& v) {
  const auto& s = std::get<std::string>(v);
  return s == "gptq" || s == "awq" || s == "spqr" || s == "fake" ? "" : "gptq, awq, spqr or fake";
}
std::string CalibMode(const OptionValue& v) {
  const auto& s = std::get<std::string>(v);
  return s == "concat" || s == "per-record" ? "" : "concat or per-record";
}
std::string ActivationDtype(const OptionValue& v) {
  const auto& s = std::get<std::string>(v);
  return s == "compute" || s == "fp32" || s == "bf16" || s == "fp16" ? "" : "compute, fp32, bf16 or fp16";
}
std::string Method(const OptionValue& v) {
  try {
    CheckMethodSpec(std::get<std::string>(v));
    return "";
  } catch (const UsageError& e) {
    return std::string("a registered method or transform+solver (") + e.what() + ")";
  }
}

// Getter and setter of one QuantizeParams field.
#define FAQ_FIELD(type, expr)                                                              \
  [](QuantizeParams& p, const OptionValue& v) { expr = static_cast<decltype(expr)>(std::get<type>(v)); }, \
      [](const QuantizeParams& p) -> OptionValue { return static_cast<type>(expr); }

std::vector<QuantizeOption> GeneralOptions() {
  using T = OptionType;
  const std::string none;
  return {
      {{"model", T::kString, none, "Hugging Face model directory"}, {}, FAQ_FIELD(std::string, p.model)},
      {{"calib", T::kString, none, "Calibration JSONL (input_ids, text or messages per record) or .txt"}, {},
       FAQ_FIELD(std::string, p.calib)},
      {{"out", T::kString, none, "Output directory (written to a temporary name, then renamed)"}, {},
       FAQ_FIELD(std::string, p.out)},
      {{"method", T::kString, std::string("gptq"), "A method below, or transform+solver", &Method, {}, "method"}, {},
       FAQ_FIELD(std::string, p.quant.method)},
      {{"bits", T::kInt, int64_t{4}, "Bits per weight", &OneOfBits}, {}, FAQ_FIELD(int64_t, p.quant.scheme.bits)},
      {{"group-size", T::kInt, int64_t{128}, "Input columns per group; -1 = per channel", &GroupSize}, {},
       FAQ_FIELD(int64_t, p.quant.scheme.group_size)},
      {{"sym", T::kBool, true, "Symmetric (the portable v1 GPTQ format); --asym: asymmetric (gptq_v2)", nullptr,
        "asym"}, {}, FAQ_FIELD(bool, p.quant.scheme.sym)},
      {{"act-order", T::kBool, false, "Process columns by decreasing Hessian diagonal (desc_act)"}, {},
       FAQ_FIELD(bool, p.quant.scheme.act_order)},
      {{"static-groups", T::kBool, false, "Fix group grids before act-order (g_idx stays k // group)"}, {},
       FAQ_FIELD(bool, p.quant.scheme.static_groups)},
      {{"true-sequential", T::kBool, false, "Quantize q/k/v → o → gate/up → down in turn", nullptr, {},
        "true_sequential"}, {}, FAQ_FIELD(bool, p.quant.true_sequential)},
      {{"nsamples", T::kInt, int64_t{256}, "Calibration samples", &Positive}, {}, FAQ_FIELD(int64_t, p.nsamples)},
      {{"seqlen", T::kInt, int64_t{2048}, "Tokens per calibration sample", &Positive}, {},
       FAQ_FIELD(int64_t, p.seqlen)},
      {{"calib-mode", T::kString, std::string("concat"),
        "concat: windows cut from the concatenated records (GPTQ protocol); per-record: one sample per record, "
        "padded with a mask (the natural mode for a FAQ set of conversations)", &CalibMode}, {},
       FAQ_FIELD(std::string, p.calib_mode)},
      {{"calib-skip", T::kInt, int64_t{0},
        "concat: tokens skipped before the first window, e.g. to keep calibration off the windows an evaluation of "
        "the same text reads", &NonNegative}, {}, FAQ_FIELD(int64_t, p.calib_skip)},
      {{"micro-batch", T::kInt, int64_t{4}, "Calibration samples per forward call", &Positive}, {},
       FAQ_FIELD(int64_t, p.quant.micro_batch)},
      {{"format", T::kString, std::string("gptq"),
        "gptq (packed, vLLM-loadable) | awq (AutoAWQ GEMM layout, 4-bit, vLLM-loadable) | spqr (faq's SpQR layout, "
        "the default for --method spqr) | fake (dequantized weights)",
        &Format}, {}, FAQ_FIELD(std::string, p.format)},
      {DeviceOptionSpec(), {}, FAQ_FIELD(std::string, p.device)},
      {DtypeOptionSpec("auto"), {}, FAQ_FIELD(std::string, p.dtype)},
      {{"activation-dtype", T::kString, std::string("compute"),
        "The calibration hidden states kept between layers: compute (the forward passes' dtype) | fp32 | bf16 | fp16. "
        "bf16 with fp32 forward passes halves their memory; results then differ from an all-fp32 run", &ActivationDtype}, {}, FAQ_FIELD(std::string, p.activation_dtype)},
      {{"max-memory-mb", T::kInt, int64_t{0}, "Refuse to start above this planned host peak (0 = 90% of available)",
        &NonNegative}, {}, FAQ_FIELD(int64_t, p.max_memory_mb)},
      {{"offload-dir", T::kString, none,
        "Keep the calibration activations in a file in this directory (paged by the kernel) instead of memory, "
        "for calibration sets that would not fit"}, {}, FAQ_FIELD(std::string, p.quant.offload_dir)},
      {{"resume", T::kBool, true,
        "Record each finished layer in a work directory and, when the same command runs again after an "
        "interruption, continue from the first unfinished one (the directory is deleted once the checkpoint is "
        "written); --no-resume: keep nothing until the end"}, {}, FAQ_FIELD(bool, p.resume)},
      {{"work-dir", T::kString, none, "The resume work directory (default: <out>.faq-work beside --out)"}, {},
       FAQ_FIELD(std::string, p.work_dir)},
  };
}
#undef FAQ_FIELD

std::vector<QuantizeOption> BuildTable() {
  std::vector<QuantizeOption> table = GeneralOptions();
  for (const auto& row : MethodTable()) {
    for (const auto& spec : row.options) {
      auto it = std::find_if(table.begin(), table.end(), [&](const auto& o) { return o.spec.flag == spec.flag; });
      if (it == table.end()) {
        table.push_back({spec, {row.name}});
      } else {
        FAQ_CHECK(!it->methods.empty(), "method option --{} shadows a general option", spec.flag);
        it->methods.emplace_back(row.name);
      }
    }
  }
  return table;
}

}  // namespace

const std::vector<QuantizeOption>& QuantizeOptions() {
  static const std::vector<QuantizeOption> table = BuildTable();
  return table;
}

std::vector<OptionSpec> QuantizeOptionSpecs() {
  std::vector<OptionSpec> out;
  for (const auto& o : QuantizeOptions()) out.push_back(o.spec);
  return out;
}

const QuantizeOption* FindQuantizeOption(std::string_view name) {
  for (const auto& o : QuantizeOptions()) {
    if (o.spec.flag == name || YamlKey(o.spec.flag) == name) return &o;
  }
  return nullptr;
}

void SetOption(QuantizeParams& p, const QuantizeOption& option, const OptionValue& value) {
  if (option.set != nullptr) {
    option.set(p, value);
  } else {
    p.quant.method_options.Set(YamlKey(option.spec.flag), value);
  }
}

OptionValue GetOption(const QuantizeParams& p, const QuantizeOption& option) {
  return option.get != nullptr ? option.get(p) : p.quant.method_options.Get(YamlKey(option.spec.flag));
}

namespace {

bool Reads(const QuantizeOption& option, const std::vector<std::string>& parts) {
  if (option.methods.empty()) return true;
  return std::any_of(parts.begin(), parts.end(), [&](const std::string& part) {
    return std::find(option.methods.begin(), option.methods.end(), part) != option.methods.end();
  });
}

std::vector<std::string> PartsOf(const std::string& method) {
  const size_t plus = method.find('+');
  if (plus == std::string::npos) return {method};
  return {method.substr(0, plus), method.substr(plus + 1)};
}

}  // namespace

void CheckOptionsApply(const QuantizeParams& p, const std::set<std::string>& given) {
  const std::vector<std::string> parts = PartsOf(p.quant.method);
  for (const std::string& key : given) {
    const QuantizeOption* option = FindQuantizeOption(key);
    if (option == nullptr || Reads(*option, parts)) continue;
    throw UsageError(fmt::format("--{} does not apply to method '{}' (it is read by {})", option->spec.flag,
                                 p.quant.method, fmt::join(option->methods, ", ")));
  }
}

nlohmann::json QuantConfigExtras(const QuantizeParams& p) {
  const std::vector<std::string> parts = PartsOf(p.quant.method);
  nlohmann::json extras = nlohmann::json::object();
  for (const auto& option : QuantizeOptions()) {
    if (option.spec.quant_config_key.empty() || !Reads(option, parts)) continue;
    std::visit([&](const auto& v) { extras[std::string(option.spec.quant_config_key)] = v; }, GetOption(p, option));
  }
  return extras;
}

void CheckModuleRule(const ModuleRule& rule, std::string_view where) {
  if (rule.bits) CheckOptionValue(FindQuantizeOption("bits")->spec, int64_t{*rule.bits}, fmt::format("{}.bits", where));
  if (rule.group_size) {
    CheckOptionValue(FindQuantizeOption("group-size")->spec, *rule.group_size, fmt::format("{}.group_size", where));
  }
}

}  // namespace faq
