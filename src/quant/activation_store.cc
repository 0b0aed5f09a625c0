// AllocateActivations: anonymous memory or a file-backed shared mapping.
#include "faq/quant/activation_store.h"

#include <ATen/ATen.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "faq/util/error.h"

namespace faq {

at::Tensor AllocateActivations(const std::vector<int64_t>& shape, const ActivationPlacement& where) {
  const at::TensorOptions options = at::TensorOptions().dtype(where.dtype);
  if (where.offload_dir.empty()) {
    return at::empty(shape, where.pinned ? options.pinned_memory(true) : options.device(where.device));
  }
  const std::filesystem::path& offload_dir = where.offload_dir;
  std::filesystem::create_directories(offload_dir);
  uint64_t bytes = static_cast<uint64_t>(c10::elementSize(where.dtype));
  for (int64_t d : shape) bytes *= static_cast<uint64_t>(d);
  std::string pattern = (offload_dir / "faq-activations-XXXXXX").string();
  int fd = ::mkstemp(pattern.data());
  if (fd < 0) Fail("--offload-dir '{}': cannot create a file: {}", offload_dir.string(), std::strerror(errno));
  ::unlink(pattern.c_str());  // the mapping keeps it alive; nothing is left behind after a crash
  if (bytes > 0 && ::ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
    ::close(fd);
    Fail("--offload-dir '{}': cannot reserve {} bytes: {}", offload_dir.string(), bytes, std::strerror(errno));
  }
  void* p = bytes > 0 ? ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : nullptr;
  ::close(fd);
  if (p == MAP_FAILED) Fail("--offload-dir '{}': cannot map {} bytes: {}", offload_dir.string(), bytes, std::strerror(errno));
  if (bytes == 0) return at::empty(shape, options);
  return at::from_blob(p, shape, [bytes](void* q) { ::munmap(q, bytes); }, options);
}

}  // namespace faq
