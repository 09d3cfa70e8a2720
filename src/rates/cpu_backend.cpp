#include "rates/cpu_backend.hpp"

#include <algorithm>
#include <atomic>
#include <climits>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/core/memory.hpp"
#include "ismc/rates/mixture.hpp"
#include "ismc/rates/mixture_math.hpp"
#include "rates/mixture_batch.hpp"
#include "core/parallel.hpp"

namespace ismc::detail {

namespace {

// Simulations per task: large enough to amortize scheduling, small enough for a smooth
// progress bar and prompt interruption.
constexpr std::uint64_t sims_per_task = 1u << 16;

// Shared-proposal precomputation is skipped above this many doubles (it is a speed-up only).
constexpr double precompute_budget_doubles = 64.0 * 1024 * 1024;

// Samples per block of the four-index loops: a block's precomputed terms (8 rows of
// doubles for 8 clusters) stay in the core's cache while every target of a group reads them.
constexpr std::size_t terms_block = 512;

// The direct evaluation of a mixture term is used while e^a stays far from overflow.
constexpr double direct_exponent_limit = 600.0;

// Below this, Σ w E has underflowed and the shared term is evaluated term by term.
constexpr double smallest_scaled_sum = 1e-290;

// Simulates samples [begin, end) of `stream` at `theta` in blocks through
// model::simulate_many (the vectorized batch where the model has one) into `xs`, takes the
// block's decisions at once (model::reject_many, into `rejected`), and calls visit(i, x)
// for each rejected sample i in order.
template <class Visit>
void for_each_rejected(const model& model, const double* theta, random_stream stream,
                       std::uint64_t begin, std::uint64_t end, std::vector<double>& xs,
                       std::vector<std::uint8_t>& rejected, Visit&& visit) {
  const std::size_t sample_size = model.sample_size();
  const std::size_t block = simulate_block_size(sample_size);
  xs.resize(block * sample_size);
  rejected.resize(block);
  std::vector<std::uint32_t> which(block);
  for (std::uint64_t first = begin; first < end; first += block) {
    const auto count = static_cast<std::size_t>(std::min<std::uint64_t>(block, end - first));
    model.simulate_many(theta, stream, first, count, xs.data());
    model.reject_many(xs.data(), count, rejected.data());
    // The rejected samples' indices without a branch per sample (which ones are rejected
    // is random: a branch on each would be mispredicted about as often as one is), then
    // the visits.
    std::size_t n = 0;
    for (std::size_t r = 0; r < count; ++r) {
      which[n] = static_cast<std::uint32_t>(r);
      n += rejected[r];
    }
    for (std::size_t t = 0; t < n; ++t) visit(first + which[t], xs.data() + which[t] * sample_size);
  }
}

// Splits n_params × sims simulations into tasks of at most sims_per_task simulations.
struct sim_tasks {
  std::uint64_t chunks;
  std::size_t count;
  sim_tasks(std::size_t n_params, std::uint64_t sims)
      : chunks((sims + sims_per_task - 1) / sims_per_task), count(n_params * chunks) {}
  std::size_t param(std::size_t task) const { return task / chunks; }
  std::uint64_t begin(std::size_t task) const { return (task % chunks) * sims_per_task; }
  std::uint64_t end(std::size_t task, std::uint64_t sims) const {
    return std::min(sims, begin(task) + sims_per_task);
  }
};

// The rejected samples of one shared proposal, with what does not depend on the target,
// stored by slot (row s holds one value per sample): log_ratio[s · count + r] =
// ℓ_s(x_r) − ℓ_k(x_r) for every shared proposal s, the per-sample maximum `shift[r]` (at
// least 0, the generator's own term), and scaled_by_slot[s · count + r] =
// exp(log_ratio − shift) ∈ [0, 1] (0 where it is below e^x's normal range) for the
// vectorized loop.
struct shared_samples {
  std::vector<double> x;
  std::vector<double> log_ratio;
  std::vector<double> shift;
  std::vector<double> scaled_by_slot;
  std::size_t count = 0;
};

// The budget for the pilot's cluster points, shared by the tasks of one collect_rejections
// call: a task charges each growth of its vector before it happens, and once a charge
// overdraws the budget every task stops keeping (the labelling pass then simulates).
class point_budget {
 public:
  explicit point_budget(std::uint64_t bytes) : bytes_(bytes) {}

