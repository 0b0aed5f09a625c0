// ReadCompressedTensorsConfig and DequantizeCompressedTensorsWeight.
#include "faq/format/compressed_tensors_loader.h"

#include <ATen/ATen.h>
#include <fmt/ranges.h>

#include <vector>

#include "faq/format/gptq_format.h"
#include "faq/format/gptq_loader.h"
#include "faq/format/tensor_io.h"
#include "faq/util/error.h"

namespace faq {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kSupported =
    "faq reads compressed-tensors \"pack-quantized\" weight-only int checkpoints (W4A16/W8A16, group or channel "
    "strategy)";

const Json* FindBlock(const Json& config) {
  if (!config.is_object()) return nullptr;
  for (const Json* scope : {&config, config.contains("text_config") ? &config["text_config"] : nullptr}) {
    if (scope == nullptr || !scope->is_object()) continue;
    auto it = scope->find("quantization_config");
    if (it != scope->end() && it->is_object()) return &*it;
  }
  return nullptr;
}

std::string Text(const Json& j) { return j.is_string() ? j.get<std::string>() : j.dump(); }

// The one weight scheme of `groups` (config_groups): faq applies one scheme to every linear.
const Json& WeightScheme(const Json& q, std::string_view label) {
  auto groups = q.find("config_groups");
  if (groups == q.end() || !groups->is_object() || groups->empty()) {
    Fail("{}: quantization_config.config_groups is missing or empty; {}", label, kSupported);
  }
  const Json* weights = nullptr;
  for (const auto& [name, group] : groups->items()) {
    for (const char* field : {"input_activations", "output_activations"}) {
      if (group.contains(field) && !group[field].is_null()) {
        Fail("{}: quantization_config.config_groups.{}.{} is set (activation quantization); {}", label, name, field,
             kSupported);
      }
    }
    if (!group.contains("weights") || !group["weights"].is_object()) {
      Fail("{}: quantization_config.config_groups.{}.weights is missing; {}", label, name, kSupported);
    }
    if (weights != nullptr && *weights != group["weights"]) {
      Fail("{}: quantization_config.config_groups holds several different weight schemes; faq reads one scheme for "
           "every linear", label);
    }
    weights = &group["weights"];
  }
  return *weights;
}

void ExpectShape(const SafetensorsReader& reader, const std::string& name, const std::vector<int64_t>& shape,
                 std::string_view why) {
  if (!reader.Contains(name)) Fail("model '{}': compressed-tensors tensor '{}' is missing", reader.dir().string(), name);
  const auto& actual = reader.Entry(name).shape;
  if (actual != shape) {
    Fail("model '{}': compressed-tensors tensor '{}' has shape [{}], expected [{}] ({})", reader.dir().string(), name,
         fmt::join(actual, ", "), fmt::join(shape, ", "), why);
  }
}

void ExpectDType(const SafetensorsReader& reader, const std::string& name, bool integer) {
  const at::ScalarType t = ToScalarType(reader.Entry(name).dtype);
  if (integer ? !(t == at::kInt || t == at::kLong) : !at::isFloatingType(t)) {
    Fail("model '{}': compressed-tensors tensor '{}' has dtype {}, expected {}", reader.dir().string(), name,
         c10::toString(t), integer ? "int32" : "a floating-point type");
  }
}

}  // namespace

