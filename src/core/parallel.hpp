#pragma once
// Work sharing over CPU threads. Results must not depend on the thread count, so callers
// write each task's result to its own slot and combine slots in task order.

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#if defined(__unix__)
#include <pthread.h>
#endif

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

/// Threads kept between calls of parallel_for, so that a call does not pay for starting
/// and joining its threads (tens of microseconds each: an ensemble's 1000 batched
/// likelihood calls, or a millisecond-sized estimate with several parallel stages, would
/// pay it each time). At most the hardware's thread count less one are kept (the caller
/// is the other); one call uses the pool at a time, and a call that finds it busy, or is
/// made from inside a task, starts its own threads as before. Which thread runs a task
/// never matters: callers write each task's result to its own slot.
class worker_pool {
 public:
  /// The process's pool (never destroyed: its threads wait until the process ends).
  /// A child made by fork() gets a fresh, empty pool: it has none of the parent's threads,
  /// and the parent's pool may have been forked with a mutex held.
  static worker_pool& instance() {
    static const bool made = [] {
      current() = new worker_pool();
#if defined(__unix__)
      pthread_atfork(nullptr, nullptr, [] { current() = new worker_pool(); });
#endif
      return true;
    }();
    (void)made;
    return *current();
  }

  /// The most helpers the pool keeps.
  static unsigned capacity() { return resolve_threads(0) - 1; }

  /// Runs `work` on the calling thread and on up to `helpers` pool threads (started the
  /// first time they are needed: a refused thread means fewer helpers), and returns when
  /// every one of them has returned from it. Returns false, running nothing, when the pool
  /// is busy with another call or the caller is one of its threads.
  bool try_run(unsigned helpers, const std::function<void()>& work) {
    // (A task of this call that calls parallel_for again must not try run_mutex_, which its
    // thread may hold: in_call.)
    if (in_worker() || in_call() || helpers > capacity()) return false;
    std::unique_lock<std::mutex> running(run_mutex_, std::try_to_lock);
    if (!running.owns_lock()) return false;
    struct call_flag {
      call_flag() { in_call() = true; }
      ~call_flag() { in_call() = false; }
    } calling;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (threads_.size() < helpers) {
        start_workers(helpers - static_cast<unsigned>(threads_.size()),
                      [&] { threads_.emplace_back([this] { serve(); }); });
      }
      job_ = &work;
      wanted_ = std::min<std::size_t>(helpers, threads_.size());
      ++generation_;
    }
    work_ready_.notify_all();
    work();
    std::unique_lock<std::mutex> lock(mutex_);
    wanted_ = 0;  // a helper that has not woken yet stays out of this call
    job_done_.wait(lock, [&] { return active_ == 0; });
    job_ = nullptr;
    return true;
  }

 private:
  worker_pool() = default;

  static worker_pool*& current() {
    static worker_pool* pool = nullptr;
    return pool;
  }

  static bool& in_worker() {
    static thread_local bool flag = false;
    return flag;
  }
  static bool& in_call() {
    static thread_local bool flag = false;
    return flag;
  }

  void serve() {
    in_worker() = true;
    std::uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      work_ready_.wait(lock, [&] { return generation_ != seen; });
      seen = generation_;
      if (wanted_ == 0) continue;
      --wanted_;
      ++active_;
      const std::function<void()>* job = job_;
      lock.unlock();
      (*job)();
      lock.lock();
      if (--active_ == 0) job_done_.notify_one();
    }
  }

  std::mutex run_mutex_;  // held by the call using the pool
  std::mutex mutex_;      // guards what follows
  std::condition_variable work_ready_, job_done_;
  std::vector<std::thread> threads_;
  const std::function<void()>* job_ = nullptr;
  std::uint64_t generation_ = 0;
  std::size_t wanted_ = 0;  // helpers this call may still take
  std::size_t active_ = 0;  // helpers inside the job
};

/// Calls task(t) for t in [0, n_tasks) on up to `threads` threads (the caller and pool
/// threads, see worker_pool), tasks taken in order from a shared counter. The first
/// exception thrown by a task stops the others from starting new tasks and is rethrown
/// here.
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
  const std::function<void()> pooled_work = work;
  if (!worker_pool::instance().try_run(workers - 1, pooled_work)) {
    std::vector<std::thread> pool;
    pool.reserve(workers - 1);
    start_workers(workers - 1, [&] { pool.emplace_back(work); });
    work();
    for (auto& thread : pool) thread.join();
  }
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace ismc::detail
