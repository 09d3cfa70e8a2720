#include "backend_cpu.hpp"

#include <algorithm>
#include <vector>

#include "parallel.hpp"

namespace ismc::detail {

namespace {
// Simulations per task: large enough to amortize scheduling, small enough for a smooth
// progress bar and prompt interruption.
constexpr std::uint64_t sims_per_task = 1u << 16;
}  // namespace

void cpu_backend::count_rejections(const model& model, const double* targets,
                                   std::size_t n_targets, std::uint64_t sims, std::uint64_t seed,
                                   bool common_random_numbers, std::uint64_t* counts,
                                   const run_hooks& hooks) {
  const std::size_t dim = model.dim();
  const std::uint64_t chunks = (sims + sims_per_task - 1) / sims_per_task;
  const std::size_t n_tasks = n_targets * chunks;
  // One slot per task, summed in task order: the result cannot depend on scheduling.
  std::vector<std::uint64_t> task_counts(n_tasks, 0);
  parallel_for(n_tasks, hooks.threads, [&](std::size_t task) {
    hooks.check_interrupt();
    const std::size_t j = task / chunks;
    const std::uint64_t begin = (task % chunks) * sims_per_task;
    const std::uint64_t end = std::min(sims, begin + sims_per_task);
    const random_stream stream{seed, streams::target(j, common_random_numbers)};
    task_counts[task] = model.count_rejections(targets + j * dim, stream, begin, end);
    hooks.advance(end - begin);
  });
  for (std::size_t j = 0; j < n_targets; ++j) {
    std::uint64_t total = 0;
    for (std::uint64_t c = 0; c < chunks; ++c) total += task_counts[j * chunks + c];
    counts[j] = total;
  }
}

}  // namespace ismc::detail
