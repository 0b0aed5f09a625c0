// Element types of tensors on disk, with safetensors' names.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace faq {

enum class DType : uint8_t { kF64, kF32, kF16, kBF16, kI64, kI32, kI16, kI8, kU8, kBool };

// Bytes per element.
size_t DTypeSize(DType dtype);
// The safetensors spelling: "F32", "BF16", "I32"...
std::string_view DTypeName(DType dtype);
// Parses a safetensors dtype name; nullopt for names faq does not handle.
std::optional<DType> ParseDType(std::string_view name);

}  // namespace faq
