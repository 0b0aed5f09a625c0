// libFuzzer target (links LibTorch: built with -DFAQ_FUZZ_TORCH=ON): loading a quantized
// checkpoint's linears. Input: config.json text, a NUL byte, then a safetensors file. Both
// are written to a model directory and every `P.qweight` in it is loaded as `P.weight` the
// way the model loader does (LoadChecked: quantization_config picks GPTQ, AWQ or SpQR, the
// packed tensors are checked and dequantized), for each layer shape the packed shape allows.
// Every failure must be a faq::Error; a loaded weight must have the asked shape.
#include <ATen/core/Tensor.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "faq/io/safetensors.h"
#include "faq/model/weights.h"
#include "faq/util/error.h"

namespace {

namespace fs = std::filesystem;

void WriteBytes(const fs::path& path, std::string_view bytes) {
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
  }
}

// [out_features, in_features] candidates for a packed qweight [rows, cols]: GPTQ and SpQR pack
// K·b/32 rows, AWQ packs N·b/32 columns, for each bit width faq reads.
std::vector<std::vector<int64_t>> LayerShapes(const std::vector<int64_t>& packed) {
  std::vector<std::vector<int64_t>> shapes;
  if (packed.size() != 2) return {{1, 1}};
  constexpr int64_t kMaxElements = int64_t{1} << 22;  // the dequantized weight stays small
  for (int64_t bits : {2, 3, 4, 8}) {
    for (const auto& s : {std::vector<int64_t>{packed[1], packed[0] * 32 / bits},
                          std::vector<int64_t>{packed[1] * 32 / bits, packed[0]}}) {
      if (s[0] > 0 && s[1] > 0 && s[0] <= kMaxElements / s[1]) shapes.push_back(s);
    }
  }
  return shapes;
}

void LoadEveryPackedLinear(const fs::path& dir) {
  const faq::SafetensorsReader reader(dir);
  constexpr std::string_view kSuffix = ".qweight";
  for (const std::string& name : reader.Names()) {
    if (name.size() <= kSuffix.size() || name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
      continue;
    }
    const std::string weight = name.substr(0, name.size() - kSuffix.size()) + ".weight";
    for (const auto& shape : LayerShapes(reader.Entry(name).shape)) {
      try {
        const at::Tensor w = faq::LoadChecked(reader, weight, shape, at::kFloat);
        if (w.sizes().vec() != shape) {
          std::fprintf(stderr, "'%s' loaded with another shape than asked\n", weight.c_str());
          std::abort();
        }
      } catch (const faq::Error&) {
        // This shape or this checkpoint is refused, naming the tensor: by design.
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fs::path dir = fs::temp_directory_path() / ("faq-gptq-fuzz-" + std::to_string(::getpid()));
  static const bool made = fs::create_directories(dir) || fs::is_directory(dir);
  if (!made) std::abort();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  if (nul == std::string_view::npos) return 0;
  WriteBytes(dir / "config.json", input.substr(0, nul));
  WriteBytes(dir / "model.safetensors", input.substr(nul + 1));
  try {
    LoadEveryPackedLinear(dir);
  } catch (const faq::Error&) {
    // An unreadable safetensors file, by design.
  }
  return 0;
}
