// ParseSafetensorsHeader: every check a corrupt or hostile file could need.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <limits>

#include "faq/io/json.h"
#include "faq/io/safetensors.h"
#include "faq/util/error.h"

namespace faq {
namespace {

using Json = nlohmann::json;

uint64_t CheckedMul(uint64_t a, uint64_t b, std::string_view label, std::string_view name) {
  if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a) {
    Fail("{}: tensor '{}': shape overflows 64 bits", label, name);
  }
  return a * b;
}

uint64_t ReadOffset(const Json& v, std::string_view label, std::string_view name) {
  if (!v.is_number_unsigned()) {
    Fail("{}: tensor '{}': data_offsets must be non-negative integers, got {}", label, name, v.dump());
  }
  return v.get<uint64_t>();
}

TensorEntry ParseEntry(const std::string& name, const Json& v, uint64_t data_size, std::string_view label) {
  if (!v.is_object()) Fail("{}: tensor '{}': expected an object, got {}", label, name, v.type_name());
  TensorEntry e;
  e.name = name;
  auto dt = v.find("dtype");
  if (dt == v.end() || !dt->is_string()) Fail("{}: tensor '{}': missing string field 'dtype'", label, name);
  auto parsed = ParseDType(dt->get<std::string>());
  if (!parsed) {
    Fail("{}: tensor '{}': unsupported dtype '{}' (expected F64, F32, F16, BF16, I64, I32, I16, I8, U8 or BOOL)",
         label, name, dt->get<std::string>());
  }
  e.dtype = *parsed;
  auto shape = v.find("shape");
  if (shape == v.end() || !shape->is_array()) Fail("{}: tensor '{}': missing array field 'shape'", label, name);
  uint64_t numel = 1;
  for (const auto& d : *shape) {
    if (!d.is_number_unsigned()) {
      Fail("{}: tensor '{}': shape entries must be non-negative integers, got {}", label, name, shape->dump());
    }
    uint64_t dim = d.get<uint64_t>();
    if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      Fail("{}: tensor '{}': dimension {} too large", label, name, dim);
    }
    e.shape.push_back(static_cast<int64_t>(dim));
    numel = CheckedMul(numel, dim, label, name);
  }
  auto offsets = v.find("data_offsets");
  if (offsets == v.end() || !offsets->is_array() || offsets->size() != 2) {
    Fail("{}: tensor '{}': 'data_offsets' must be [begin, end]", label, name);
  }
  e.begin = ReadOffset((*offsets)[0], label, name);
  e.end = ReadOffset((*offsets)[1], label, name);
  if (e.begin > e.end) Fail("{}: tensor '{}': data_offsets [{}, {}] run backwards", label, name, e.begin, e.end);
  if (e.end > data_size) {
    Fail("{}: tensor '{}': data_offsets [{}, {}] lie beyond the data section ({} bytes; file truncated?)", label,
         name, e.begin, e.end, data_size);
  }
  uint64_t expected = CheckedMul(numel, DTypeSize(e.dtype), label, name);
  if (e.end - e.begin != expected) {
    Fail("{}: tensor '{}': {} of shape {} needs {} bytes, but data_offsets span {}", label, name,
         DTypeName(e.dtype), shape->dump(), expected, e.end - e.begin);
  }
  return e;
}

}  // namespace

uint64_t TensorEntry::NumElements() const {
  uint64_t n = 1;
  for (int64_t d : shape) n *= static_cast<uint64_t>(d);
  return n;
}

const TensorEntry* SafetensorsHeader::Find(std::string_view name) const {
  auto it = by_name.find(name);
  return it == by_name.end() ? nullptr : &tensors[it->second];
}

SafetensorsHeader ParseSafetensorsHeader(std::span<const uint8_t> file, std::string_view label) {
  if (file.size() < 8) Fail("{}: not a safetensors file: {} bytes, shorter than the 8-byte header length", label, file.size());
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | file[static_cast<size_t>(i)];
  if (n > kMaxSafetensorsHeader) Fail("{}: header length {} exceeds the {} byte limit (corrupt file?)", label, n, kMaxSafetensorsHeader);
  if (n > file.size() - 8) {
    Fail("{}: header length {} exceeds the file ({} bytes after the length field; truncated?)", label, n, file.size() - 8);
  }
  SafetensorsHeader h;
  h.header_size = n;
  const char* text = reinterpret_cast<const char*>(file.data() + 8);
  Json root = ParseJson({text, n}, fmt::format("{}: header", label));
  if (!root.is_object()) Fail("{}: header must be a JSON object, got {}", label, root.type_name());
  const uint64_t data_size = file.size() - 8 - n;
  for (const auto& [key, value] : root.items()) {
    if (key == "__metadata__") {
      if (!value.is_object()) Fail("{}: '__metadata__' must be an object of strings", label);
      for (const auto& [mk, mv] : value.items()) {
        if (!mv.is_string()) Fail("{}: '__metadata__' field '{}' must be a string, got {}", label, mk, mv.type_name());
        h.metadata[mk] = mv.get<std::string>();
      }
      continue;
    }
    h.tensors.push_back(ParseEntry(key, value, data_size, label));
  }
  std::sort(h.tensors.begin(), h.tensors.end(), [](const TensorEntry& a, const TensorEntry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  for (size_t i = 1; i < h.tensors.size(); ++i) {
    const auto& prev = h.tensors[i - 1];
    const auto& cur = h.tensors[i];
    if (cur.begin < prev.end) {
      Fail("{}: tensors '{}' [{}, {}] and '{}' [{}, {}] overlap", label, prev.name, prev.begin, prev.end, cur.name,
           cur.begin, cur.end);
    }
  }
  for (size_t i = 0; i < h.tensors.size(); ++i) h.by_name.emplace(h.tensors[i].name, i);
  return h;
}

}  // namespace faq
