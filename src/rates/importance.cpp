// Mixture importance sampling of rejection rates: the seed's pipeline, stated in
// docs/spec/rejection-rates.md, with an estimate at every target.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "ismc/core/error.hpp"
#include "ismc/core/number_text.hpp"
#include "ismc/rates/intervals.hpp"
#include "ismc/rates/kmeans.hpp"
#include "ismc/rates/mixture.hpp"
#include "ismc/rates/rates.hpp"
#include "ismc/rates/chunks.hpp"
#include "rates/exact_rates.hpp"
#include "rates/unchecked.hpp"

namespace ismc {

namespace {

// k-means draws from its own key, so its randomness shares nothing with the simulations.
constexpr std::uint64_t kmeans_key = 0x6b6d65616e73ull;  // "kmeans"

void check(const model& model, const std::vector<double>& targets, const importance_spec& spec) {
  const std::size_t dim = model.dim();
  if (targets.empty() || targets.size() % dim != 0) {
    throw usage_error(bad_value("importance sampling: targets",
                                std::to_string(targets.size()) + " values",
                                "a positive multiple of dim = " + std::to_string(dim)));
  }
  for (double value : targets) {
    if (!std::isfinite(value)) {
      throw usage_error(bad_value("importance sampling: targets", value, "finite values"));
    }
  }
  if (spec.pilot_sims == 0) {
    throw usage_error(bad_value("importance.pilot_sims", spec.pilot_sims, "an integer > 0"));
  }
  if (spec.clusters == 0) {
    throw usage_error(bad_value("importance.clusters", spec.clusters, "an integer > 0"));
  }
  if (!(spec.self_weight > 0.0 && spec.self_weight <= 1.0)) {
    throw usage_error(bad_value("importance.self_weight", spec.self_weight, "a value in (0, 1]"));
  }
  if (spec.kmeans_subsample < spec.clusters) {  // k-means' own check, before the pilot's work
    throw usage_error(bad_value("importance.kmeans_subsample", spec.kmeans_subsample,
                                "at least clusters = " + std::to_string(spec.clusters)));
  }
  if (spec.sims_per_proposal < 2) {
    throw usage_error(
        bad_value("importance.sims_per_proposal", spec.sims_per_proposal, "an integer > 1"));
  }
}

// For each target without pilot rejections, the nearest target (Euclidean in θ; ties to
// the lower index) that has some; itself otherwise. The candidates are sorted by their
// first coordinate and searched outwards from the query's place, stopping once that
// coordinate alone is farther than the best so far: about log J per query on a grid.
std::vector<std::size_t> weight_sources(const std::vector<double>& targets, std::size_t dim,
                                        const std::vector<std::uint64_t>& rejections_in_clusters) {
  const std::size_t n_targets = rejections_in_clusters.size();
  std::vector<std::size_t> with_rejections;
  for (std::size_t j = 0; j < n_targets; ++j)
    if (rejections_in_clusters[j] > 0) with_rejections.push_back(j);
  const auto first = [&](std::size_t j) {
    return targets[j * dim];
  };
  std::stable_sort(with_rejections.begin(), with_rejections.end(),
                   [&](std::size_t a, std::size_t b) { return first(a) < first(b); });

  std::vector<std::size_t> source(n_targets);
  for (std::size_t j = 0; j < n_targets; ++j) {
    source[j] = j;
    if (rejections_in_clusters[j] > 0) continue;
    double best = std::numeric_limits<double>::infinity();
    const auto consider = [&](std::size_t donor) {
      double distance = 0.0;
      for (std::size_t n = 0; n < dim; ++n) {
        const double delta = targets[j * dim + n] - targets[donor * dim + n];
        distance += delta * delta;
      }
      if (distance < best || (distance == best && donor < source[j])) {
        best = distance;
        source[j] = donor;
      }
    };
    const auto middle =
        std::lower_bound(with_rejections.begin(), with_rejections.end(), first(j),
                         [&](std::size_t donor, double value) { return first(donor) < value; });
    // Upwards, then downwards; a gap in the first coordinate beyond the best ends a side
    // (equal gaps go on, for the lower-index tie rule).
    for (auto it = middle; it != with_rejections.end(); ++it) {
      const double gap = first(*it) - first(j);
      if (gap * gap > best) break;
      consider(*it);
    }
    for (auto it = middle; it != with_rejections.begin();) {
      --it;
      const double gap = first(j) - first(*it);
      if (gap * gap > best) break;
      consider(*it);
    }
  }
  return source;
}

// Records where `stages` ran and, when a device backend ran some of them on the host, says
// so once in the warnings.
void record_stages(const model& model, const std::vector<rates_stage>& stages,
                   rates_result& result) {
  result.stages = stage_records(result.backend, model.has_device_form(), stages);
  if (auto warning = host_stages_warning(model.name(), result.backend, result.stages)) {
    result.warnings.push_back(std::move(*warning));
  }
}

// Per cluster c, the targets whose weights hold proposal n_targets + c.
std::vector<std::uint64_t> cluster_usage(const mixture_weights& weights, std::size_t n_targets,
                                         std::size_t n_clusters) {
  std::vector<std::uint64_t> usage(n_clusters, 0);
  for (std::uint32_t k : weights.proposal) {
    if (k >= n_targets) ++usage[k - n_targets];
  }
  return usage;
}

enum class interval_rule { normal, clopper_pearson, chernoff_hoeffding };

struct rate_bounds {
  interval two_sided;
  double upper;
  interval_rule rule;
};

// The interval and upper bound of target j (docs/spec/rejection-rates.md, "Intervals of the
// importance estimate"). self_weight = 1 is plain Monte Carlo on the target's own proposal
// (every ratio p_j/q_j is 1, so the entry's sum is the rejection count R of N): the exact
// Clopper-Pearson bounds. Otherwise, V = 0 leaves the normal approximation a zero-width
// interval; the grouped terms Y_i = Σ_k w_jk φ(x_ik) p_j/q_j(x_ik) lie in [0, 1/self_weight]
// (q_j ≥ self_weight·p_j) and are i.i.d. with mean f_j given the pilot, so the
// Chernoff-Hoeffding bound on their mean holds whatever their law.
rate_bounds importance_bounds(const mixture_estimate& estimate, const mixture_weights& weights,
                              std::size_t j, const importance_spec& spec, double confidence) {
  const std::uint64_t n = spec.sims_per_proposal;
  if (spec.self_weight == 1.0) {
    const std::size_t own = weights.offsets[j];  // the target's own proposal comes first
    assert(weights.offsets[j + 1] == own + 1);
    const auto rejections = static_cast<std::uint64_t>(std::llround(estimate.sum[own]));
    return {clopper_pearson_interval(rejections, n, confidence),
            clopper_pearson_upper(rejections, n, confidence), interval_rule::clopper_pearson};
  }
  if (estimate.variance[j] == 0.0) {
    const double bound = 1.0 / spec.self_weight;
    const double mean = std::clamp(estimate.estimate[j], 0.0, bound);
    const interval two_sided = hoeffding_kl_interval(mean, n, bound, confidence);
    return {{two_sided.low, std::min(two_sided.high, 1.0)},
            std::min(hoeffding_kl_upper(mean, n, bound, confidence), 1.0),
            interval_rule::chernoff_hoeffding};
  }
  const double std_error = std::sqrt(estimate.variance[j]);
  return {normal_interval(estimate.estimate[j], std_error, confidence),
          normal_upper(estimate.estimate[j], std_error, confidence), interval_rule::normal};
}

}  // namespace

rates_result estimate_importance(const model& model, const std::vector<double>& targets,
                                 const run_spec& run, const importance_spec& spec, backend& backend,
                                 const run_hooks& hooks) {
  check(model, targets, spec);
  return detail::estimate_importance_unchecked(model, targets, run, spec, backend, hooks);
}

importance_plan plan_importance(const model& model, const std::vector<double>& targets,
                                const run_spec& run, const importance_spec& spec, backend& backend,
                                const run_hooks& hooks) {
  check(model, targets, spec);
  return detail::plan_importance_unchecked(model, targets, run, spec, backend, hooks);
}

rates_result detail::estimate_importance_unchecked(const model& model,
                                                   const std::vector<double>& targets,
                                                   const run_spec& run, const importance_spec& spec,
                                                   backend& backend, const run_hooks& hooks) {
  assert(detail::passes([&] { check(model, targets, spec); }));
  const std::size_t n_targets = targets.size() / model.dim();
  rates_result result;
  result.backend = backend.name();
  // Before any simulation: a rate that cannot be computed is a warning now, never an
  // error after the work.
  if (auto warning = detail::exact_rate_warning(model, targets)) {
    result.warnings.push_back(std::move(*warning));
  }
  importance_plan plan =
      detail::plan_importance_unchecked(model, targets, run, spec, backend, hooks);
  result.warnings.insert(result.warnings.end(), plan.warnings.begin(), plan.warnings.end());
  if (plan.plain_fallback) {
    result.rows = plain_rows(model, targets, plan.details.pilot_rejections, plan.details.pilot_sims,
                             run.confidence);
    result.importance = std::move(plan.details);
    record_stages(model, {rates_stage::pilot}, result);
    return result;
  }
  chunk_rows rows = detail::importance_chunk_unchecked(model, targets, 0, n_targets, run, spec,
                                                       plan, backend, hooks);
  result.rows = std::move(rows.rows);
  if (rows.without_spread > 0) {
    result.warnings.push_back(without_spread_warning(rows.without_spread, spec));
  }
  result.importance = std::move(plan.details);
  record_stages(
      model,
      {rates_stage::pilot, rates_stage::kmeans, rates_stage::labelling, rates_stage::four_index},
      result);
  return result;
}

std::string without_spread_warning(std::size_t targets, const importance_spec& spec) {
  return std::to_string(targets) +
         " targets saw no spread in their importance terms (V = 0, usually no rejection): their "
         "interval and upper bound are the Chernoff-Hoeffding bound on terms in [0, 1/self_weight "
         "= " +
         number_text(1.0 / spec.self_weight) + "], not the normal approximation";
}

namespace {

// One process: the only part, its values already the totals.
class single_part final : public pilot_exchange {
 public:
  bool root() const override { return true; }
  std::uint64_t sum(std::uint64_t value) override { return value; }
  std::vector<double> gather(const std::vector<double>& values) override { return values; }
  std::vector<std::uint64_t> gather(const std::vector<std::uint64_t>& values) override {
    return values;
  }
  void broadcast(std::vector<double>&) override {}
};

// The pilot's collecting pass at this part's targets [first, first + count), appending the
// kept samples to `pool` and writing the counts.
void collect_part(const model& model, const std::vector<double>& targets, std::size_t first,
                  std::size_t count, const run_spec& run, std::uint64_t pilot, double keep_fraction,
                  backend& backend, std::vector<double>& pool, std::uint64_t* counts,
                  const run_hooks& hooks) {
  if (count == 0) return;
  backend.collect_rejections(model, targets.data() + first * model.dim(), count, first, pilot,
                             run.seed, run.common_random_numbers, keep_fraction, pool, counts,
                             hooks);
}

}  // namespace

importance_plan detail::plan_importance_unchecked(const model& model,
                                                  const std::vector<double>& targets,
                                                  const run_spec& run, const importance_spec& spec,
                                                  backend& backend, const run_hooks& hooks) {
  single_part one;
  return plan_importance_part_unchecked(model, targets, 0, targets.size() / model.dim(), run, spec,
                                        backend, one, hooks);
}

importance_plan plan_importance_part(const model& model, const std::vector<double>& targets,
                                     std::size_t first, std::size_t count, const run_spec& run,
                                     const importance_spec& spec, backend& backend,
                                     pilot_exchange& exchange, const run_hooks& hooks) {
  check(model, targets, spec);
  const std::size_t n_targets = targets.size() / model.dim();
  if (first > n_targets || count > n_targets - first) {
    throw usage_error(
        bad_value("importance pilot: targets",
                  "[" + std::to_string(first) + ", " + std::to_string(first) + " + " +
                      std::to_string(count) + ")",
                  "a range within the study's " + std::to_string(n_targets) + " targets"));
  }
  return detail::plan_importance_part_unchecked(model, targets, first, count, run, spec, backend,
                                                exchange, hooks);
}

importance_plan detail::plan_importance_part_unchecked(
    const model& model, const std::vector<double>& targets, std::size_t first, std::size_t count,
    const run_spec& run, const importance_spec& spec, backend& backend, pilot_exchange& exchange,
    const run_hooks& hooks) {
  const std::size_t dim = model.dim();
  // k-means sees each rejection as its cluster point (model::cluster_point).
  const std::size_t cluster_size = model.cluster_size();
  const std::size_t n_targets = targets.size() / dim;
  const bool root = exchange.root();
  importance_plan plan;
  std::vector<std::string>& warnings = plan.warnings;
  importance_details& details = plan.details;

  // 1–2. Pilot at every target, counting rejections and keeping a counter-based subsample
  // of them for k-means in the same pass: a fraction sized as if every pilot simulation
  // were rejected, so the pool never exceeds about `kmeans_subsample` points. The pilot
  // doubles while nothing at all is rejected. Each part runs its own targets; the
  // decisions follow the totals over all parts.
  std::uint64_t pilot = spec.pilot_sims;
  std::vector<std::uint64_t> pilot_rejections(count, 0);
  std::vector<double> pool;
  const double subsample = static_cast<double>(spec.kmeans_subsample);
  std::uint64_t total_rejections = 0;
  for (std::size_t doublings = 0;; ++doublings) {
    pool.clear();
    const double keep_fraction =
        std::min(1.0, subsample / (static_cast<double>(pilot) * static_cast<double>(n_targets)));
    hooks.begin("pilot", pilot * count);
    collect_part(model, targets, first, count, run, pilot, keep_fraction, backend, pool,
                 pilot_rejections.data(), hooks);
    hooks.end();
    total_rejections = exchange.sum(
        std::accumulate(pilot_rejections.begin(), pilot_rejections.end(), std::uint64_t{0}));
    if (total_rejections > 0) {
      if (doublings > 0) {
        warnings.push_back("the pilot of " + std::to_string(spec.pilot_sims) +
                           " simulations per target saw no rejection; doubled " +
                           std::to_string(doublings) + " times to " + std::to_string(pilot));
      }
      break;
    }
    if (doublings == spec.max_pilot_doublings) {
      warnings.push_back(
          "no rejection in a pilot of " + std::to_string(pilot) + " simulations per target after " +
          std::to_string(doublings) +
          " doublings: fell back to plain Monte Carlo on the pilot (method = plain in the rows)");
      details.pilot_sims = pilot;
      details.pilot_rejections = exchange.gather(pilot_rejections);
      details.sims_per_target = static_cast<double>(pilot);
      plan.plain_fallback = true;
      if (!root) return {};
      return plan;
    }
    pilot *= 2;
  }
  // Rejections were rarer than the pass assumed and the pool came out small (under 1000
  // points per cluster, or all of them when there are fewer): collect again with the
  // fraction the actual count calls for.
  const double wanted = std::min({static_cast<double>(total_rejections), subsample,
                                  1000.0 * static_cast<double>(spec.clusters)});
  const auto pool_points = [&] {
    return exchange.sum(pool.size() / cluster_size);
  };
  std::uint64_t points = pool_points();
  if (static_cast<double>(points) < wanted) {
    pool.clear();
    std::vector<std::uint64_t> recount(count, 0);
    hooks.begin("pilot rejections", pilot * count);
    collect_part(model, targets, first, count, run, pilot,
                 std::min(1.0, subsample / static_cast<double>(total_rejections)), backend, pool,
                 recount.data(), hooks);
    hooks.end();
    points = pool_points();
  }
  if (points == 0) {  // a subsample that drew nothing: take every rejection instead
    std::vector<std::uint64_t> recount(count, 0);
    collect_part(model, targets, first, count, run, pilot, 1.0, backend, pool, recount.data(),
                 hooks);
  }
  // The pool and the counts of every part, in target order, on the root.
  pool = exchange.gather(pool);
  std::vector<std::uint64_t> all_rejections = exchange.gather(pilot_rejections);

  // k-means on the pooled (subsampled) rejections, once, on the root; its centres to every
  // part.
  std::vector<double> centres;
  if (root) {
    kmeans_options clustering;
    clustering.clusters = spec.clusters;
    clustering.restarts = spec.kmeans_restarts;
    clustering.max_iterations = spec.kmeans_max_iterations;
    clustering.subsample = spec.kmeans_subsample;
    clustering.seed = run.seed ^ kmeans_key;
    clustering.threads = hooks.threads;
    kmeans_result clusters = kmeans(pool, cluster_size, clustering);
    if (clusters.clusters < spec.clusters) {
      warnings.push_back("only " + std::to_string(clusters.clusters) +
                         " distinct pilot rejections: using " + std::to_string(clusters.clusters) +
                         " clusters instead of " + std::to_string(spec.clusters));
    }
    centres = std::move(clusters.centres);
    assert(centres.size() == clusters.clusters * cluster_size);
  }
  exchange.broadcast(centres);
  const std::size_t n_clusters = centres.size() / cluster_size;

  // n_jc: every pilot rejection of target j labelled by its nearest centre.
  std::vector<std::uint64_t> part_in_cluster(count * n_clusters, 0);
  hooks.begin("pilot labels", pilot * count);
  if (count > 0) {
    backend.count_nearest_centre(model, targets.data() + first * dim, count, first, pilot, run.seed,
                                 run.common_random_numbers, centres.data(), n_clusters,
                                 part_in_cluster.data(), hooks);
  }
  hooks.end();
  const std::vector<std::uint64_t> in_cluster = exchange.gather(part_in_cluster);
  if (!root) return {};

  // 3. Proposals: every target's own parameter, then each cluster's.
  const std::size_t n_proposals = n_targets + n_clusters;
  std::vector<double> proposals(targets);
  proposals.resize(n_proposals * dim);
  for (std::size_t c = 0; c < n_clusters; ++c) {
    model.proposal_from_mean(centres.data() + c * cluster_size,
                             proposals.data() + (n_targets + c) * dim);
  }
  details.cluster_sizes.assign(n_clusters, 0);
  std::vector<std::uint64_t> rejections_in_clusters(n_targets, 0);
  for (std::size_t j = 0; j < n_targets; ++j) {
    for (std::size_t c = 0; c < n_clusters; ++c) {
      rejections_in_clusters[j] += in_cluster[j * n_clusters + c];
      details.cluster_sizes[c] += in_cluster[j * n_clusters + c];
    }
  }

  // Weights: self_weight on the target's own parameter, the rest in proportion to its
  // pilot rejections per cluster (or those of its weight source, see weight_sources).
  const std::vector<std::size_t> source = weight_sources(targets, dim, rejections_in_clusters);
  std::size_t borrowed = 0;
  mixture_weights weights;
  for (std::size_t j = 0; j < n_targets; ++j) {
    weights.proposal.push_back(static_cast<std::uint32_t>(j));
    weights.weight.push_back(spec.self_weight);
    const std::size_t from = source[j];
    borrowed += from != j ? 1 : 0;
    const double rest = 1.0 - spec.self_weight;
    if (rest > 0.0) {
      for (std::size_t c = 0; c < n_clusters; ++c) {
        const std::uint64_t n_jc = in_cluster[from * n_clusters + c];
        if (n_jc == 0) continue;
        weights.proposal.push_back(static_cast<std::uint32_t>(n_targets + c));
        weights.weight.push_back(rest * static_cast<double>(n_jc) /
                                 static_cast<double>(rejections_in_clusters[from]));
      }
    }
    weights.offsets.push_back(weights.proposal.size());
  }
  if (borrowed > 0) {
    warnings.push_back(std::to_string(borrowed) +
                       " targets had no pilot rejection; their cluster weights are those "
                       "of the nearest target that had some (see weight_source)");
  }

  // Honest cost: every simulation of the study (pilot once, each used proposal N times).
  std::vector<bool> used(n_proposals, false);
  for (std::uint32_t k : weights.proposal) used[k] = true;
  const double proposals_used = static_cast<double>(std::count(used.begin(), used.end(), true));
  const double sims_per_target = (static_cast<double>(pilot) * static_cast<double>(n_targets) +
                                  proposals_used * static_cast<double>(spec.sims_per_proposal)) /
                                 static_cast<double>(n_targets);

  details.pilot_sims = pilot;
  details.pilot_rejections = std::move(all_rejections);
  details.clusters = n_clusters;
  details.cluster_centres = std::move(centres);
  details.proposals = std::move(proposals);
  details.weights = std::move(weights);
  details.weight_source = source;
  details.sims_per_proposal = spec.sims_per_proposal;
  details.sims_per_target = sims_per_target;
  plan.cluster_usage = cluster_usage(details.weights, n_targets, n_clusters);
  return plan;
}

chunk_rows detail::importance_chunk_unchecked(const model& model,
                                              const std::vector<double>& targets, std::size_t first,
                                              std::size_t count, const run_spec& run,
                                              const importance_spec& spec,
                                              const importance_plan& plan, backend& backend,
                                              const run_hooks& hooks) {
  const std::size_t dim = model.dim();
  const std::size_t n_targets = targets.size() / dim;
  const importance_details& details = plan.details;
  chunk_rows rows;
  if (plan.plain_fallback) {
    const std::vector<double> chunk_targets(targets.begin() + first * dim,
                                            targets.begin() + (first + count) * dim);
    const std::vector<std::uint64_t> counts(details.pilot_rejections.begin() + first,
                                            details.pilot_rejections.begin() + first + count);
    rows.rows = plain_rows(model, chunk_targets, counts, details.pilot_sims, run.confidence);
    return rows;
  }
  // The chunk's own proposals, then the clusters', each keeping its study index (and so
  // its random stream); the weights renumbered to match.
  const std::size_t n_clusters = details.clusters;
  const std::size_t n_proposals = count + n_clusters;
  std::vector<double> proposals(targets.begin() + first * dim,
                                targets.begin() + (first + count) * dim);
  proposals.insert(proposals.end(), details.proposals.begin() + n_targets * dim,
                   details.proposals.end());
  std::vector<std::uint64_t> proposal_index(n_proposals);
  for (std::size_t k = 0; k < count; ++k) proposal_index[k] = first + k;
  for (std::size_t c = 0; c < n_clusters; ++c) proposal_index[count + c] = n_targets + c;
  // Only target j's weights hold its own proposal j: counted in the chunk; the clusters'
  // counts are the whole study's.
  std::vector<std::uint64_t> proposal_usage(n_proposals, 0);
  const std::vector<std::uint64_t> usage_of_clusters =
      plan.cluster_usage.size() == n_clusters
          ? plan.cluster_usage
          : cluster_usage(details.weights, n_targets, n_clusters);
  std::copy(usage_of_clusters.begin(), usage_of_clusters.end(), proposal_usage.begin() + count);
  mixture_weights weights;
  weights.offsets.reserve(count + 1);
  const mixture_weights& all = details.weights;
  for (std::size_t j = first; j < first + count; ++j) {
    for (std::size_t e = all.offsets[j]; e < all.offsets[j + 1]; ++e) {
      const std::uint32_t k = all.proposal[e];
      weights.proposal.push_back(
          static_cast<std::uint32_t>(k < n_targets ? k - first : count + (k - n_targets)));
      weights.weight.push_back(all.weight[e]);
      if (k < n_targets) ++proposal_usage[k - first];
    }
    weights.offsets.push_back(weights.proposal.size());
  }

  // 4–5. Importance simulations and the balance-heuristic estimate.
  mixture_problem problem;
  problem.targets = targets.data() + first * dim;
  problem.n_targets = count;
  problem.proposals = proposals.data();
  problem.n_proposals = n_proposals;
  problem.weights = &weights;
  problem.sims_per_proposal = spec.sims_per_proposal;
  problem.seed = run.seed;
  problem.proposal_index = proposal_index.data();
  problem.proposal_usage = proposal_usage.data();
  const mixture_estimate estimate =
      detail::estimate_mixture_unchecked(model, problem, backend, hooks);

  const double sims_per_target = details.sims_per_target;
  rows.rows.reserve(count);
  for (std::size_t j = 0; j < count; ++j) {
    const double* theta = problem.targets + j * dim;
    rate_row row;
    row.theta.assign(theta, theta + dim);
    row.method = rate_method::importance;
    row.estimate = estimate.estimate[j];
    row.std_error = std::sqrt(estimate.variance[j]);
    const rate_bounds bounds = importance_bounds(estimate, weights, j, spec, run.confidence);
    rows.without_spread += bounds.rule == interval_rule::chernoff_hoeffding ? 1 : 0;
    row.ci_low = bounds.two_sided.low;
    row.ci_high = bounds.two_sided.high;
    row.upper_bound = bounds.upper;
    row.sims = static_cast<std::uint64_t>(std::llround(sims_per_target));
    row.rejections = details.pilot_rejections[first + j];
    row.exact = detail::exact_rate_or_none(model, theta);
    const double clamped = std::clamp(row.estimate, 0.0, 1.0);
    const double ess =
        estimate.variance[j] > 0.0 ? clamped * (1.0 - clamped) / estimate.variance[j] : 0.0;
    row.ess = ess;
    row.ess_per_sim = ess / sims_per_target;
    rows.rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace ismc
