// ShardCalibration / BroadcastLayer / ExchangeSolved over the c10d collectives.
#include "data_parallel.h"

#include <ATen/ATen.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "faq/util/atomic_file.h"
#include "faq/util/error.h"
#include "layer_record.h"

namespace faq {
namespace {

namespace fs = std::filesystem;

at::TensorOptions On(at::ScalarType type, at::Device device) { return at::TensorOptions(type).device(device); }

// `bytes` of rank `root` on every rank: the length first, then the bytes.
void BroadcastBytes(std::string& bytes, const dist::Communicator& comm, int root, at::Device device,
                    std::string_view what) {
  at::Tensor size = at::full({1}, static_cast<int64_t>(bytes.size()), On(at::kLong, device));
  comm.Broadcast(size, root, what);
  const int64_t n = size.item<int64_t>();
  at::Tensor data = comm.rank() == root
                        ? at::from_blob(bytes.data(), {n}, at::kByte).to(device, /*non_blocking=*/false, /*copy=*/true)
                        : at::empty({n}, On(at::kByte, device));
  comm.Broadcast(data, root, what);
  if (comm.rank() == root) return;
  const at::Tensor host = data.to(at::kCPU).contiguous();
  bytes.assign(reinterpret_cast<const char*>(host.data_ptr<uint8_t>()), static_cast<size_t>(n));
}

// A file of this process, removed when it goes out of scope: layer records are files.
class ScratchFile {
 public:
  explicit ScratchFile(std::string_view tag)
      : path_(fs::temp_directory_path() / fmt::format("faq-dist-{}-{}.safetensors", ::getpid(), tag)) {}
  ~ScratchFile() {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

}  // namespace

CalibrationSet ShardCalibration(const CalibrationSet& calib, int64_t micro_batch, const dist::Communicator& comm) {
  if (!comm.distributed() || calib.Samples() == 0) return calib;
  const int64_t n = calib.Samples();
  if (n < comm.world_size()) {
    Fail("{} calibration samples cannot be shared by {} ranks: give at least one sample per rank (--nsamples)", n,
         comm.world_size());
  }
  const int64_t unit = (n + micro_batch - 1) / micro_batch >= comm.world_size() ? micro_batch : 1;
  const int64_t units = (n + unit - 1) / unit;
  const int64_t begin = units * comm.rank() / comm.world_size() * unit;
  const int64_t end = std::min(n, units * (comm.rank() + 1) / comm.world_size() * unit);
  return {calib.ids.narrow(0, begin, end - begin).contiguous(), calib.mask.narrow(0, begin, end - begin).contiguous()};
}

void BroadcastLayer(DecoderLayerWeights& w, const dist::Communicator& comm, int root, at::Device device,
                    std::string_view what) {
  if (!comm.distributed()) return;
  w.ForEachTensor([&](const std::string& name, at::Tensor& t) {
    // Collectives need dense tensors on the backend's device; the model's may be views of
    // a mapped file, which nobody writes into.
    at::Tensor buffer = comm.rank() == root ? t.to(device, /*non_blocking=*/false, /*copy=*/true).contiguous()
                                            : at::empty(t.sizes(), t.options().device(device));
    comm.Broadcast(buffer, root, fmt::format("{} {}", what, name));
    if (comm.rank() == root) return;
    buffer = buffer.to(t.device());
    if (!at::equal(buffer, t)) t = buffer;
  });
}

void ExchangeSolved(const ModelQuantizerResult& mine, const dist::Communicator& comm, at::Device device,
                    std::string_view what, ModelQuantizerResult& all) {
  const ScratchFile scratch(fmt::format("rank{}", comm.rank()));
  for (int owner = 0; owner < comm.world_size(); ++owner) {
    std::string bytes;
    if (owner == comm.rank()) {
      WriteLayerRecord(scratch.path(), mine);
      bytes = ReadFile(scratch.path());
    }
    BroadcastBytes(bytes, comm, owner, device, fmt::format("{} solved on rank {}", what, owner));
    if (owner != comm.rank()) WriteFileAtomic(scratch.path(), bytes);
    ReadLayerRecord(scratch.path(), all);
  }
}

}  // namespace faq
