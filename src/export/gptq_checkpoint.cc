// WriteQuantizedCheckpoint: assemble the output in a staging directory beside out_dir,
// then swap it into place, so a crash or an error never leaves a half-written model under
// the final name.
#include "faq/export/gptq_checkpoint.h"

#include <ATen/ATen.h>
#include <unistd.h>

#include <fmt/ranges.h>

#include <algorithm>
#include <tuple>
#include <vector>

#include "faq/io/json.h"
#include "faq/io/safetensors.h"
#include "faq/io/safetensors_writer.h"
#include "faq/format/tensor_io.h"
#include "faq/format/awq_format.h"
#include "faq/format/gptq_format.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"
#include "faq/util/log.h"
#include "gptq_export_checks.h"
#include "spqr_export.h"

namespace faq {
namespace {

namespace fs = std::filesystem;

// Files a model directory needs besides weights and config.json (tokenizer, generation).
constexpr const char* kSideFiles[] = {
    "tokenizer.json",     "tokenizer_config.json", "tokenizer.model", "special_tokens_map.json",
    "added_tokens.json",  "generation_config.json", "chat_template.jinja", "chat_template.json",
    "vocab.json",         "merges.txt",             "vocab.txt"};

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Absolute, normalised, without a trailing separator (so parent_path() is the parent).
fs::path Normalise(const fs::path& p) {
  fs::path out = fs::weakly_canonical(fs::absolute(p));
  if (out.filename().empty()) out = out.parent_path();
  return out;
}

bool IsWithin(const fs::path& inner, const fs::path& outer) {
  auto [o, i] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return o == outer.end();
}

void CheckDirectories(const fs::path& source, const fs::path& out) {
  if (!fs::is_directory(source)) Fail("export: source model directory '{}' does not exist", source.string());
  if (fs::exists(out) && fs::equivalent(source, out)) {
    Fail("export: output directory '{}' is the source model directory; refusing to overwrite the source",
         out.string());
  }
  if (IsWithin(source, out)) {
    Fail("export: output directory '{}' contains the source model '{}'; replacing it would delete the source",
         out.string(), source.string());
  }
  if (fs::exists(out)) {
    // Only an earlier export (or an empty directory) is replaced: a wrong path must not wipe
    // unrelated data.
    if (!fs::is_directory(out)) Fail("export: output path '{}' exists and is not a directory", out.string());
    if (!fs::is_empty(out) && !fs::exists(out / "config.json")) {
      Fail("export: output directory '{}' exists, is not empty and holds no config.json; refusing to replace it",
           out.string());
    }
  }
}

// Removes the staging directory unless the export completed.
class StagingDir {
 public:
  explicit StagingDir(fs::path path) : path_(std::move(path)) {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
    fs::create_directories(path_);
  }
  ~StagingDir() {
    if (!path_.empty()) {
      std::error_code ignored;
      fs::remove_all(path_, ignored);
    }
  }
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;
  const fs::path& path() const { return path_; }
  void Release() { path_.clear(); }