  // Whether one more point of `size` values fits in `points`, growing it when the budget
  // allows; releases `points` once the budget is spent.
  bool room_for(std::vector<double>& points, std::size_t size) {
    if (spent_.load(std::memory_order_relaxed)) {
      release(points);
      return false;
    }
    if (points.size() + size <= points.capacity()) return true;
    // Doubling, from room for 64 points: few reallocations for the usual few hundred.
    const std::size_t grown = std::max(points.capacity() * 2, points.size() + 64 * size);
    const std::uint64_t extra = (grown - points.capacity()) * sizeof(double);
    if (charged_.fetch_add(extra, std::memory_order_relaxed) + extra > bytes_) {
      spent_.store(true, std::memory_order_relaxed);
      release(points);
      return false;
    }
    points.reserve(grown);
    return true;
  }

  // Gives back the unused part of a finished task's vector (doubling leaves up to half).
  void trim(std::vector<double>& points) {
    const std::size_t before = points.capacity();
    points.shrink_to_fit();
    charged_.fetch_sub((before - points.capacity()) * sizeof(double), std::memory_order_relaxed);
  }

  bool spent() const { return spent_.load(std::memory_order_relaxed); }

 private:
  static void release(std::vector<double>& points) {
    if (points.capacity() > 0) points = std::vector<double>();
  }

