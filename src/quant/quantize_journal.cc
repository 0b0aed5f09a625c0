// QuantizeJournal: the work directory of a resumable `faq quantize`.
#include "faq/quant/quantize_journal.h"

#include <ATen/ATen.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "faq/format/tensor_io.h"
#include "faq/io/safetensors.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"
#include "layer_record.h"

namespace faq {
namespace {

constexpr const char* kJournalFormat = "faq-quantize-journal-1";

std::filesystem::path LayerFile(const std::filesystem::path& dir, int64_t layer) {
  return dir / fmt::format("layer-{:05d}.safetensors", layer);
}
std::filesystem::path InputsFile(const std::filesystem::path& dir, int64_t layer) {
  return dir / fmt::format("inputs-{:05d}.safetensors", layer);
}

void Flatten(const nlohmann::json& j, const std::string& path, std::map<std::string, std::string>& out) {
  if (j.is_object() && !j.empty()) {
    for (const auto& [key, value] : j.items()) Flatten(value, path.empty() ? key : path + "." + key, out);
  } else {
    out[path] = j.dump();
  }
}

// Reads the manifest left in `dir`; returns why it cannot be continued ("" when it can).
std::string CheckManifest(const std::filesystem::path& dir, const nlohmann::json& fingerprint, int64_t num_layers,
                          int64_t& layers_done) {
  const std::filesystem::path file = dir / "manifest.json";
  if (!std::filesystem::exists(file)) return "";  // a new directory, or one killed before its first layer
  nlohmann::json manifest;
  try {
    manifest = nlohmann::json::parse(ReadFile(file));
    if (manifest.at("format") != kJournalFormat) return "its manifest is of another format";
    const std::string difference = FingerprintDifference(manifest.at("fingerprint"), fingerprint);
    if (!difference.empty()) return difference;
    if (manifest.at("num_layers") != num_layers) return "it was made for another number of layers";
    layers_done = manifest.at("layers_done");
  } catch (const nlohmann::json::exception& e) {
    return fmt::format("its manifest cannot be read ({})", e.what());
  }
  if (layers_done < 0 || layers_done > num_layers) return fmt::format("its manifest counts {} layers", layers_done);
  for (int64_t i = 0; i < layers_done; ++i) {
    if (!std::filesystem::exists(LayerFile(dir, i))) return LayerFile(dir, i).filename().string() + " is missing";
  }
  if (layers_done > 0 && layers_done < num_layers && !std::filesystem::exists(InputsFile(dir, layers_done))) {
    return InputsFile(dir, layers_done).filename().string() + " is missing";
  }
  return "";
}

// Removes what a killed run left half-written, or what belongs to no recorded layer.
void RemoveStrays(const std::filesystem::path& dir, int64_t layers_done) {
  std::set<std::filesystem::path> keep = {dir / "manifest.json", dir / "lock", InputsFile(dir, layers_done)};
  for (int64_t i = 0; i < layers_done; ++i) keep.insert(LayerFile(dir, i));
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (keep.count(e.path()) == 0) std::filesystem::remove_all(e.path());
  }
}

}  // namespace

std::string FingerprintDifference(const nlohmann::json& before, const nlohmann::json& now) {
  std::map<std::string, std::string> a, b;
  Flatten(before, "", a);
  Flatten(now, "", b);
  for (const auto& [key, value] : b) {
    auto it = a.find(key);
    if (it == a.end()) return fmt::format("{} was not set, now {}", key, value);
    if (it->second != value) return fmt::format("{}: {} → {}", key, it->second, value);
  }
  for (const auto& [key, value] : a) {
    if (b.count(key) == 0) return fmt::format("{} was {}, now not set", key, value);
  }
  return "";
}

QuantizeJournal::QuantizeJournal(std::filesystem::path dir, nlohmann::json fingerprint, int64_t num_layers)
    : dir_(std::move(dir)), fingerprint_(std::move(fingerprint)), num_layers_(num_layers) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) Fail("work directory {}: cannot create it: {}", dir_.string(), ec.message());
  lock_fd_ = ::open((dir_ / "lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) Fail("work directory {}: cannot open its lock: {}", dir_.string(), std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd_);
    Fail("work directory {} is in use by another faq quantize writing the same --out", dir_.string());
  }
  start_over_reason_ = CheckManifest(dir_, fingerprint_, num_layers_, layers_done_);
  if (!start_over_reason_.empty()) layers_done_ = 0;
  RemoveStrays(dir_, layers_done_);
  WriteManifest();
}

QuantizeJournal::~QuantizeJournal() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

void QuantizeJournal::WriteManifest() const {
  const nlohmann::json manifest = {{"format", kJournalFormat}, {"fingerprint", fingerprint_},
                                   {"num_layers", num_layers_}, {"layers_done", layers_done_}};
  WriteFileAtomic(dir_ / "manifest.json", manifest.dump(1) + "\n");
}

void QuantizeJournal::RestoreLayers(ModelQuantizerResult& result) const {
  for (int64_t i = 0; i < layers_done_; ++i) ReadLayerRecord(LayerFile(dir_, i), result);
}

std::pair<at::Tensor, at::Tensor> QuantizeJournal::LoadInputs() const {
  if (layers_done_ == 0 || layers_done_ == num_layers_) return {};
  auto file = std::make_shared<SafetensorsFile>(InputsFile(dir_, layers_done_));
  inputs_file_ = file;
  const bool has_fp = file->header().Find("fp_hidden") != nullptr;
  return {ViewTensor(*file, "hidden"), has_fp ? ViewTensor(*file, "fp_hidden") : at::Tensor()};
}

void QuantizeJournal::CommitLayer(int64_t layer, const ModelQuantizerResult& layer_result,
                                  const at::Tensor& next_hidden, const at::Tensor& next_fp_hidden) {
  FAQ_CHECK(layer == layers_done_, "layer {} committed after {} done layers", layer, layers_done_);
  inputs_file_.reset();
  WriteLayerRecord(LayerFile(dir_, layer), layer_result);
  if (layer + 1 < num_layers_) {
    const at::Tensor hidden = next_hidden.to(at::kCPU).contiguous();
    std::vector<TensorToWrite> tensors = {ToWrite("hidden", hidden)};
    at::Tensor fp_hidden;
    if (next_fp_hidden.defined()) {
      fp_hidden = next_fp_hidden.to(at::kCPU).contiguous();
      tensors.push_back(ToWrite("fp_hidden", fp_hidden));
    }
    WriteSafetensors(InputsFile(dir_, layer + 1), tensors);
  }
  layers_done_ = layer + 1;
  WriteManifest();
  std::filesystem::remove(InputsFile(dir_, layer));
}

void QuantizeJournal::Remove() {
  inputs_file_.reset();
  std::filesystem::remove_all(dir_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
  lock_fd_ = -1;
}

}  // namespace faq
