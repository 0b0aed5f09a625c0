// Reads NumPy .npy files (little-endian float32/int64, C order): the goldens' format.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace faq::testing {

struct NpyArray {
  std::string descr;            // "<f4", "<i8"...
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;   // raw data
  const float* f32() const { return reinterpret_cast<const float*>(bytes.data()); }
  int64_t numel() const;
};

NpyArray ReadNpy(const std::filesystem::path& path);

}  // namespace faq::testing
