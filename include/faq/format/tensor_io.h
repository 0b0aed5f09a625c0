// Between safetensors bytes and ATen tensors.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <string_view>

#include "faq/io/dtype.h"
#include "faq/io/safetensors.h"
#include "faq/io/safetensors_writer.h"

namespace faq {

at::ScalarType ToScalarType(DType dtype);
// Throws faq::Error for ATen types safetensors cannot hold.
DType FromScalarType(at::ScalarType type);

// An owned, contiguous CPU copy of tensor `name` converted to `type`.
at::Tensor LoadTensor(const SafetensorsReader& reader, std::string_view name, at::ScalarType type);
// A zero-copy, read-only view of the mapped bytes (valid while `reader` lives). Writing
// to it faults: use LoadTensor for anything that is modified.
at::Tensor ViewTensor(const SafetensorsReader& reader, std::string_view name);
// The same over one file (valid while `file` lives); throws faq::Error naming the file when
// the tensor is absent.
at::Tensor ViewTensor(const SafetensorsFile& file, std::string_view name);

// Describes a contiguous CPU tensor for the safetensors writers; `t` must outlive the
// returned value.
TensorToWrite ToWrite(std::string name, const at::Tensor& t);

}  // namespace faq
