// CreateNcclBackend when faq is built without NCCL (a CPU-only LibTorch or no nccl.h).
#include "faq/util/error.h"
#include "backends.h"

namespace faq::dist {

c10::intrusive_ptr<c10d::Backend> CreateNcclBackend(const c10::intrusive_ptr<c10d::Store>&, int, int,
                                                    std::chrono::milliseconds) {
  Fail("this faq was built without NCCL (its LibTorch has no CUDA, or nccl.h was not found): use --backend gloo");
}

}  // namespace faq::dist
