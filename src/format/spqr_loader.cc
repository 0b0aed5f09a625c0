// ReadSpqrConfig and DequantizeSpqrWeight.
#include "faq/format/spqr_loader.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "faq/format/gptq_format.h"
#include "faq/format/tensor_io.h"
#include "faq/util/error.h"

namespace faq {
namespace {

const nlohmann::json* SpqrBlock(const nlohmann::json& config) {
  for (const nlohmann::json* scope : {&config, config.contains("text_config") ? &config["text_config"] : nullptr}) {
    if (scope == nullptr || !scope->is_object()) continue;
    auto it = scope->find("quantization_config");
    if (it != scope->end() && it->is_object() && it->value("quant_method", "") == "spqr") return &*it;
  }
  return nullptr;
}

int64_t PositiveField(const nlohmann::json& q, const char* key, std::string_view label) {
  auto it = q.find(key);
  if (it == q.end() || !it->is_number_integer() || it->get<int64_t>() <= 0) {
    Fail("{}: SpQR quantization_config.{} must be a positive integer, got {}", label, key,
         it == q.end() ? "nothing" : it->dump());
  }
  return it->get<int64_t>();
}

}  // namespace

std::optional<SpqrLayout> ReadSpqrConfig(const nlohmann::json& model_config, std::string_view label) {
  const nlohmann::json* q = SpqrBlock(model_config);
  if (q == nullptr) return std::nullopt;
  SpqrLayout layout;
  layout.bits = static_cast<int>(PositiveField(*q, "bits", label));
  layout.group_size = PositiveField(*q, "group_size", label);
  layout.stat_bits = static_cast<int>(PositiveField(*q, "stat_bits", label));
  layout.stat_group_size = PositiveField(*q, "stat_group_size", label);
  CheckGptqBits(layout.bits, std::string(label) + ": quantization_config.bits");
  CheckGptqBits(layout.stat_bits, std::string(label) + ": quantization_config.stat_bits");
  return layout;
}

at::Tensor DequantizeSpqrWeight(const SafetensorsReader& reader, const std::string& prefix, const SpqrLayout& layout,
                                int64_t out_features, int64_t in_features) {
  const std::string label = fmt::format("model '{}': SpQR layer '{}'", reader.dir().string(), prefix);
  auto get = [&](const std::string& suffix) -> at::Tensor {
    const std::string name = prefix + "." + suffix;
    if (!reader.Contains(name)) return {};
    const at::ScalarType stored = ToScalarType(reader.Entry(name).dtype);
    return LoadTensor(reader, name, stored);
  };
  return UnpackSpqrLinear(get, layout, out_features, in_features, label).Dequantize();
}

}  // namespace faq
