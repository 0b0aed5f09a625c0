// Running many independent, mostly-waiting tasks (HTTP requests) on a bounded set of threads.
#pragma once

#include <cstddef>
#include <functional>

namespace faq {

// Calls `task(i)` for every i in [0, count) on at most `concurrency` threads, each taking
// the next index when it finishes one. If a task throws, no new tasks start and the first
// exception is rethrown once the running ones end.
void RunConcurrently(int concurrency, size_t count, const std::function<void(size_t)>& task);

}  // namespace faq
