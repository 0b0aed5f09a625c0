// ReadGptqConfig and DequantizeGptqWeight.
#include "faq/format/gptq_loader.h"

#include <ATen/ATen.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "faq/format/tensor_io.h"
#include "faq/format/gptq_format.h"
#include "faq/util/error.h"

namespace faq {
namespace {

using Json = nlohmann::json;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

const Json* FindBlock(const Json& config) {
  if (!config.is_object()) return nullptr;
  for (const Json* scope : {&config, config.contains("text_config") ? &config["text_config"] : nullptr}) {
    if (scope == nullptr || !scope->is_object()) continue;
    auto it = scope->find("quantization_config");
    if (it != scope->end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

template <typename T>
T Field(const Json& q, const char* key, T fallback, std::string_view label) {
  auto it = q.find(key);
  if (it == q.end() || it->is_null()) return fallback;
  try {
    if constexpr (std::is_same_v<T, bool>) {
      if (!it->is_boolean()) throw std::runtime_error("not a boolean");
    } else if constexpr (std::is_integral_v<T>) {
      if (!it->is_number_integer()) throw std::runtime_error("not an integer");
    } else {
      if (!it->is_string()) throw std::runtime_error("not a string");
    }
    return it->get<T>();
  } catch (const std::exception&) {
    Fail("{}: quantization_config.{} has the wrong type: {}", label, key, it->dump());
  }
}

void ExpectShape(const SafetensorsReader& reader, const std::string& name, const std::vector<int64_t>& shape,
                 std::string_view why) {
  const auto& actual = reader.Entry(name).shape;
  if (actual != shape) {
    Fail("model '{}': GPTQ tensor '{}' has shape [{}], expected [{}] ({})", reader.dir().string(), name,
         fmt::join(actual, ", "), fmt::join(shape, ", "), why);
  }
}

void ExpectDType(const SafetensorsReader& reader, const std::string& name, bool integer) {
  at::ScalarType t = ToScalarType(reader.Entry(name).dtype);
  bool ok = integer ? (t == at::kInt || t == at::kLong) : at::isFloatingType(t);
  if (!ok) {
    Fail("model '{}': GPTQ tensor '{}' has dtype {}, expected {}", reader.dir().string(), name, c10::toString(t),
         integer ? "int32" : "a floating-point type");
  }
}

}  // namespace

std::optional<GptqCheckpointConfig> ReadGptqConfig(const nlohmann::json& model_config, std::string_view label) {
  const Json* q = FindBlock(model_config);
  if (q == nullptr) return std::nullopt;
  if (!q->is_object()) Fail("{}: quantization_config must be an object, got {}", label, q->dump());
  std::string method = Lower(Field<std::string>(*q, "quant_method", "", label));
  if (method != "gptq") {
    Fail("{}: quantization_config.quant_method is '{}'; faq reads GPTQ and AWQ (GEMM) checkpoints", label,
         method.empty() ? "(missing)" : method);
  }
  GptqCheckpointConfig c;
  c.bits = static_cast<int>(Field<int64_t>(*q, "bits", -1, label));
  CheckGptqBits(c.bits, std::string(label) + ": quantization_config.bits");
  c.group_size = Field<int64_t>(*q, "group_size", -1, label);
  if (c.group_size == 0 || c.group_size < -1) {
    Fail("{}: quantization_config.group_size must be positive or -1, got {}", label, c.group_size);
  }
  c.sym = Field<bool>(*q, "sym", true, label);
  c.desc_act = Field<bool>(*q, "desc_act", false, label);
  // GPTQModel writes both keys; AutoGPTQ only checkpoint_format; absent means v1.
  std::string format = Lower(Field<std::string>(*q, "checkpoint_format", Field<std::string>(*q, "format", "gptq", label), label));
  if (format == "gptq" || format.empty()) {
    c.v1 = true;
  } else if (format == "gptq_v2") {
    c.v1 = false;
  } else {
    Fail("{}: quantization_config.checkpoint_format '{}' is not supported (expected \"gptq\" or \"gptq_v2\")", label,
         format);
  }
  auto dyn = q->find("dynamic");
  if (dyn != q->end() && !dyn->is_null() && !dyn->empty()) {
    Fail("{}: quantization_config.dynamic (per-module overrides) is not supported", label);
  }
  return c;
}

bool HasGptqWeight(const SafetensorsReader& reader, const std::string& prefix) {
  return reader.Contains(prefix + ".qweight");
}

at::Tensor DequantizeGptqWeight(const SafetensorsReader& reader, const std::string& prefix,
                                const GptqCheckpointConfig& config, int64_t out_features, int64_t in_features) {
  const int64_t n = out_features, k = in_features, b = config.bits;
  CheckGptqShape(n, k, config.bits, fmt::format("model '{}': GPTQ layer '{}'", reader.dir().string(), prefix));
  if (config.group_size > 0 && k % config.group_size != 0) {
    Fail("model '{}': GPTQ layer '{}' has in_features {} not divisible by group_size {}", reader.dir().string(),
         prefix, k, config.group_size);
  }
  const int64_t groups = config.group_size > 0 ? k / config.group_size : 1;
  const std::string qweight = prefix + ".qweight", qzeros = prefix + ".qzeros", scales = prefix + ".scales",
                    g_idx = prefix + ".g_idx";
  for (const auto& name : {qzeros, scales}) {
    if (!reader.Contains(name)) Fail("model '{}': GPTQ layer '{}' has no '{}'", reader.dir().string(), prefix, name);
  }
  ExpectDType(reader, qweight, true);
  ExpectDType(reader, qzeros, true);
  ExpectDType(reader, scales, false);
  ExpectShape(reader, qweight, {k * b / 32, n}, "[in_features·bits/32, out_features]");
  ExpectShape(reader, qzeros, {groups, n * b / 32}, "[groups, out_features·bits/32]");
  ExpectShape(reader, scales, {groups, n}, "[groups, out_features]");

  at::Tensor q = UnpackGptqQweight(LoadTensor(reader, qweight, at::kInt), config.bits, k);          // [N, K]
  at::Tensor z = UnpackGptqQzeros(LoadTensor(reader, qzeros, at::kInt), config.bits, n, config.v1);  // [G, N]
  at::Tensor s = LoadTensor(reader, scales, at::kFloat);                                              // [G, N]
  at::Tensor idx;
  if (reader.Contains(g_idx)) {
    ExpectDType(reader, g_idx, true);
    ExpectShape(reader, g_idx, {k}, "[in_features]");
    idx = LoadTensor(reader, g_idx, at::kLong);
    if (k > 0 && (idx.min().item<int64_t>() < 0 || idx.max().item<int64_t>() >= groups)) {
      Fail("model '{}': GPTQ tensor '{}' holds group indices outside [0, {})", reader.dir().string(), g_idx, groups);
    }
  } else {
    idx = at::floor_divide(at::arange(k, at::kLong), config.group_size > 0 ? config.group_size : std::max<int64_t>(k, 1));
  }
  return DequantizeGroupedCodes(q, z, s, idx);
}

at::Tensor DequantizeGroupedCodes(const at::Tensor& q, const at::Tensor& z, const at::Tensor& s,
                                  const at::Tensor& idx) {
  const int64_t n = q.size(0), k = q.size(1);
  // Column chunks bound the [N, chunk] temporaries of large layers.
  at::Tensor w = at::empty({n, k}, at::kFloat);
  const int64_t step = std::max<int64_t>(1, (int64_t{1} << 22) / std::max<int64_t>(n, 1));
  for (int64_t k0 = 0; k0 < k; k0 += step) {
    const int64_t k1 = std::min(k, k0 + step);
    at::Tensor cols = idx.slice(0, k0, k1);
    at::Tensor s_k = s.index_select(0, cols).t();                 // [N, chunk]
    at::Tensor z_k = z.index_select(0, cols).t().to(at::kFloat);  // [N, chunk]
    w.slice(1, k0, k1).copy_(s_k * (q.slice(1, k0, k1).to(at::kFloat) - z_k));
  }
  return w;
}

}  // namespace faq
