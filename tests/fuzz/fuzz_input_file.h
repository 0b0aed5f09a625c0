// The file-reading fuzz targets parse a path, not bytes: each input is written to one
// per-process scratch file, removed when the fuzzer exits so no run leaves /tmp litter.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace faq::fuzz {

// Writes `data` to /tmp/faq-<name>-fuzz-<pid><extension> and returns its path.
inline const std::string& WriteFuzzInput(const char* name, const char* extension, const uint8_t* data, size_t size) {
  static const std::string path = [&] {
    std::string p = std::string("/tmp/faq-") + name + "-fuzz-" + std::to_string(::getpid()) + extension;
    static std::string removed_at_exit;
    removed_at_exit = p;
    std::atexit([] { std::remove(removed_at_exit.c_str()); });
    return p;
  }();
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  return path;
}

}  // namespace faq::fuzz
