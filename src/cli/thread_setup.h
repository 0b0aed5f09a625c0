// --threads: the tensor threads of this process, on the CPUs it is really granted.
#pragma once

namespace faq::cli {

// Plans the threads (faq/util/thread_plan.h) for `requested` (--threads, 0: default) and
// sets LibTorch's count. When the cores are busy and OpenMP would spin, starts this process
// again once with passive waiting (it does not return then). Logging must be set up.
void SetUpThreads(int requested, char** argv);

}  // namespace faq::cli
