// Work sharing over threads: every task runs once, results do not depend on the thread
// count, a task's exception comes back, and a refused thread means fewer threads, not a
// crash (it was `terminate called without an active exception`, exit 134).

#include "core/parallel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace ismc::detail {
namespace {

TEST(ParallelFor, EveryTaskRunsOnceForAnyThreadCount) {
  for (unsigned threads : {1u, 2u, 7u, 64u}) {
    std::vector<int> runs(1000, 0);
    parallel_for(runs.size(), threads, [&](std::size_t t) { ++runs[t]; });
    EXPECT_EQ(runs, std::vector<int>(1000, 1)) << threads << " threads";
  }
}

TEST(ParallelFor, ATasksExceptionIsRethrown) {
  EXPECT_THROW(parallel_for(100, 4,
                            [](std::size_t t) {
                              if (t == 37) throw std::runtime_error("task 37");
                            }),
               std::runtime_error);
}

TEST(StartWorkers, ARefusedThreadStopsTheStartingNotTheRun) {
  int calls = 0;
  const unsigned started = start_workers(5, [&] {
    if (++calls == 3) throw std::system_error(EAGAIN, std::generic_category(), "thread");
  });
  EXPECT_EQ(started, 2u);
  EXPECT_EQ(calls, 3);
  // The threads that did start, and the caller, still do all the work.
  std::vector<std::thread> pool;
  std::atomic<int> done{0};
  const unsigned some = start_workers(4, [&] {
    if (pool.size() == 1) throw std::system_error(EAGAIN, std::generic_category(), "thread");
    pool.emplace_back([&] { done.fetch_add(1); });
  });
  for (auto& thread : pool) thread.join();
  EXPECT_EQ(some, 1u);
  EXPECT_EQ(done.load(), 1);
}

}  // namespace
}  // namespace ismc::detail
