// A study in chunks of targets (include/ismc/rates/chunks.hpp): the checks of the public
// entry points; the work is in plain.cpp and importance.cpp (plan_importance is there, beside
// the checks it shares with estimate_importance).
#include "ismc/rates/chunks.hpp"

#include <string>

#include "ismc/core/error.hpp"
#include "rates/exact_rates.hpp"
#include "rates/unchecked.hpp"

namespace ismc {

namespace {

void check_range(const model& model, const std::vector<double>& targets, std::size_t first,
                 std::size_t count) {
  const std::size_t dim = model.dim();
  if (targets.empty() || targets.size() % dim != 0) {
    throw usage_error(bad_value("chunk: targets", std::to_string(targets.size()) + " values",
                                "a positive multiple of dim = " + std::to_string(dim)));
  }
  const std::size_t n_targets = targets.size() / dim;
  if (count == 0 || first >= n_targets || count > n_targets - first) {
    throw usage_error(bad_value(
        "chunk: targets",
        "[" + std::to_string(first) + ", " + std::to_string(first) + " + " + std::to_string(count) +
            ")",
        "a non-empty range within the study's " + std::to_string(n_targets) + " targets"));
  }
}

}  // namespace

chunk_rows plain_chunk(const model& model, const std::vector<double>& targets, std::size_t first,
                       std::size_t count, const run_spec& run, const plain_spec& plain,
                       backend& backend, const run_hooks& hooks) {
  check_range(model, targets, first, count);
  if (plain.sims == 0) throw usage_error(bad_value("plain.sims", plain.sims, "an integer > 0"));
  const std::size_t dim = model.dim();
  const std::vector<double> chunk_targets(targets.begin() + first * dim,
                                          targets.begin() + (first + count) * dim);
  std::vector<std::uint64_t> counts(count, 0);
  hooks.begin("plain", plain.sims * count);
  backend.count_rejections(model, chunk_targets.data(), count, first, plain.sims, run.seed,
                           run.common_random_numbers, counts.data(), hooks);
  hooks.end();
  chunk_rows rows;
  rows.rows = plain_rows(model, chunk_targets, counts, plain.sims, run.confidence);
  return rows;
}

chunk_rows importance_chunk(const model& model, const std::vector<double>& targets,
                            std::size_t first, std::size_t count, const run_spec& run,
                            const importance_spec& importance, const importance_plan& plan,
                            backend& backend, const run_hooks& hooks) {
  check_range(model, targets, first, count);
  const std::size_t n_targets = targets.size() / model.dim();
  const importance_details& details = plan.details;
  const bool fits = details.pilot_rejections.size() == n_targets &&
                    (plan.plain_fallback ||
                     (details.weights.targets() == n_targets &&
                      details.proposals.size() == (n_targets + details.clusters) * model.dim()));
  if (!fits) {
    throw usage_error(bad_value("chunk: importance plan",
                                std::to_string(details.pilot_rejections.size()) + " targets",
                                "the study's " + std::to_string(n_targets) + " targets"));
  }
  return detail::importance_chunk_unchecked(model, targets, first, count, run, importance, plan,
                                            backend, hooks);
}

std::optional<std::string> exact_rates_warning(const model& model,
                                               const std::vector<double>& targets) {
  return detail::exact_rate_warning(model, targets);
}

}  // namespace ismc
