#pragma once
// Work sharing over CPU threads. Results must not depend on the thread count, so callers
// write each task's result to its own slot and combine slots in task order.

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "ismc/core/test_fault.hpp"

namespace ismc::detail {

/// Number of worker threads to use: `requested`, or all hardware threads when 0. The
/// hardware count is read once (glibc reads it from /sys on every call: microseconds, which
/// small batched calls would pay each time).
inline unsigned resolve_threads(unsigned requested) {
  if (requested > 0) return requested;
  static const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
  return hardware;
}

/// Calls `start()` up to `count` times, each starting one worker thread; when the system
/// refuses a thread (`std::system_error`, e.g. a process limit), stops there instead of
/// failing: the work is shared through a counter, so fewer threads only take longer and
/// give the same results. Returns how many started.
template <class Start>
unsigned start_workers(unsigned count, Start&& start) {
  unsigned started = 0;
  for (; started < count; ++started) {
    try {
      if (test_fault_strikes(test_fault::thread_create)) {
        throw std::system_error(EAGAIN, std::generic_category(),
                                "thread creation refused (ISMC_TEST_FAULT)");
      }
      start();
    } catch (const std::system_error&) {
      break;
    }
  }
  return started;
}

/// Calls task(t) for t in [0, n_tasks) on up to `threads` threads, tasks taken in order
/// from a shared counter. The first exception thrown by a task stops the others from
/// starting new tasks and is rethrown here.
template <class Task>
void parallel_for(std::size_t n_tasks, unsigned threads, Task&& task) {
  const unsigned workers =
      static_cast<unsigned>(std::min<std::size_t>(resolve_threads(threads), n_tasks));
  if (workers <= 1) {
    for (std::size_t t = 0; t < n_tasks; ++t) task(t);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex error_mutex;
  auto work = [&] {
    for (;;) {
      if (failed.load(std::memory_order_relaxed)) return;
      const std::size_t t = next.fetch_add(1, std::memory_order_relaxed);
      if (t >= n_tasks) return;
      try {
        task(t);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
        failed.store(true);
        return;
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(workers - 1);
  start_workers(workers - 1, [&] { pool.emplace_back(work); });
  work();
  for (auto& thread : pool) thread.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace ismc::detail
