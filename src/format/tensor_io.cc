// Conversions between safetensors entries and ATen tensors.
#include "faq/format/tensor_io.h"

#include <ATen/ATen.h>

#include "faq/util/error.h"

namespace faq {

at::ScalarType ToScalarType(DType dtype) {
  switch (dtype) {
    case DType::kF64: return at::kDouble;
    case DType::kF32: return at::kFloat;
    case DType::kF16: return at::kHalf;
    case DType::kBF16: return at::kBFloat16;
    case DType::kI64: return at::kLong;
    case DType::kI32: return at::kInt;
    case DType::kI16: return at::kShort;
    case DType::kI8: return at::kChar;
    case DType::kU8: return at::kByte;
    case DType::kBool: return at::kBool;
  }
  FAQ_CHECK(false, "unknown dtype {}", static_cast<int>(dtype));
}

DType FromScalarType(at::ScalarType type) {
  switch (type) {
    case at::kDouble: return DType::kF64;
    case at::kFloat: return DType::kF32;
    case at::kHalf: return DType::kF16;
    case at::kBFloat16: return DType::kBF16;
    case at::kLong: return DType::kI64;
    case at::kInt: return DType::kI32;
    case at::kShort: return DType::kI16;
    case at::kChar: return DType::kI8;
    case at::kByte: return DType::kU8;
    case at::kBool: return DType::kBool;
    default: Fail("tensor type {} cannot be stored in safetensors", c10::toString(type));
  }
}

namespace {

at::Tensor ViewBytes(const TensorEntry& e, std::span<const uint8_t> bytes) {
  auto options = at::TensorOptions().dtype(ToScalarType(e.dtype)).device(at::kCPU);
  if (e.NumElements() == 0) return at::empty(e.shape, options);
  return at::from_blob(const_cast<uint8_t*>(bytes.data()), e.shape, options);
}

}  // namespace

at::Tensor ViewTensor(const SafetensorsReader& reader, std::string_view name) {
  return ViewBytes(reader.Entry(name), reader.Bytes(name));
}

at::Tensor ViewTensor(const SafetensorsFile& file, std::string_view name) {
  const TensorEntry* e = file.header().Find(name);
  if (e == nullptr) Fail("{}: no tensor '{}'", file.path().string(), name);
  return ViewBytes(*e, file.Bytes(*e));
}

at::Tensor LoadTensor(const SafetensorsReader& reader, std::string_view name, at::ScalarType type) {
  // Always copy: the result is owned and writable, never an alias of the map.
  at::Tensor out = at::empty(reader.Entry(name).shape, at::TensorOptions().dtype(type));
  out.copy_(ViewTensor(reader, name));
  return out;
}

TensorToWrite ToWrite(std::string name, const at::Tensor& t) {
  FAQ_CHECK(t.device().is_cpu() && t.is_contiguous(), "tensor '{}' must be contiguous on the CPU", name);
  TensorToWrite w;
  w.name = std::move(name);
  w.dtype = FromScalarType(t.scalar_type());
  w.shape = t.sizes().vec();
  w.bytes = {static_cast<const uint8_t*>(t.data_ptr()), static_cast<size_t>(t.nbytes())};
  return w;
}

}  // namespace faq
