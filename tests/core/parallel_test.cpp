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

#include <sys/wait.h>
#include <unistd.h>

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

// Calls that use the kept threads (two threads) again and again, calls made from inside a
// task (which start their own), and calls from several threads at once (one gets the
// pool, the others start their own): every task still runs once.
TEST(ParallelFor, KeptThreadsServeRepeatedNestedAndConcurrentCalls) {
  for (int call = 0; call < 200; ++call) {
    std::vector<int> runs(64, 0);
    parallel_for(runs.size(), 2, [&](std::size_t t) { ++runs[t]; });
    ASSERT_EQ(runs, std::vector<int>(64, 1)) << "call " << call;
  }
  std::vector<std::atomic<int>> nested(16 * 16);
  parallel_for(16, 2, [&](std::size_t outer) {
    parallel_for(16, 2, [&](std::size_t inner) { nested[outer * 16 + inner].fetch_add(1); });
  });
  for (const auto& runs : nested) EXPECT_EQ(runs.load(), 1);
  std::vector<std::atomic<int>> shared(4 * 500);
  std::vector<std::thread> callers;
  for (std::size_t c = 0; c < 4; ++c) {
    callers.emplace_back([&, c] {
      for (int call = 0; call < 20; ++call) {
        parallel_for(25, 2, [&](std::size_t t) { shared[c * 500 + call * 25 + t].fetch_add(1); });
      }
    });
  }
  for (auto& caller : callers) caller.join();
  for (const auto& runs : shared) EXPECT_EQ(runs.load(), 1);
  EXPECT_THROW(parallel_for(100, 2,
                            [](std::size_t t) {
                              if (t == 3) throw std::runtime_error("task 3");
                            }),
               std::runtime_error);
  std::vector<int> after(10, 0);  // the pool still serves after a task threw
  parallel_for(after.size(), 2, [&](std::size_t t) { ++after[t]; });
  EXPECT_EQ(after, std::vector<int>(10, 1));
}

// A child made by fork() after the pool has threads still runs every task (with a fresh
// pool of its own) and exits normally.
TEST(ParallelFor, AForkedChildGetsAFreshPool) {
  std::vector<int> warm(8, 0);
  parallel_for(warm.size(), 2, [&](std::size_t t) { ++warm[t]; });
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::vector<int> runs(100, 0);
    parallel_for(runs.size(), 2, [&](std::size_t t) { ++runs[t]; });
    _exit(runs == std::vector<int>(100, 1) ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
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
