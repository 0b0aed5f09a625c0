// WriteSafetensors and ShardedSafetensorsWriter.
#include "faq/io/safetensors_writer.h"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "faq/util/atomic_file.h"
#include "faq/util/error.h"

namespace faq {
namespace {

void CheckSize(const TensorToWrite& t) {
  uint64_t numel = 1;
  for (int64_t d : t.shape) {
    if (d < 0) Fail("tensor '{}': negative dimension {}", t.name, d);
    numel *= static_cast<uint64_t>(d);
  }
  if (numel * DTypeSize(t.dtype) != t.bytes.size()) {
    Fail("tensor '{}': {} elements of {} need {} bytes, got {}", t.name, numel, DTypeName(t.dtype),
         numel * DTypeSize(t.dtype), t.bytes.size());
  }
}

}  // namespace

std::string SafetensorsHeaderJson(const std::vector<TensorToWrite>& tensors,
                                  const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    CheckSize(t);
    if (header.contains(t.name)) Fail("tensor '{}' written twice", t.name);
    header[t.name] = {{"dtype", DTypeName(t.dtype)},
                      {"shape", t.shape},
                      {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

void WriteSafetensors(const std::filesystem::path& path, const std::vector<TensorToWrite>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  std::string header = SafetensorsHeaderJson(tensors, metadata);
  uint8_t length[8];
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) length[i] = static_cast<uint8_t>(n >> (8 * i));
  AtomicFile file(path);
  file.Write(length, 8);
  file.Write(header);
  for (const auto& t : tensors) file.Write(t.bytes.data(), t.bytes.size());
  file.Commit();
}

ShardedSafetensorsWriter::ShardedSafetensorsWriter(std::filesystem::path dir, uint64_t max_shard_bytes)
    : dir_(std::move(dir)), max_shard_bytes_(max_shard_bytes) {
  std::filesystem::create_directories(dir_);
}

ShardedSafetensorsWriter::~ShardedSafetensorsWriter() {
  if (finished_) return;
  std::error_code ignored;
  for (const auto& p : partial_files_) std::filesystem::remove(p, ignored);
}

void ShardedSafetensorsWriter::Add(const TensorToWrite& tensor) {
  FAQ_CHECK(!finished_, "Add after Finish");
  CheckSize(tensor);
  if (shard_of_.count(tensor.name) != 0) Fail("tensor '{}' written twice", tensor.name);
  for (const auto& p : pending_) {
    if (p.name == tensor.name) Fail("tensor '{}' written twice", tensor.name);
  }
  if (!pending_.empty() && pending_bytes_ + tensor.bytes.size() > max_shard_bytes_) FlushShard();
  pending_.push_back({tensor.name, tensor.dtype, tensor.shape, {tensor.bytes.begin(), tensor.bytes.end()}});
  pending_bytes_ += tensor.bytes.size();
}

void ShardedSafetensorsWriter::FlushShard() {
  if (pending_.empty()) return;
  std::vector<TensorToWrite> views;
  for (const auto& p : pending_) {
    views.push_back({p.name, p.dtype, p.shape, p.bytes});
    shard_of_[p.name] = partial_files_.size();
  }
  auto partial = dir_ / fmt::format(".faq-shard-{:05}.{}.partial", partial_files_.size() + 1, ::getpid());
  WriteSafetensors(partial, views);
  partial_files_.push_back(partial);
  total_bytes_ += pending_bytes_;
  pending_.clear();
  pending_bytes_ = 0;
}

std::vector<std::string> ShardedSafetensorsWriter::Finish() {
  FAQ_CHECK(!finished_, "Finish called twice");
  FlushShard();
  if (partial_files_.empty()) {  // an empty model is still a valid (empty) file
    WriteSafetensors(dir_ / "model.safetensors", {});
    finished_ = true;
    return {"model.safetensors"};
  }
  std::vector<std::string> names;
  const size_t n = partial_files_.size();
  for (size_t i = 0; i < n; ++i) {
    names.push_back(n == 1 ? "model.safetensors" : fmt::format("model-{:05}-of-{:05}.safetensors", i + 1, n));
  }
  std::error_code ignored;
  std::filesystem::remove(dir_ / "model.safetensors.index.json", ignored);
  for (size_t i = 0; i < n; ++i) std::filesystem::rename(partial_files_[i], dir_ / names[i]);
  if (n > 1) {
    nlohmann::ordered_json index;
    index["metadata"] = {{"total_size", total_bytes_}};
    nlohmann::ordered_json map = nlohmann::ordered_json::object();
    for (const auto& [name, shard] : shard_of_) map[name] = names[shard];
    index["weight_map"] = map;
    WriteFileAtomic(dir_ / "model.safetensors.index.json", index.dump(2) + "\n");
  }
  SyncDirectory(dir_);
  finished_ = true;
  return names;
}

}  // namespace faq