std::optional<CompressedTensorsConfig> ReadCompressedTensorsConfig(const Json& model_config, std::string_view label) {
  const Json* q = FindBlock(model_config);
  if (q == nullptr || q->value("quant_method", "") != "compressed-tensors") return std::nullopt;
  const std::string format = q->contains("format") ? Text((*q)["format"]) : "(missing)";
  if (format != "pack-quantized") {
    Fail("{}: quantization_config.format is '{}'; {}", label, format, kSupported);
  }
  const Json& w = WeightScheme(*q, label);
  auto field = [&](const char* key) { return w.contains(key) ? w[key] : Json(); };
  const Json type = field("type"), bits = field("num_bits"), strategy = field("strategy");
  if (type != "int") Fail("{}: quantization_config weights.type is {}; {}", label, type.dump(), kSupported);
  if (!bits.is_number_integer() || (bits != 2 && bits != 4 && bits != 8)) {
    Fail("{}: quantization_config weights.num_bits is {}; faq reads 2, 4 or 8", label, bits.dump());
  }
  CompressedTensorsConfig c;
  c.bits = bits.get<int>();
  c.sym = field("symmetric") != false;
  if (strategy == "group") {
    const Json gs = field("group_size");
    if (!gs.is_number_integer() || gs.get<int64_t>() <= 0) {
      Fail("{}: quantization_config weights.group_size is {}; expected a positive integer", label, gs.dump());
    }
    c.group_size = gs.get<int64_t>();
  } else if (strategy == "channel") {
    c.group_size = -1;
  } else {
    Fail("{}: quantization_config weights.strategy is {}; faq reads \"group\" and \"channel\"", label,
         strategy.dump());
  }
  return c;
}

bool HasCompressedTensorsWeight(const SafetensorsReader& reader, const std::string& prefix) {
  return reader.Contains(prefix + ".weight_packed");
}

at::Tensor DequantizeCompressedTensorsWeight(const SafetensorsReader& reader, const std::string& prefix,
                                             const CompressedTensorsConfig& config, int64_t out_features,
                                             int64_t in_features) {
  const int64_t n = out_features, k = in_features, b = config.bits;
  const std::string where = fmt::format("model '{}': compressed-tensors layer '{}'", reader.dir().string(), prefix);
  CheckGptqShape(n, k, config.bits, where);
  if (config.group_size > 0 && k % config.group_size != 0) {
    Fail("{} has in_features {} not divisible by group_size {}", where, k, config.group_size);
  }
  const int64_t groups = config.group_size > 0 ? k / config.group_size : 1;
  const std::string packed = prefix + ".weight_packed", scale = prefix + ".weight_scale",
                    zero = prefix + ".weight_zero_point", g_idx = prefix + ".weight_g_idx";
  ExpectShape(reader, packed, {n, k * b / 32}, "[out_features, in_features·bits/32]");
  ExpectDType(reader, packed, true);
  ExpectShape(reader, scale, {n, groups}, "[out_features, groups]");
  ExpectDType(reader, scale, false);
  // weight_packed is the GPTQ qweight transposed: the same codes, packed the same way along K.
  const at::Tensor q = UnpackGptqQweight(LoadTensor(reader, packed, at::kInt).t().contiguous(), config.bits, k);
  const at::Tensor s = LoadTensor(reader, scale, at::kFloat).t().contiguous();  // [G, N]
  at::Tensor z;
  if (config.sym) {
    z = at::full({groups, n}, int64_t{1} << (b - 1), at::kInt);  // a signed zero of 0
  } else {
    CheckGptqShape(k, n, config.bits, where + " (zero points, packed along out_features)");
    ExpectShape(reader, zero, {n * b / 32, groups}, "[out_features·bits/32, groups]");
    ExpectDType(reader, zero, true);
    z = UnpackGptqQzeros(LoadTensor(reader, zero, at::kInt).t().contiguous(), config.bits, n, /*v1=*/false);
  }
  at::Tensor idx;
  if (reader.Contains(g_idx)) {
    ExpectShape(reader, g_idx, {k}, "[in_features]");
    ExpectDType(reader, g_idx, true);
    idx = LoadTensor(reader, g_idx, at::kLong);
    if (k > 0 && (idx.min().item<int64_t>() < 0 || idx.max().item<int64_t>() >= groups)) {
      Fail("{}: '{}' holds group indices outside [0, {})", where, g_idx, groups);
    }
  } else {
    idx = at::floor_divide(at::arange(k, at::kLong), config.group_size > 0 ? config.group_size : std::max<int64_t>(k, 1));
  }
  return DequantizeGroupedCodes(q, z, s, idx);
}

}  // namespace faq
