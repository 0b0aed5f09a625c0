// AWQ GEMM packing and loading.
#include "faq/format/awq_format.h"

#include <ATen/ATen.h>
#include <fmt/ranges.h>

#include "faq/format/tensor_io.h"
#include "faq/util/error.h"

namespace faq {
namespace {

constexpr int64_t kAwqOrder[8] = {0, 2, 4, 6, 1, 3, 5, 7};

const nlohmann::json* QuantBlock(const nlohmann::json& config) {
  for (const nlohmann::json* scope : {&config, config.contains("text_config") ? &config["text_config"] : nullptr}) {
    if (scope == nullptr || !scope->is_object()) continue;
    auto it = scope->find("quantization_config");
    if (it != scope->end() && it->is_object()) return &*it;
  }
  return nullptr;
}

void ExpectShape(const SafetensorsReader& reader, const std::string& name, const std::vector<int64_t>& shape,
                 std::string_view why) {
  if (!reader.Contains(name)) Fail("model '{}': AWQ tensor '{}' is missing", reader.dir().string(), name);
  const auto& actual = reader.Entry(name).shape;
  if (actual != shape) {
    Fail("model '{}': AWQ tensor '{}' has shape [{}], expected [{}] ({})", reader.dir().string(), name,
         fmt::join(actual, ", "), fmt::join(shape, ", "), why);
  }
}

}  // namespace

at::Tensor PackAwq(const at::Tensor& values) {
  const int64_t rows = values.size(0), n = values.size(1);
  if (n % 8 != 0) Fail("AWQ packing needs a multiple of 8 output features, got {}", n);
  at::Tensor v = values.to(at::kLong).reshape({rows, n / 8, 8});
  at::Tensor word = at::zeros({rows, n / 8}, v.options());
  for (int64_t i = 0; i < 8; ++i) word.bitwise_or_(v.select(2, kAwqOrder[i]).bitwise_and(15).bitwise_left_shift(4 * i));
  // The 32-bit pattern as int32 (two's complement), as the reference stores it.
  return at::where(word >= (int64_t{1} << 31), word - (int64_t{1} << 32), word).to(at::kInt).contiguous();
}

at::Tensor UnpackAwq(const at::Tensor& packed) {
  at::Tensor word = packed.to(at::kLong).bitwise_and(0xFFFFFFFFLL);
  std::vector<at::Tensor> columns(8);
  for (int64_t i = 0; i < 8; ++i) columns[static_cast<size_t>(kAwqOrder[i])] = word.bitwise_right_shift(4 * i).bitwise_and(15);
  return at::stack(columns, 2).reshape({packed.size(0), packed.size(1) * 8}).to(at::kInt).contiguous();
}

std::optional<AwqCheckpointConfig> ReadAwqConfig(const nlohmann::json& model_config, std::string_view label) {
  const nlohmann::json* q = QuantBlock(model_config);
  if (q == nullptr || q->value("quant_method", "") != "awq") return std::nullopt;
  AwqCheckpointConfig c;
  const nlohmann::json bits = q->contains("bits") ? (*q)["bits"] : q->value("w_bit", nlohmann::json(4));
  const nlohmann::json group = q->contains("group_size") ? (*q)["group_size"] : q->value("q_group_size", nlohmann::json(128));
  if (!bits.is_number_integer() || bits.get<int>() != 4) {
    Fail("{}: AWQ quantization_config.bits is {}; faq reads the 4-bit GEMM layout only", label, bits.dump());
  }
  if (!group.is_number_integer() || (group.get<int64_t>() <= 0 && group.get<int64_t>() != -1)) {
    Fail("{}: AWQ quantization_config.group_size must be a positive integer or -1, got {}", label, group.dump());
  }
  if (q->contains("zero_point") && (*q)["zero_point"] == false) {
    Fail("{}: AWQ checkpoints without zero points are not a GEMM layout faq reads", label);
  }
  const std::string version = q->value("version", "gemm");
  if (version != "gemm" && version != "GEMM") Fail("{}: AWQ version '{}' is not supported (expected gemm)", label, version);
  c.bits = 4;
  c.group_size = group.get<int64_t>();
  return c;
}

at::Tensor DequantizeAwqWeight(const SafetensorsReader& reader, const std::string& prefix,
                               const AwqCheckpointConfig& config, int64_t out_features, int64_t in_features) {
  const int64_t n = out_features, k = in_features;
  const int64_t gs = config.group_size > 0 ? config.group_size : k;
  if (k % gs != 0 || n % 8 != 0) {
    Fail("model '{}': AWQ layer '{}' [{} x {}] does not fit group size {} and 8-column packing", reader.dir().string(),
         prefix, n, k, gs);
  }
  const int64_t groups = k / gs;
  ExpectShape(reader, prefix + ".qweight", {k, n / 8}, "[in_features, out_features/8]");
  ExpectShape(reader, prefix + ".qzeros", {groups, n / 8}, "[groups, out_features/8]");
  ExpectShape(reader, prefix + ".scales", {groups, n}, "[groups, out_features]");
  at::Tensor q = UnpackAwq(LoadTensor(reader, prefix + ".qweight", at::kInt)).to(at::kFloat);   // [K, N]
  at::Tensor z = UnpackAwq(LoadTensor(reader, prefix + ".qzeros", at::kInt)).to(at::kFloat);    // [G, N]
  at::Tensor s = LoadTensor(reader, prefix + ".scales", at::kFloat);                             // [G, N]
  at::Tensor w = (q.view({groups, gs, n}) - z.unsqueeze(1)) * s.unsqueeze(1);                    // [G, gs, N]
  return w.reshape({k, n}).t().contiguous();
}

}  // namespace faq
