// CreateGlooBackend: c10d's ProcessGroupGloo over TCP. The only file that sees Gloo's
// headers (Debian's libgloo-dev; the torch wheel carries Gloo's code but not its headers).
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>

#include "backends.h"

namespace faq::dist {

c10::intrusive_ptr<c10d::Backend> CreateGlooBackend(const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                                    int world_size, std::chrono::milliseconds timeout) {
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  // GLOO_SOCKET_IFNAME (as in PyTorch) picks the interface; otherwise the address the
  // host name resolves to, which is what torchrun's other ranks reach.
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME")) {
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
  } else {
    options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  }
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world_size, options);
}

}  // namespace faq::dist
