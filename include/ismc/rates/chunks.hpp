#pragma once
/// @file chunks.hpp
/// @brief A study run in chunks of targets (a *chunk*: a batch of targets computed and
/// written together), for studies too large to hold, resumable runs, shards and MPI ranks.
///
/// Every target and proposal draws from the random stream of its index in the whole study
/// (`streams::target`, `streams::proposal`), so a chunk's rows equal, bit for bit, the
/// rows the whole study gives those targets on the same backend; only the importance plan
/// (pilot, clusters, proposals, weights) is computed once for the whole study.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ismc/core/progress.hpp"
#include "ismc/rates/backend.hpp"
#include "ismc/rates/model.hpp"
#include "ismc/rates/rates.hpp"
#include "ismc/rates/study.hpp"

namespace ismc {

/// What an importance study decides once, before any chunk: the pilot, the clusters, the
/// proposals and the weights of every target, and the pilot's warnings.
struct importance_plan {
  /// As in `rates_result::importance`; `proposals` holds the J targets' own, then the
  /// C clusters'.
  importance_details details;
  std::vector<std::string> warnings;  ///< the pilot's and the weights' notes, in order
  /// The pilot saw no rejection even after its doublings: every row is plain Monte Carlo on
  /// the pilot (method = plain), as `estimate_importance` falls back.
  bool plain_fallback = false;
  /// Per cluster c, the targets whose weights hold its proposal (J + c): what the mixture
  /// stage of a chunk needs to know of the whole study. Filled by `plan_importance`; when
  /// empty, `importance_chunk` counts it from the weights.
  std::vector<std::uint64_t> cluster_usage;
};

/// The rows of one chunk, in target order.
struct chunk_rows {
  std::vector<rate_row> rows;
  /// Importance: the chunk's targets whose interval is the Chernoff-Hoeffding bound (no
  /// spread in their terms); summed over chunks for `without_spread_warning`.
  std::size_t without_spread = 0;
};

/// The pilot, k-means and weights of an importance study over all its targets
/// (row-major, targets.size() / model.dim() of them), as `estimate_importance` does them.
/// @throws usage_error as `estimate_importance` for bad targets or settings.
importance_plan plan_importance(const model& model, const std::vector<double>& targets,
                                const run_spec& run, const importance_spec& importance,
                                backend& backend, const run_hooks& hooks = {});

/// How the parts of a distributed `plan_importance_part` (MPI ranks, each with a contiguous
/// range of targets, the ranges in part order and in target order) combine what they found.
/// Every call is collective: every part makes the same calls in the same order. The root
/// part computes the plan.
class pilot_exchange {
 public:
  virtual ~pilot_exchange() = default;
  /// Whether this part is the root (it receives the gathered values and makes the plan).
  virtual bool root() const = 0;
  /// The sum of `value` over the parts, on every part.
  virtual std::uint64_t sum(std::uint64_t value) = 0;
  /// On the root: every part's `values` concatenated in part order; elsewhere: empty.
  virtual std::vector<double> gather(const std::vector<double>& values) = 0;
  /// As `gather`, for counts.
  virtual std::vector<std::uint64_t> gather(const std::vector<std::uint64_t>& values) = 0;
  /// The root's `values` (its size included) on every part.
  virtual void broadcast(std::vector<double>& values) = 0;
};

/// `plan_importance` spread over parts: this part runs the pilot (and its labelling pass)
/// at the study's targets [first, first + count) of `targets` (all the study's targets,
/// row-major) with their global random streams, the decisions between passes (doubling,
/// collecting again) follow the totals over all parts, the root runs k-means once on the
/// pool gathered in target order and sends the centres to every part. On the root, the plan
/// `plan_importance` gives, bit for bit, when the parts' ranges cover the targets in order;
/// elsewhere an empty plan. A part may have no target (count = 0).
/// @throws usage_error as `plan_importance`, or naming the range when it is beyond the
///         targets.
importance_plan plan_importance_part(const model& model, const std::vector<double>& targets,
                                     std::size_t first, std::size_t count, const run_spec& run,
                                     const importance_spec& importance, backend& backend,
                                     pilot_exchange& exchange, const run_hooks& hooks = {});

/// Plain Monte Carlo at the study's targets [first, first + count) of `targets` (all the
/// study's targets, row-major): the rows `estimate_plain` gives them.
/// @throws usage_error naming the range when it is empty or beyond the targets, or
///         `plain.sims` when it is 0.
chunk_rows plain_chunk(const model& model, const std::vector<double>& targets, std::size_t first,
                       std::size_t count, const run_spec& run, const plain_spec& plain,
                       backend& backend, const run_hooks& hooks = {});

/// Importance sampling at the study's targets [first, first + count) with the study's
/// `plan`: the rows `estimate_importance` gives them.
/// @throws usage_error naming the range, or the plan when it does not fit the targets.
chunk_rows importance_chunk(const model& model, const std::vector<double>& targets,
                            std::size_t first, std::size_t count, const run_spec& run,
                            const importance_spec& importance, const importance_plan& plan,
                            backend& backend, const run_hooks& hooks = {});

/// The warning for `targets` targets (> 0) whose importance interval is the
/// Chernoff-Hoeffding bound, as `estimate_importance` words it.
std::string without_spread_warning(std::size_t targets, const importance_spec& importance);

/// The exact-rate warning `estimate_plain` and `estimate_importance` give before any
/// simulation (some targets' exact rates cannot be computed), or none.
std::optional<std::string> exact_rates_warning(const model& model,
                                               const std::vector<double>& targets);

}  // namespace ismc