 private:
  fs::path path_;
};

// Source tensor names in storage order (file, then offset), so the output mirrors the source.
std::vector<std::string> StorageOrder(const SafetensorsReader& reader) {
  std::vector<std::tuple<std::string, uint64_t, std::string>> keyed;
  for (auto& name : reader.Names()) {
    keyed.emplace_back(reader.FileOf(name).path().filename().string(), reader.Entry(name).begin, name);
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::string> out;
  for (auto& [file, begin, name] : keyed) out.push_back(std::move(name));
  return out;
}

void AddCopy(ShardedSafetensorsWriter& writer, const SafetensorsReader& reader, const std::string& name) {
  const TensorEntry& e = reader.Entry(name);
  writer.Add(TensorToWrite{name, e.dtype, e.shape, reader.Bytes(name)});
  reader.Release(name);
}

void AddTensor(ShardedSafetensorsWriter& writer, const std::string& name, const at::Tensor& t) {
  at::Tensor c = t.contiguous();
  writer.Add(ToWrite(name, c));
}

// Runs `pack` with the layer named in any error it raises.
template <typename F>
at::Tensor Packed(const std::string& layer, F&& pack) {
  try {
    return pack();
  } catch (const Error& e) {
    Fail("quantized linear '{}': {}", layer, e.what());
  }
}

// Adds the SpQR tensors of `l` and returns their size in bits, as stored.
uint64_t AddSpqr(ShardedSafetensorsWriter& writer, const std::string& prefix, const QuantizedLinear& l) {
  uint64_t bits = 0;
  for (const auto& [suffix, t] : PackSpqrLinear(l, fmt::format("quantized linear '{}'", prefix))) {
    AddTensor(writer, prefix + "." + suffix, t);
    bits += static_cast<uint64_t>(t.numel()) * t.element_size() * 8;
  }
  return bits;
}

void AddQuantized(ShardedSafetensorsWriter& writer, const std::string& prefix, const QuantizedLinear& l,
                  const TensorEntry& source_weight, const ExportOptions& options, bool v1) {
  if (options.format == ExportOptions::Format::kFake) {
    AddTensor(writer, prefix + ".weight", l.Dequantize().to(ToScalarType(source_weight.dtype)));
    return;
  }
  if (options.format == ExportOptions::Format::kAwq) {  // rows are input columns; no g_idx
    AddTensor(writer, prefix + ".qweight", Packed(prefix, [&] { return PackAwq(l.qweight.t()); }));
    AddTensor(writer, prefix + ".qzeros", Packed(prefix, [&] { return PackAwq(l.zeros); }));
    AddTensor(writer, prefix + ".scales", l.scales.to(at::kHalf));
    return;
  }
  AddTensor(writer, prefix + ".qweight", Packed(prefix, [&] { return PackGptqQweight(l.qweight, l.scheme.bits); }));
  AddTensor(writer, prefix + ".qzeros",
            Packed(prefix, [&] { return PackGptqQzeros(l.zeros, l.scheme.bits, v1); }));
  AddTensor(writer, prefix + ".scales", l.scales.to(at::kHalf));
  AddTensor(writer, prefix + ".g_idx", l.g_idx.to(at::kInt));
}

void CopySideFiles(const fs::path& source, const fs::path& staging) {
  for (const char* file : kSideFiles) {
    if (fs::is_regular_file(source / file)) WriteFileAtomic(staging / file, ReadFile(source / file));
  }
}

// Swaps `staging` in as `out`; an existing `out` is moved aside first and deleted last.
void Publish(StagingDir& staging, const fs::path& out) {
  SyncDirectory(staging.path());
  fs::path old;
  if (fs::exists(out)) {
    old = out.parent_path() / fmt::format(".{}.faq-old-{}", out.filename().string(), ::getpid());
    std::error_code ignored;
    fs::remove_all(old, ignored);
    fs::rename(out, old);
  }
  try {
    fs::rename(staging.path(), out);
  } catch (...) {
    if (!old.empty()) fs::rename(old, out);  // put the previous export back
    throw;
  }
  staging.Release();
  SyncDirectory(out.parent_path());
  if (!old.empty()) fs::remove_all(old);
}

// Decoder linears of the source that stay in full precision (AWQ's modules_to_not_convert).
std::vector<std::string> UnquantizedLinears(const SafetensorsReader& reader,
                                            const std::map<std::string, QuantizedLinear>& linears) {
  std::vector<std::string> out;
  for (const auto& name : reader.Names()) {
    if (!EndsWith(name, "_proj.weight")) continue;
    const std::string prefix = name.substr(0, name.size() - 7);
    if (linears.count(prefix) == 0) out.push_back(prefix);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A replaced tensor must stand for one the source has, and must not also be a quantized
// linear's weight or bias (those travel in QuantizedLinear).
void CheckReplaced(const std::map<std::string, at::Tensor>& replaced,
                   const std::map<std::string, QuantizedLinear>& linears, const SafetensorsReader& reader) {
  for (const auto& [name, tensor] : replaced) {
    if (!reader.Contains(name)) {
      Fail("export: the quantizer replaced tensor '{}', which the source model '{}' does not have", name,
           reader.dir().string());
    }
    const size_t dot = name.rfind('.');
    if (dot != std::string::npos && linears.count(name.substr(0, dot)) > 0) {
      Fail("export: tensor '{}' is both replaced and part of a quantized linear", name);
    }
    if (tensor.sizes().vec() != reader.Entry(name).shape) {
      Fail("export: replaced tensor '{}' has shape {}, the source's is [{}]", name, c10::str(tensor.sizes()),
           fmt::join(reader.Entry(name).shape, ", "));
    }
  }
}

}  // namespace

ExportOptions::Format PackedFormatFor(const std::map<std::string, QuantizedLinear>& linears) {
  for (const auto& [name, l] : linears) {
    if (l.HasSpqrParts()) return ExportOptions::Format::kSpqr;
  }
  return ExportOptions::Format::kGptq;
}

ExportSummary WriteQuantizedCheckpoint(const fs::path& source_dir, const fs::path& out_dir,
                                       const std::map<std::string, QuantizedLinear>& linears,
                                       const nlohmann::json& extra_quant_config, const ExportOptions& options) {
  return WriteQuantizedCheckpoint(source_dir, out_dir, linears, {}, extra_quant_config, options);
}

ExportSummary WriteQuantizedCheckpoint(const fs::path& source_dir, const fs::path& out_dir,
                                       const std::map<std::string, QuantizedLinear>& linears,
                                       const std::map<std::string, at::Tensor>& replaced,
                                       const nlohmann::json& extra_quant_config, const ExportOptions& options) {
  const fs::path source = Normalise(source_dir), out = Normalise(out_dir);
  CheckDirectories(source, out);
  const fs::path config_path = source / "config.json";
  nlohmann::ordered_json config = ParseOrderedJson(ReadFile(config_path), config_path.string());
  if (!config.is_object()) Fail("{}: expected a JSON object", config_path.string());
  if (config.contains("quantization_config")) {
    Fail("export: source model '{}' is already quantized (config.json has quantization_config); export from the "
         "unquantized model",
         source.string());
  }
  SafetensorsReader reader(source);
  CheckReplaced(replaced, linears, reader);
  const bool gptq = options.format == ExportOptions::Format::kGptq;
  const bool awq = options.format == ExportOptions::Format::kAwq;
  const bool spqr = options.format == ExportOptions::Format::kSpqr;
  export_detail::CheckFormatHolds(linears, options.format);
  const QuantScheme scheme = export_detail::ValidateLinears(linears, reader, gptq || awq || spqr);
  const bool v1 = scheme.sym || !options.v2_zeros_for_asym;
  if (gptq) {
    config["quantization_config"] = export_detail::BuildQuantizationConfig(
        scheme, export_detail::NeedsActOrder(linears), v1, extra_quant_config, options.producer);
  }
  if (awq) {
    export_detail::CheckAwqLinears(linears);
    config["quantization_config"] = export_detail::BuildAwqQuantizationConfig(
        scheme, UnquantizedLinears(reader, linears), extra_quant_config, options.producer);
  }
  if (spqr) {
    config["quantization_config"] = export_detail::BuildSpqrQuantizationConfig(
        export_detail::CommonSpqrLayout(linears), export_detail::NeedsActOrder(linears), extra_quant_config,
        options.producer);
  }
  ExportSummary summary;
  uint64_t stored_bits = 0, params = 0;

  fs::create_directories(out.parent_path());
  StagingDir staging(out.parent_path() / fmt::format(".{}.faq-partial-{}", out.filename().string(), ::getpid()));
  size_t replaced_written = 0;
  {
    ShardedSafetensorsWriter writer(staging.path(), options.max_shard_bytes);
    for (const std::string& name : StorageOrder(reader)) {
      if (auto r = replaced.find(name); r != replaced.end()) {
        AddTensor(writer, name, r->second.to(at::kCPU, ToScalarType(reader.Entry(name).dtype)));
        reader.Release(name);
        ++replaced_written;
        continue;
      }
      const std::string prefix =
          EndsWith(name, ".weight") ? name.substr(0, name.size() - 7)
                                    : (EndsWith(name, ".bias") ? name.substr(0, name.size() - 5) : std::string());
      auto it = prefix.empty() ? linears.end() : linears.find(prefix);
      if (it == linears.end()) {
        AddCopy(writer, reader, name);
      } else if (EndsWith(name, ".weight") && spqr) {
        stored_bits += AddSpqr(writer, prefix, it->second);
        params += static_cast<uint64_t>(it->second.qweight.numel());
        if (it->second.outliers.defined()) summary.outliers += it->second.outliers._nnz();
        reader.Release(name);
      } else if (EndsWith(name, ".weight")) {
        AddQuantized(writer, prefix, it->second, reader.Entry(name), options, v1);
        reader.Release(name);
      } else if (it->second.bias.defined()) {  // the quantizer's bias (it may have corrected it)
        AddTensor(writer, name, it->second.bias.to(ToScalarType(reader.Entry(name).dtype)));
      } else {
        AddCopy(writer, reader, name);
      }
    }
    writer.Finish();
  }
  if (replaced_written != replaced.size()) {
    Fail("export: {} of {} replaced tensors were written; the others would have been copied from the source",
         replaced_written, replaced.size());
  }
  if (spqr) {  // counted from what was written, so it holds for the stored layout exactly
    summary.avg_bits = params > 0 ? static_cast<double>(stored_bits) / static_cast<double>(params) : 0.0;
    config["quantization_config"]["avg_bits"] = summary.avg_bits;
    config["quantization_config"]["outlier_count"] = summary.outliers;
  }
  WriteFileAtomic(staging.path() / "config.json", config.dump(2) + "\n");
  CopySideFiles(source, staging.path());
  Publish(staging, out);
  spdlog::info("exported {} quantized linears and {} replaced tensors to '{}' ({})", linears.size(), replaced.size(),
               out.string(), gptq ? (v1 ? "gptq" : "gptq_v2") : awq ? "awq gemm" : spqr ? "spqr" : "fake-quantized");
  return summary;
}

}  // namespace faq