  std::uint64_t bytes_;
  std::atomic<std::uint64_t> charged_{0};
  std::atomic<bool> spent_{false};
};

// Whether n values at `a` and `b` have the same bits (the same parameters simulate the same
// samples; NaN equals itself, −0 differs from 0).
bool same_bits(const double* a, const double* b, std::size_t n) {
  return n == 0 || std::memcmp(a, b, n * sizeof(double)) == 0;
}

}  // namespace

void cpu_backend::count_rejections(const model& model, const double* targets, std::size_t n_targets,
                                   std::size_t first_target, std::uint64_t sims, std::uint64_t seed,
                                   bool common_random_numbers, std::uint64_t* counts,
                                   const run_hooks& hooks) {
  const std::size_t dim = model.dim();
  const sim_tasks tasks(n_targets, sims);
  // One slot per task, summed in task order: the result cannot depend on scheduling.
  std::vector<std::uint64_t> task_counts(tasks.count, 0);
  parallel_for(tasks.count, hooks.threads, [&](std::size_t task) {
    hooks.check_interrupt();
    const std::size_t j = tasks.param(task);
    const std::uint64_t begin = tasks.begin(task), end = tasks.end(task, sims);
    const random_stream stream{seed, streams::target(first_target + j, common_random_numbers)};
    task_counts[task] = model.count_rejections(targets + j * dim, stream, begin, end);
    hooks.advance(end - begin);
  });
  for (std::size_t j = 0; j < n_targets; ++j) {
    std::uint64_t total = 0;
    for (std::uint64_t c = 0; c < tasks.chunks; ++c) total += task_counts[j * tasks.chunks + c];
    counts[j] = total;
  }
}

void cpu_backend::collect_rejections(const model& model, const double* params, std::size_t n_params,
                                     std::size_t first_target, std::uint64_t sims,
                                     std::uint64_t seed, bool common_random_numbers,
                                     double keep_fraction, std::vector<double>& samples,
                                     std::uint64_t* counts, const run_hooks& hooks) {
  const std::size_t dim = model.dim();
  const std::size_t cluster_size = model.cluster_size();
  const sim_tasks tasks(n_params, sims);
  // What an earlier call kept no longer matters, whatever becomes of this one.
  pilot_points_ = pilot_points{};
  // Every rejection's cluster point, for the labelling pass that follows (see
  // count_nearest_centre), while they fit: at ~8% rejections they are a small fraction of
  // the pilot, and labelling them costs a fraction of simulating the pilot again.
  point_budget budget(std::min(pilot_points_budget_, memory_limit_bytes()));
  std::vector<std::vector<double>> labelled(tasks.count);
  std::vector<std::vector<double>> kept(tasks.count);
  std::vector<std::uint64_t> task_counts(tasks.count, 0);
  parallel_for(tasks.count, hooks.threads, [&](std::size_t task) {
    hooks.check_interrupt();
    const std::size_t j = tasks.param(task);
    const std::uint64_t begin = tasks.begin(task), end = tasks.end(task, sims);
    const random_stream stream{seed, streams::target(first_target + j, common_random_numbers)};
    const random_stream keep_stream{seed, streams::subsample(first_target + j)};
    std::vector<double> xs, point(cluster_size);
    std::vector<std::uint8_t> rejected;
    // The task's count and points live here, not in the shared arrays, until it ends:
    // neighbouring tasks' slots share cache lines, which two threads writing per sample
    // would pass back and forth.
    std::uint64_t rejections = 0;
    std::vector<double> points, pool;
    for_each_rejected(model, params + j * dim, stream, begin, end, xs, rejected,
                      [&](std::uint64_t i, const double* x) {
                        ++rejections;
                        const bool keep = keep_in_pool(keep_stream, i, keep_fraction);
                        const bool label =
                            cluster_size > 0 && budget.room_for(points, cluster_size);
                        if (!keep && !label) return;
                        model.cluster_point(x, point.data());
                        if (keep) pool.insert(pool.end(), point.begin(), point.end());
                        if (label) points.insert(points.end(), point.begin(), point.end());
                      });
    budget.trim(points);
    task_counts[task] = rejections;
    kept[task] = std::move(pool);
    labelled[task] = std::move(points);
    hooks.advance(end - begin);
  });
  for (const auto& part : kept) samples.insert(samples.end(), part.begin(), part.end());
  std::fill(counts, counts + n_params, 0);
  for (std::size_t task = 0; task < tasks.count; ++task)
    counts[tasks.param(task)] += task_counts[task];
  if (cluster_size == 0 || budget.spent()) return;  // over budget: the labelling pass simulates
  pilot_points_.source = &model;
  pilot_points_.model_name = model.name();
  pilot_points_.params.assign(params, params + n_params * dim);
  pilot_points_.n_params = n_params;
  pilot_points_.first_target = first_target;
  pilot_points_.sims = sims;
  pilot_points_.seed = seed;
  pilot_points_.common_random_numbers = common_random_numbers;
  pilot_points_.by_task = std::move(labelled);
  pilot_points_.valid = true;
}

void cpu_backend::count_nearest_centre(const model& model, const double* params,
                                       std::size_t n_params, std::size_t first_target,
                                       std::uint64_t sims, std::uint64_t seed,
                                       bool common_random_numbers, const double* centres,
                                       std::size_t n_centres, std::uint64_t* counts,
                                       const run_hooks& hooks) {
  // The kept points serve this call at most: released when it returns, matched or not.
  pilot_points points = std::move(pilot_points_);
  pilot_points_ = pilot_points{};
  const std::size_t dim = model.dim();
  const std::size_t cluster_size = model.cluster_size();
  if (n_centres == 0) return;  // no centre, no label (nearest_centre needs one)
  // nearest_centre indexes the centres with int, as the device does.
  if (cluster_size > 0 && n_centres > static_cast<std::size_t>(INT_MAX) / cluster_size) {
    throw usage_error(
        bad_value("count_nearest_centre: centres", n_centres,
                  "at most " + std::to_string(static_cast<std::size_t>(INT_MAX) / cluster_size)));
  }
  const sim_tasks tasks(n_params, sims);
  // The same model, parameters, simulations and streams as the collecting pass: the same
  // rejections, whose cluster points it kept in task and simulation order.
  const bool from_points =
      points.valid && points.source == &model && points.model_name == model.name() &&
      points.n_params == n_params && points.params.size() == n_params * dim &&
      same_bits(points.params.data(), params, n_params * dim) &&
      points.first_target == first_target && points.sims == sims && points.seed == seed &&
      points.common_random_numbers == common_random_numbers && points.by_task.size() == tasks.count;
  if (!from_points) points = pilot_points{};
  std::vector<std::uint64_t> task_counts(tasks.count * n_centres, 0);
  parallel_for(tasks.count, hooks.threads, [&](std::size_t task) {
    hooks.check_interrupt();
    const std::size_t j = tasks.param(task);
    const std::uint64_t begin = tasks.begin(task), end = tasks.end(task, sims);
    // Counted here and stored at the end (no cache line shared with another task's slots).
    std::vector<std::uint64_t> mine(n_centres, 0);
    const auto label = [&](const double* point) {
      ++mine[nearest_centre(point, centres, static_cast<int>(n_centres),
                            static_cast<int>(cluster_size))];
    };
    if (from_points && cluster_size == 1) {
      // One coordinate: nearest_centre's distances and ties, centre by centre over all the
      // points (a loop the compiler vectorizes), then the counts.
      const std::vector<double>& kept = points.by_task[task];
      std::vector<std::uint64_t> nearest(kept.size());
      nearest_centres_1d(kept.data(), kept.size(), centres, n_centres, nearest.data());
      for (std::uint64_t centre : nearest) ++mine[centre];
    } else if (from_points) {
      const std::vector<double>& kept = points.by_task[task];
      for (std::size_t at = 0; at < kept.size(); at += cluster_size) label(kept.data() + at);
    } else {
      const random_stream stream{seed, streams::target(first_target + j, common_random_numbers)};
      std::vector<double> xs, point(cluster_size);
      std::vector<std::uint8_t> rejected;
      for_each_rejected(model, params + j * dim, stream, begin, end, xs, rejected,
                        [&](std::uint64_t, const double* x) {
                          model.cluster_point(x, point.data());
                          label(point.data());
                        });
    }
    std::copy(mine.begin(), mine.end(), task_counts.begin() + task * n_centres);
    hooks.advance(end - begin);
  });
  if (from_points) ++labellings_from_kept_points_;
  std::fill(counts, counts + n_params * n_centres, 0);
  for (std::size_t task = 0; task < tasks.count; ++task) {
    const std::size_t j = tasks.param(task);
    for (std::size_t c = 0; c < n_centres; ++c) {
      counts[j * n_centres + c] += task_counts[task * n_centres + c];
    }
  }
}

void cpu_backend::mixture_accumulate(const model& model, const mixture_problem& problem,
                                     double* sum, double* sum_squares, const run_hooks& hooks) {
  const mixture_weights& weights = *problem.weights;
  const std::size_t dim = model.dim();
  const std::size_t sample_size = model.sample_size();
  const std::uint64_t sims = problem.sims_per_proposal;
  const double* targets = problem.targets;
  const double* proposals = problem.proposals;

  // A proposal in the support of two or more targets is shared: simulated once, and its
  // target-independent log-density ratios computed once.
  std::vector<std::size_t> usage(problem.n_proposals, 0);
  if (problem.proposal_usage != nullptr) {  // a chunk: shared as in the whole study
    for (std::size_t k = 0; k < problem.n_proposals; ++k) usage[k] = problem.proposal_usage[k];
  } else {
    for (std::uint32_t k : weights.proposal) ++usage[k];
  }
  std::vector<long> slot(problem.n_proposals, -1);
  std::vector<std::uint32_t> shared;
  for (std::size_t k = 0; k < problem.n_proposals; ++k) {
    if (usage[k] >= 2) {
      slot[k] = static_cast<long>(shared.size());
      shared.push_back(static_cast<std::uint32_t>(k));
    }
  }
  const std::size_t n_shared = shared.size();
  const bool precompute = static_cast<double>(n_shared) * static_cast<double>(n_shared) *
                              static_cast<double>(sims) * 2.0 <=
                          precompute_budget_doubles;

  // Simulate the shared proposals (tasks over proposal × chunk, merged in task order).
  std::vector<shared_samples> cache(n_shared);
  {
    const sim_tasks tasks(n_shared, sims);
    std::vector<shared_samples> parts(tasks.count);
    parallel_for(tasks.count, hooks.threads, [&](std::size_t task) {
      hooks.check_interrupt();
      const std::size_t s = tasks.param(task);
      const std::uint32_t k = shared[s];
      const double* theta_k = proposals + k * dim;
      const random_stream stream{problem.seed, proposal_stream(problem, k)};
      shared_samples& part = parts[task];
      std::vector<double> xs;
      std::vector<std::uint8_t> rejected;
      const std::uint64_t begin = tasks.begin(task), end = tasks.end(task, sims);
      part.x.resize((end - begin) * sample_size);  // room for every sample, trimmed below
      for_each_rejected(model, theta_k, stream, begin, end, xs, rejected,
                        [&](std::uint64_t, const double* x) {
                          std::copy_n(x, sample_size, part.x.data() + part.count * sample_size);
                          ++part.count;
                        });
      part.x.resize(part.count * sample_size);
      if (!precompute) return;
      // The part's ratios against every shared proposal at once, by slot; then the shift and
      // the scaled ratios (vectorized, rates/mixture_batch.hpp).
      const std::size_t n = part.count;
      part.log_ratio.resize(n_shared * n);
      part.shift.assign(n, 0.0);  // the generator's own term is log 1 = 0
      for (std::size_t t = 0; t < n_shared; ++t) {
        double* row = part.log_ratio.data() + t * n;
        if (shared[t] == k) {
          std::fill(row, row + n, 0.0);
        } else {
          model.log_density_ratios(proposals + shared[t] * dim, theta_k, part.x.data(), n, row);
        }
        for (std::size_t r = 0; r < n; ++r) part.shift[r] = std::max(part.shift[r], row[r]);
      }
      part.scaled_by_slot.resize(n_shared * n);
      for (std::size_t t = 0; t < n_shared; ++t) {
        shifted_exponentials(part.log_ratio.data() + t * n, part.shift.data(), n,
                             part.scaled_by_slot.data() + t * n);
      }
    });
    // Each proposal's parts in task order: the samples and shifts end to end, each slot's
    // row made of the parts' rows.
    for (std::size_t s = 0; s < n_shared; ++s) {
      shared_samples& into = cache[s];
      if (tasks.chunks == 1) {  // one part: it is the whole
        into = std::move(parts[s]);
        continue;
      }
      for (std::size_t c = 0; c < tasks.chunks; ++c)
        into.count += parts[s * tasks.chunks + c].count;
      into.x.reserve(into.count * sample_size);
      if (precompute) {
        into.shift.reserve(into.count);
        into.log_ratio.resize(n_shared * into.count);
        into.scaled_by_slot.resize(n_shared * into.count);
      }
      std::size_t offset = 0;
      for (std::size_t c = 0; c < tasks.chunks; ++c) {
        shared_samples& part = parts[s * tasks.chunks + c];
        into.x.insert(into.x.end(), part.x.begin(), part.x.end());
        if (precompute) {
          into.shift.insert(into.shift.end(), part.shift.begin(), part.shift.end());
          for (std::size_t t = 0; t < n_shared; ++t) {
            std::copy_n(part.log_ratio.data() + t * part.count, part.count,
                        into.log_ratio.data() + t * into.count + offset);
            std::copy_n(part.scaled_by_slot.data() + t * part.count, part.count,
                        into.scaled_by_slot.data() + t * into.count + offset);
          }
        }
        offset += part.count;
        part = shared_samples{};
      }
    }
  }

  // Tasks over groups of consecutive targets. Each group reads a shared proposal's cached
  // samples block by block, every target of the group over a block before the next block,
  // so that the block's precomputed terms are read from the cache, not from memory, once
  // per target. A target's sums are taken over the blocks in order, whatever the group and
  // the thread count: the grouping changes no result. Memory per task is O(group · |S_j|);
  // nothing of size targets × simulations exists.
  const std::size_t group = std::clamp<std::size_t>(problem.n_targets / 64, 1, 32);
  const std::size_t n_groups = (problem.n_targets + group - 1) / group;
  parallel_for(n_groups, hooks.threads, [&](std::size_t g) {
    hooks.check_interrupt();
    const std::size_t group_first = g * group;
    const std::size_t group_last = std::min(problem.n_targets, group_first + group);

    // Per target of the group: its own (unshared) proposals and its weights on the
    // shared ones.
    struct own_term {
      std::uint32_t k;
      double log_weight;
      bool is_target;  // θ_k equals θ_j bit for bit: ℓ_k − ℓ_j = 0 exactly
    };
    struct target_view {
      std::vector<own_term> own;
      std::vector<double> shared_weight;       // by slot, 0 where unused
      std::vector<std::size_t> shared_used;    // slots with positive weight, in entry order
      std::vector<double> used_weight;         // the weights of shared_used, in order
      std::vector<std::size_t> entry_of_slot;  // the entry e of each slot (or none)
      // The fast path applies when the only unshared proposal is the target itself (or
      // none).
      bool direct = false;
      double own_weight = 0.0;
    };
    constexpr std::size_t no_entry = static_cast<std::size_t>(-1);
    std::vector<target_view> views(group_last - group_first);
    for (std::size_t j = group_first; j < group_last; ++j) {
      target_view& view = views[j - group_first];
      const double* theta_j = targets + j * dim;
      view.shared_weight.assign(n_shared, 0.0);
      view.entry_of_slot.assign(n_shared, no_entry);
      for (std::size_t e = weights.offsets[j]; e < weights.offsets[j + 1]; ++e) {
        const std::uint32_t k = weights.proposal[e];
        if (slot[k] >= 0) {
          const auto s = static_cast<std::size_t>(slot[k]);
          view.shared_weight[s] = weights.weight[e];
          view.shared_used.push_back(s);
          view.used_weight.push_back(weights.weight[e]);
          view.entry_of_slot[s] = e;
        } else {
          view.own.push_back(
              {k, std::log(weights.weight[e]),
               std::memcmp(proposals + k * dim, theta_j, dim * sizeof(double)) == 0});
        }
      }
      view.direct =
          precompute && (view.own.empty() || (view.own.size() == 1 && view.own[0].is_target));
      view.own_weight = view.own.empty() ? 0.0 : std::exp(view.own[0].log_weight);
    }

    std::vector<double> log_terms;
    // 1 / Σ_m w_jm exp(ℓ_m − ℓ_j) at sample x of proposal k; log_ratio_j = ℓ_j − ℓ_k.
    // `cached` holds the sample's shared precomputation when there is one.
    auto inverse_mixture = [&](const target_view& view, std::uint32_t k, const double* xs,
                               double log_ratio_j, const shared_samples* cached, std::size_t r) {
      const double* theta_k = proposals + k * dim;
      log_terms.resize(view.own.size() + view.shared_used.size());
      std::size_t count = 0;
      for (const own_term& term : view.own) {
        const double log_ratio_m =
            term.is_target ? log_ratio_j
            : term.k == k  ? 0.0
                           : model.log_density_ratio(proposals + term.k * dim, theta_k, xs);
        log_terms[count++] = term.log_weight + (term.is_target ? 0.0 : log_ratio_m - log_ratio_j);
      }
      if (!view.shared_used.empty()) {
        bool folded = false;
        if (cached != nullptr && precompute) {
          // Σ_s w_s exp(ℓ_s − ℓ_k) = exp(shift) Σ_s w_s scaled_s: n_shared multiply-adds.
          const double* scaled = cached->scaled_by_slot.data() + r;
          double scaled_sum = 0.0;
          for (std::size_t s : view.shared_used)
            scaled_sum += view.shared_weight[s] * scaled[s * cached->count];
          if (scaled_sum > smallest_scaled_sum) {
            log_terms[count++] = cached->shift[r] - log_ratio_j + std::log(scaled_sum);
            folded = true;
          }
        }
        if (!folded) {
          for (std::size_t s : view.shared_used) {
            const double log_ratio_s =
                cached != nullptr && precompute
                    ? cached->log_ratio[s * cached->count + r]
                    : (shared[s] == k
                           ? 0.0
                           : model.log_density_ratio(proposals + shared[s] * dim, theta_k, xs));
            log_terms[count++] = std::log(view.shared_weight[s]) + log_ratio_s - log_ratio_j;
          }
        }
      }
      return inverse_sum_exp(log_terms.data(), static_cast<int>(count));
    };

    std::vector<double> block_x, ratio_rows, terms, scratch, log_ratios_j;
    std::vector<std::uint8_t> rejected;
    std::vector<const double*> rows;

    // The targets' own (unshared) proposals: simulated here, as no other target uses them.
    for (std::size_t j = group_first; j < group_last; ++j) {
      const target_view& view = views[j - group_first];
      const double* theta_j = targets + j * dim;
      for (std::size_t e = weights.offsets[j]; e < weights.offsets[j + 1]; ++e) {
        const std::uint32_t k = weights.proposal[e];
        if (slot[k] >= 0) continue;
        const double* theta_k = proposals + k * dim;
        const random_stream stream{problem.seed, proposal_stream(problem, k)};
        const bool k_is_target = std::memcmp(theta_k, theta_j, dim * sizeof(double)) == 0;
        double total = 0.0, total_squares = 0.0;
        if (view.direct && k_is_target && !view.shared_used.empty()) {
          // The target's own samples in blocks of rejected ones: the ratios of every
          // shared proposal it weighs at once (model::log_density_ratios), then every term
          // (own_mixture_terms); those the direct form cannot take in log space.
          const std::size_t used = view.shared_used.size();
          block_x.resize(terms_block * sample_size);
          std::size_t block_count = 0;
          const auto flush = [&] {
            const std::size_t n = block_count;
            if (n == 0) return;
            ratio_rows.resize(used * n);
            rows.resize(used);
            for (std::size_t u = 0; u < used; ++u) {
              model.log_density_ratios(proposals + shared[view.shared_used[u]] * dim, theta_j,
                                       block_x.data(), n, ratio_rows.data() + u * n);
              rows[u] = ratio_rows.data() + u * n;
            }
            terms.resize(n);
            const std::size_t unsafe =
                own_mixture_terms(n, rows.data(), view.used_weight.data(), used, view.own_weight,
                                  direct_exponent_limit, smallest_scaled_sum, terms.data());
            for (std::size_t r = 0; unsafe > 0 && r < n; ++r) {
              if (terms[r] < 0.0) {
                terms[r] =
                    inverse_mixture(view, k, block_x.data() + r * sample_size, 0.0, nullptr, 0);
              }
            }
            double block_sum = 0.0, block_squares = 0.0;
            sum_and_squares(terms.data(), n, &block_sum, &block_squares);
            total += block_sum;
            total_squares += block_squares;
            block_count = 0;
          };
          for_each_rejected(model, theta_k, stream, 0, sims, scratch, rejected,
                            [&](std::uint64_t, const double* x) {
                              std::copy_n(x, sample_size,
                                          block_x.data() + block_count * sample_size);
                              if (++block_count == terms_block) flush();
                            });
          flush();
        } else {
          for_each_rejected(model, theta_k, stream, 0, sims, scratch, rejected,
                            [&](std::uint64_t, const double* x) {
                              const double log_ratio_j =
                                  k_is_target ? 0.0 : model.log_density_ratio(theta_j, theta_k, x);
                              const double term =
                                  inverse_mixture(view, k, x, log_ratio_j, nullptr, 0);
                              total += term;
                              total_squares += term * term;
                            });
        }
        sum[e] = total;
        sum_squares[e] = total_squares;
      }
    }

    // The shared proposals' cached samples, block by block, against every target of the
    // group that weighs them.
    std::vector<double> totals(2 * (group_last - group_first));
    for (std::size_t s = 0; s < n_shared; ++s) {
      const shared_samples& cached = cache[s];
      const std::uint32_t k = shared[s];
      const double* theta_k = proposals + k * dim;
      std::fill(totals.begin(), totals.end(), 0.0);
      bool any = false;
      for (const target_view& view : views) any = any || view.entry_of_slot[s] != no_entry;
      if (!any) continue;
      for (std::size_t first = 0; first < cached.count; first += terms_block) {
        const std::size_t n = std::min(terms_block, cached.count - first);
        const double* xs = cached.x.data() + first * sample_size;
        for (std::size_t j = group_first; j < group_last; ++j) {
          const target_view& view = views[j - group_first];
          if (view.entry_of_slot[s] == no_entry) continue;
          double* total = totals.data() + 2 * (j - group_first);
          log_ratios_j.resize(n);
          model.log_density_ratios(targets + j * dim, theta_k, xs, n, log_ratios_j.data());
          if (view.direct) {
            // Every term at once (vectorized, rates/mixture_batch.hpp); those the direct
            // form cannot take (marked −1) in log space below. Either way
            // 0 ≤ term ≤ 1/w_jj.
            rows.resize(view.shared_used.size());
            for (std::size_t u = 0; u < view.shared_used.size(); ++u)
              rows[u] = cached.scaled_by_slot.data() + view.shared_used[u] * cached.count + first;
            terms.resize(n);
            scratch.resize(n);
            const std::size_t unsafe = direct_mixture_terms(
                n, cached.shift.data() + first, log_ratios_j.data(), rows.data(),
                view.used_weight.data(), view.shared_used.size(), view.own_weight,
                direct_exponent_limit, smallest_scaled_sum, scratch.data(), terms.data());
            for (std::size_t r = 0; unsafe > 0 && r < n; ++r) {
              if (terms[r] < 0.0) {
                terms[r] = inverse_mixture(view, k, xs + r * sample_size, log_ratios_j[r], &cached,
                                           first + r);
              }
            }
            double block_sum = 0.0, block_squares = 0.0;
            sum_and_squares(terms.data(), n, &block_sum, &block_squares);
            total[0] += block_sum;
            total[1] += block_squares;
          } else {
            for (std::size_t r = 0; r < n; ++r) {
              const double term = inverse_mixture(view, k, xs + r * sample_size, log_ratios_j[r],
                                                  &cached, first + r);
              total[0] += term;
              total[1] += term * term;
            }
          }
        }
      }
      for (std::size_t j = group_first; j < group_last; ++j) {
        const std::size_t e = views[j - group_first].entry_of_slot[s];
        if (e == no_entry) continue;
        sum[e] = totals[2 * (j - group_first)];
        sum_squares[e] = totals[2 * (j - group_first) + 1];
      }
    }
    for (std::size_t j = group_first; j < group_last; ++j)
      hooks.advance((weights.offsets[j + 1] - weights.offsets[j]) * sims);
  });
}

}  // namespace ismc::detail
