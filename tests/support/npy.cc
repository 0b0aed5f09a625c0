// A minimal .npy reader for the goldens.
#include "support/npy.h"

#include <regex>

#include "faq/util/atomic_file.h"
#include "faq/util/error.h"

namespace faq::testing {

int64_t NpyArray::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

NpyArray ReadNpy(const std::filesystem::path& path) {
  std::string data = ReadFile(path);
  if (data.size() < 10 || data.compare(0, 6, "\x93NUMPY") != 0) Fail("{}: not a .npy file", path.string());
  const int major = static_cast<uint8_t>(data[6]);
  size_t header_len, offset;
  if (major == 1) {
    header_len = static_cast<uint8_t>(data[8]) | (static_cast<uint8_t>(data[9]) << 8);
    offset = 10;
  } else {
    header_len = 0;
    for (int i = 3; i >= 0; --i) header_len = (header_len << 8) | static_cast<uint8_t>(data[8 + i]);
    offset = 12;
  }
  std::string header = data.substr(offset, header_len);
  std::smatch m;
  NpyArray a;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([^']+)'"))) Fail("{}: no descr", path.string());
  a.descr = m[1];
  if (header.find("'fortran_order': False") == std::string::npos) Fail("{}: Fortran order", path.string());
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)"))) Fail("{}: no shape", path.string());
  std::string dims = m[1];
  std::regex num("\\d+");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num); it != std::sregex_iterator(); ++it) {
    a.shape.push_back(std::stoll(it->str()));
  }
  a.bytes.assign(data.begin() + static_cast<long>(offset + header_len), data.end());
  return a;
}

}  // namespace faq::testing
