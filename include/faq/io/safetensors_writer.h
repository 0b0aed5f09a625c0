// Writing safetensors files and sharded model directories, crash-safely.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "faq/io/dtype.h"

namespace faq {

// One tensor to write; `bytes` must hold exactly numel × DTypeSize(dtype) bytes.
struct TensorToWrite {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  std::span<const uint8_t> bytes;
};

// Serialises a header for `tensors` in the given order (padded with spaces to a multiple
// of 8 bytes, as the reference writer does). Exposed for tests and the sharded writer.
std::string SafetensorsHeaderJson(const std::vector<TensorToWrite>& tensors,
                                  const std::map<std::string, std::string>& metadata);

// Writes one safetensors file atomically (temporary name, fsync, rename).
void WriteSafetensors(const std::filesystem::path& path, const std::vector<TensorToWrite>& tensors,
                      const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

// Streams tensors into `dir` as shards of at most `max_shard_bytes` (a larger single
// tensor gets a shard of its own). Only one shard is held in memory. `Finish()` names
// them `model.safetensors` (one shard) or `model-0000i-of-0000n.safetensors` plus
// `model.safetensors.index.json`. Until then nothing under the final names is touched.
class ShardedSafetensorsWriter {
 public:
  ShardedSafetensorsWriter(std::filesystem::path dir, uint64_t max_shard_bytes = 4ull << 30);
  ~ShardedSafetensorsWriter();
  ShardedSafetensorsWriter(const ShardedSafetensorsWriter&) = delete;
  ShardedSafetensorsWriter& operator=(const ShardedSafetensorsWriter&) = delete;

  // Copies the tensor into the pending shard.
  void Add(const TensorToWrite& tensor);
  // Writes what is pending and renames everything into place. Returns the file names.
  std::vector<std::string> Finish();

 private:
  struct Pending {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    std::vector<uint8_t> bytes;
  };
  void FlushShard();

  std::filesystem::path dir_;
  uint64_t max_shard_bytes_;
  std::vector<Pending> pending_;
  uint64_t pending_bytes_ = 0;
  std::vector<std::filesystem::path> partial_files_;
  std::map<std::string, size_t> shard_of_;  // tensor name -> shard index
  uint64_t total_bytes_ = 0;
  bool finished_ = false;
};

}  // namespace faq
