// Validation of quantized linears before export, and the quantization_config block.
#include "gptq_export_checks.h"

#include <ATen/ATen.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

#include "faq/format/gptq_format.h"
#include "faq/util/error.h"

namespace faq::export_detail {
namespace {

using Json = nlohmann::json;

// Sibling linears vLLM loads into one fused parameter set (one shared g_idx).
constexpr std::array<std::array<std::string_view, 3>, 2> kFusedFamilies = {{
    {"q_proj", "k_proj", "v_proj"},
    {"gate_proj", "up_proj", ""},
}};

std::string SchemeText(const QuantScheme& s) {
  return fmt::format("bits={} group_size={} sym={} act_order={} static_groups={}", s.bits, s.group_size, s.sym,
                     s.act_order, s.static_groups);
}

bool SameScheme(const QuantScheme& a, const QuantScheme& b) {
  return a.bits == b.bits && a.group_size == b.group_size && a.sym == b.sym && a.act_order == b.act_order &&
         a.static_groups == b.static_groups;
}

bool IsInteger(const at::Tensor& t) { return t.defined() && at::isIntegralType(t.scalar_type(), false); }

void ExpectShape(const std::string& layer, const char* what, const at::Tensor& t, std::vector<int64_t> shape) {
  if (!t.defined() || t.sizes().vec() != shape) {
    Fail("quantized linear '{}': {} has shape [{}], expected [{}]", layer, what,
         t.defined() ? fmt::format("{}", fmt::join(t.sizes(), ", ")) : "undefined", fmt::join(shape, ", "));
  }
}

void CheckOne(const std::string& name, const QuantizedLinear& l, const SafetensorsReader& source, bool packed) {
  const std::string weight = name + ".weight";
  if (!source.Contains(weight)) {
    Fail("quantized linear '{}': the source model '{}' has no tensor '{}'", name, source.dir().string(), weight);
  }
  const auto& shape = source.Entry(weight).shape;
  if (shape.size() != 2) Fail("quantized linear '{}': source tensor '{}' is not a matrix", name, weight);
  const int64_t n = shape[0], k = shape[1];
  const QuantScheme& s = l.scheme;
  CheckGptqBits(s.bits, fmt::format("quantized linear '{}'", name));
  if (s.group_size == 0 || s.group_size < -1) {
    Fail("quantized linear '{}': group_size must be positive or -1, got {}", name, s.group_size);
  }
  if (s.group_size > 0 && k % s.group_size != 0) {
    Fail("quantized linear '{}': in_features {} is not a multiple of group_size {} (GPTQ loaders allocate "
         "in_features / group_size groups)",
         name, k, s.group_size);
  }
  const int64_t groups = s.group_size > 0 ? k / s.group_size : 1;
  // SpQR's zero points are quantized themselves, so they are fractional (and may leave [0, maxq]).
  const bool fractional_zeros = l.HasSpqrParts() && l.zeros.defined() && at::isFloatingType(l.zeros.scalar_type());
  if (!IsInteger(l.qweight) || !(IsInteger(l.zeros) || fractional_zeros) || !IsInteger(l.g_idx)) {
    Fail("quantized linear '{}': qweight, zeros and g_idx must be integer tensors", name);
  }
  if (!l.scales.defined() || !at::isFloatingType(l.scales.scalar_type())) {
    Fail("quantized linear '{}': scales must be a floating-point tensor", name);
  }
  ExpectShape(name, "qweight", l.qweight, {n, k});
  ExpectShape(name, "scales", l.scales, {groups, n});
  ExpectShape(name, "zeros", l.zeros, {groups, n});
  ExpectShape(name, "g_idx", l.g_idx, {k});
  if (l.bias.defined()) {
    ExpectShape(name, "bias", l.bias, {n});
    if (!source.Contains(name + ".bias")) {
      Fail("quantized linear '{}' has a bias but the source model has no '{}.bias'; the config would not load it",
           name, name);
    }
  }
  const int64_t maxq = (int64_t{1} << s.bits) - 1;
  auto check_range = [&](const at::Tensor& t, const char* what, int64_t hi) {
    if (t.numel() > 0 && (t.min().item<int64_t>() < 0 || t.max().item<int64_t>() > hi)) {
      Fail("quantized linear '{}': {} must lie in [0, {}], found [{}, {}]", name, what, hi, t.min().item<int64_t>(),
           t.max().item<int64_t>());
    }
  };
  check_range(l.qweight, "qweight codes", maxq);
  if (!fractional_zeros) check_range(l.zeros, "zero points", maxq);
  check_range(l.g_idx, "g_idx", groups - 1);
  if (s.sym && l.zeros.numel() > 0 && !l.zeros.eq(int64_t{1} << (s.bits - 1)).all().item<bool>()) {
    // Marlin ignores qzeros and assumes the midpoint, so any other zero would dequantize wrongly.
    Fail("quantized linear '{}': symmetric scheme but zero points differ from {}", name, int64_t{1} << (s.bits - 1));
  }
  if (!l.scales.isfinite().all().item<bool>()) Fail("quantized linear '{}': scales are not all finite", name);
  if (packed) {
    CheckGptqShape(n, k, s.bits, fmt::format("quantized linear '{}'", name));
    if (l.scales.numel() > 0 && l.scales.abs().max().item<double>() > 65504.0) {
      Fail("quantized linear '{}': a scale exceeds the fp16 range (65504) GPTQ stores scales in", name);
    }
  }
}

// Siblings of one fused family share g_idx and must all be quantized or all not.
void CheckFused(const std::map<std::string, QuantizedLinear>& linears, const SafetensorsReader& source) {
  for (const auto& [name, l] : linears) {
    const size_t dot = name.rfind('.');
    const std::string parent = dot == std::string::npos ? "" : name.substr(0, dot + 1);
    const std::string_view leaf = std::string_view(name).substr(parent.size());
    for (const auto& family : kFusedFamilies) {
      if (leaf != family[0]) continue;  // check each family once, from its first member
      std::vector<std::string_view> members;
      for (std::string_view m : family) {
        if (!m.empty()) members.push_back(m);
      }
      for (std::string_view m : members) {
        if (m == family[0]) continue;
        const std::string sibling = parent + std::string(m);
        auto it = linears.find(sibling);
        if (it == linears.end()) {
          if (!source.Contains(sibling + ".weight")) continue;
          Fail("'{}' is quantized but its fused sibling '{}' is not; vLLM loads {} as one layer, so quantize "
               "all or none",
               name, sibling, fmt::join(members, "/"));
        }
        if (!at::equal(l.g_idx.to(at::kLong), it->second.g_idx.to(at::kLong))) {
          Fail("'{}' and '{}' have different g_idx; vLLM fuses {} into one layer with a single g_idx (compute "
               "the act-order permutation once from the shared Hessian)",
               name, sibling, fmt::join(members, "/"));
        }
      }
    }
  }
}

}  // namespace

QuantScheme ValidateLinears(const std::map<std::string, QuantizedLinear>& linears, const SafetensorsReader& source,
                            bool packed) {
  if (linears.empty() && !packed) return QuantScheme{};  // a rescaled, unquantized model (transforms only)
  if (linears.empty()) Fail("export: no quantized linears given");
  const auto& [first_name, first] = *linears.begin();
  for (const auto& [name, l] : linears) {
    if (packed && !SameScheme(l.scheme, first.scheme)) {
      // config.json carries one quantization_config for the whole model.
      Fail("quantized linears '{}' ({}) and '{}' ({}) use different schemes; a GPTQ checkpoint has one", first_name,
           SchemeText(first.scheme), name, SchemeText(l.scheme));
    }
  }
  for (const auto& [name, l] : linears) CheckOne(name, l, source, packed);
  CheckFused(linears, source);
  return first.scheme;
}

bool NeedsActOrder(const std::map<std::string, QuantizedLinear>& linears) {
  for (const auto& [name, l] : linears) {
    const int64_t k = l.g_idx.size(0);
    const int64_t gs = l.scheme.group_size > 0 ? l.scheme.group_size : std::max<int64_t>(k, 1);
    if (!at::equal(l.g_idx.to(at::kLong), at::floor_divide(at::arange(k, at::kLong), gs))) return true;
  }
  return false;
}

nlohmann::ordered_json BuildQuantizationConfig(const QuantScheme& scheme, bool desc_act, bool v1,
                                               const nlohmann::json& extra, const std::string& producer) {
  nlohmann::ordered_json q;
  q["quant_method"] = "gptq";
  q["bits"] = scheme.bits;
  q["group_size"] = scheme.group_size;
  q["desc_act"] = desc_act;
  q["sym"] = scheme.sym;
  q["static_groups"] = scheme.static_groups;
  q["checkpoint_format"] = v1 ? "gptq" : "gptq_v2";
  q["lm_head"] = false;
  q["true_sequential"] = true;
  q["damp_percent"] = 0.01;
  q["meta"] = {{"quantizer", producer}};
  MergeExtraConfig(q, extra, {"quant_method", "bits", "group_size", "desc_act", "sym", "static_groups",
                              "checkpoint_format", "lm_head"});
  return q;
}

void MergeExtraConfig(nlohmann::ordered_json& q, const nlohmann::json& extra,
                      std::initializer_list<std::string_view> layout_keys) {
  if (extra.is_null()) return;
  if (!extra.is_object()) Fail("export: extra quantization config must be a JSON object, got {}", extra.dump());
  // Keys that describe the stored layout come from the linears themselves; the caller may
  // repeat them but not contradict them.
  for (const auto& [key, value] : extra.items()) {
    bool layout = std::find(layout_keys.begin(), layout_keys.end(), key) != layout_keys.end();
    if (layout) {
      if (nlohmann::json(q[key]) != value) {
        Fail("export: extra quantization config sets {} = {} but the quantized layers imply {}", key, value.dump(),
             q[key].dump());
      }
    } else if (key == "meta" && value.is_object()) {
      for (const auto& [mk, mv] : value.items()) q["meta"][mk] = mv;
    } else {
      q[key] = value;
    }
  }
}

void CheckAwqLinears(const std::map<std::string, QuantizedLinear>& linears) {
  for (const auto& [name, l] : linears) {
    if (l.scheme.bits != 4) Fail("quantized linear '{}': the AWQ GEMM layout stores 4 bits, not {}", name, l.scheme.bits);
    if (l.qweight.size(0) % 8 != 0) {
      Fail("quantized linear '{}': out_features {} is not a multiple of 8 (AWQ packs 8 output columns a word)", name,
           l.qweight.size(0));
    }
  }
  if (NeedsActOrder(linears)) Fail("the AWQ layout has no g_idx: quantize without --act-order for --format awq");
}

nlohmann::ordered_json BuildAwqQuantizationConfig(const QuantScheme& scheme, const std::vector<std::string>& not_converted,
                                                  const nlohmann::json& extra, const std::string& producer) {
  nlohmann::ordered_json q;
  q["quant_method"] = "awq";
  q["bits"] = scheme.bits;
  q["group_size"] = scheme.group_size;
  q["zero_point"] = true;
  q["version"] = "gemm";
  q["modules_to_not_convert"] = not_converted.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(not_converted);
  q["meta"] = {{"quantizer", producer}};
  MergeExtraConfig(q, extra, {"quant_method", "bits", "group_size", "zero_point", "version"});
  return q;
}

}  // namespace faq::export_detail
