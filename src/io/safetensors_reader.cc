// SafetensorsFile and SafetensorsReader: mapped files, sharded model directories.
#include <nlohmann/json.hpp>

#include <algorithm>

#include "faq/io/json.h"
#include "faq/io/safetensors.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"

namespace faq {

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path)
    : map_(path), header_(ParseSafetensorsHeader(map_.bytes(), path.string())) {}

std::span<const uint8_t> SafetensorsFile::Bytes(const TensorEntry& entry) const {
  return map_.bytes().subspan(header_.DataOffset() + entry.begin, entry.NumBytes());
}

void SafetensorsFile::Release(const TensorEntry& entry) const {
  map_.Release(header_.DataOffset() + entry.begin, entry.NumBytes());
}

SafetensorsReader::SafetensorsReader(const std::filesystem::path& dir) : dir_(dir) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) Fail("model directory '{}' does not exist", dir.string());
  const fs::path index = dir / "model.safetensors.index.json";
  if (fs::exists(index)) {
    auto json = ParseJson(ReadFile(index), index.string());
    if (!json.is_object()) Fail("{}: expected a JSON object", index.string());
    auto map = json.find("weight_map");
    if (map == json.end() || !map->is_object()) Fail("{}: missing object field 'weight_map'", index.string());
    for (const auto& [name, file] : map->items()) {
      if (!file.is_string()) Fail("{}: weight_map['{}'] must be a file name", index.string(), name);
      std::string f = file.get<std::string>();
      if (f.find('/') != std::string::npos || f == "..") {
        Fail("{}: weight_map['{}'] names '{}', expected a file in the same directory", index.string(), name, f);
      }
      if (!fs::exists(dir / f)) Fail("{}: weight_map['{}'] names '{}', which does not exist", index.string(), name, f);
      file_of_[name] = f;
    }
    return;
  }
  std::vector<std::string> files;
  if (fs::exists(dir / "model.safetensors")) {
    files.push_back("model.safetensors");
  } else {
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() == ".safetensors") files.push_back(e.path().filename().string());
    }
    std::sort(files.begin(), files.end());
  }
  if (files.empty()) Fail("model directory '{}' holds no *.safetensors file", dir.string());
  for (const auto& f : files) {
    for (const auto& t : Open(f).header().tensors) {
      if (!file_of_.emplace(t.name, f).second) {
        Fail("model directory '{}': tensor '{}' appears in two files", dir.string(), t.name);
      }
    }
  }
}

const SafetensorsFile& SafetensorsReader::Open(const std::string& file) const {
  auto it = files_.find(file);
  if (it == files_.end()) it = files_.emplace(file, std::make_shared<SafetensorsFile>(dir_ / file)).first;
  return *it->second;
}

bool SafetensorsReader::Contains(std::string_view name) const { return file_of_.find(name) != file_of_.end(); }

const SafetensorsFile& SafetensorsReader::FileOf(std::string_view name) const {
  auto it = file_of_.find(name);
  if (it == file_of_.end()) Fail("model directory '{}': tensor '{}' not found", dir_.string(), name);
  return Open(it->second);
}

const TensorEntry& SafetensorsReader::Entry(std::string_view name) const {
  const auto& file = FileOf(name);
  const TensorEntry* e = file.header().Find(name);
  if (e == nullptr) Fail("{}: the index places tensor '{}' here, but the file lacks it", file.path().string(), name);
  return *e;
}

std::span<const uint8_t> SafetensorsReader::Bytes(std::string_view name) const {
  return FileOf(name).Bytes(Entry(name));
}

void SafetensorsReader::Release(std::string_view name) const { FileOf(name).Release(Entry(name)); }

std::vector<std::string> SafetensorsReader::Names() const {
  std::vector<std::string> names;
  names.reserve(file_of_.size());
  for (const auto& [name, file] : file_of_) names.push_back(name);
  return names;
}

}  // namespace faq
