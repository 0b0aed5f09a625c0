// Reading safetensors files: a validated header and memory-mapped tensor bytes.
//
// Layout: 8-byte little-endian header length N, N bytes of JSON
// {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}},
// then the data section; offsets are relative to its start. Everything in the header is
// checked before any tensor is handed out, so a corrupt file fails with a message naming
// the file and the tensor instead of a crash or a silent wrong read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "faq/io/dtype.h"
#include "faq/util/mapped_file.h"

namespace faq {

struct TensorEntry {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // byte offsets relative to the data section
  uint64_t end = 0;

  uint64_t NumElements() const;
  uint64_t NumBytes() const { return end - begin; }
};

struct SafetensorsHeader {
  uint64_t header_size = 0;              // N, the JSON length
  std::vector<TensorEntry> tensors;      // in data-offset order
  std::map<std::string, std::string> metadata;
  std::map<std::string, size_t, std::less<>> by_name;  // name -> index in `tensors`

  uint64_t DataOffset() const { return 8 + header_size; }
  const TensorEntry* Find(std::string_view name) const;
};

// Largest header accepted (the reference implementation uses the same limit).
inline constexpr uint64_t kMaxSafetensorsHeader = 100ull << 20;

// Parses and validates the header of a whole safetensors file held in `file`.
// `label` (usually the path) prefixes every error message.
SafetensorsHeader ParseSafetensorsHeader(std::span<const uint8_t> file, std::string_view label);

// One memory-mapped safetensors file.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::filesystem::path& path);

  const SafetensorsHeader& header() const { return header_; }
  const std::filesystem::path& path() const { return map_.path(); }
  // The raw bytes of one tensor (a view into the map).
  std::span<const uint8_t> Bytes(const TensorEntry& entry) const;
  // Drops a tensor's pages from the resident set once it has been consumed.
  void Release(const TensorEntry& entry) const;

 private:
  MappedFile map_;
  SafetensorsHeader header_;
};

// All tensors of a model directory: `model.safetensors`, or shards listed by
// `model.safetensors.index.json`, or (without an index) every `*.safetensors` in it.
// Shards are opened lazily on first use.
class SafetensorsReader {
 public:
  explicit SafetensorsReader(const std::filesystem::path& dir);

  bool Contains(std::string_view name) const;
  // Throws faq::Error naming the directory when the tensor is absent.
  const TensorEntry& Entry(std::string_view name) const;
  std::span<const uint8_t> Bytes(std::string_view name) const;
  void Release(std::string_view name) const;
  const SafetensorsFile& FileOf(std::string_view name) const;
  std::vector<std::string> Names() const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  const SafetensorsFile& Open(const std::string& file) const;

  std::filesystem::path dir_;
  std::map<std::string, std::string, std::less<>> file_of_;  // tensor name -> file name
  mutable std::map<std::string, std::shared_ptr<SafetensorsFile>> files_;
};

}  // namespace faq
