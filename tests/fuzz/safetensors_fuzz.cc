// Fuzzes the safetensors header parser with arbitrary file contents: it must either
// accept the file with every tensor inside the data section, or throw faq::Error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "faq/io/safetensors.h"
#include "faq/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    faq::SafetensorsHeader h = faq::ParseSafetensorsHeader({data, size}, "fuzz");
    const uint64_t data_size = size - h.DataOffset();
    for (const auto& t : h.tensors) {
      if (t.end > data_size || t.begin > t.end) std::abort();  // accepted an out-of-bounds tensor
      if (h.Find(t.name) != &t) std::abort();
    }
  } catch (const faq::Error&) {
  }
  return 0;
}
