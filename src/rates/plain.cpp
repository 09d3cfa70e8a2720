#include <cassert>
#include <cmath>
#include <utility>

#include "ismc/core/error.hpp"
#include "ismc/rates/intervals.hpp"
#include "ismc/rates/rates.hpp"
#include "rates/exact_rates.hpp"
#include "rates/unchecked.hpp"

namespace ismc {

rates_result estimate_plain(const model& model, const std::vector<double>& targets,
                            const run_spec& run, const plain_spec& plain, backend& backend,
                            const run_hooks& hooks) {
  const std::size_t dim = model.dim();
  if (targets.empty() || targets.size() % dim != 0) {
    throw usage_error(bad_value("plain Monte Carlo: targets",
                                std::to_string(targets.size()) + " values",
                                "a positive multiple of dim = " + std::to_string(dim)));
  }
  if (plain.sims == 0) throw usage_error(bad_value("plain.sims", plain.sims, "an integer > 0"));
  return detail::estimate_plain_unchecked(model, targets, run, plain, backend, hooks);
}

rates_result detail::estimate_plain_unchecked(const model& model,
                                              const std::vector<double>& targets,
                                              const run_spec& run, const plain_spec& plain,
                                              backend& backend, const run_hooks& hooks) {
  const std::size_t dim = model.dim();
  assert(!targets.empty() && targets.size() % dim == 0 && plain.sims > 0);
  const std::size_t n_targets = targets.size() / dim;

  // Before any simulation: a rate that cannot be computed is a warning now, never an
  // error after the work.
  std::optional<std::string> exact_warning = detail::exact_rate_warning(model, targets);

  std::vector<std::uint64_t> counts(n_targets, 0);
  hooks.begin("plain", plain.sims * n_targets);
  backend.count_rejections(model, targets.data(), n_targets, plain.sims, run.seed,
                           run.common_random_numbers, counts.data(), hooks);
  hooks.end();

  rates_result result;
  result.backend = backend.name();
  if (exact_warning) result.warnings.push_back(std::move(*exact_warning));
  result.rows = plain_rows(model, targets, counts, plain.sims, run.confidence);
  result.stages = stage_records(result.backend, model.has_device_form(), {rates_stage::plain});
  if (auto warning = host_stages_warning(model.name(), result.backend, result.stages)) {
    result.warnings.push_back(std::move(*warning));
  }
  return result;
}

std::vector<rate_row> plain_rows(const model& model, const std::vector<double>& targets,
                                 const std::vector<std::uint64_t>& counts, std::uint64_t sims,
                                 double confidence) {
  const std::size_t dim = model.dim();
  const std::size_t n_targets = targets.size() / dim;
  std::vector<rate_row> rows;
  rows.reserve(n_targets);
  const double n = static_cast<double>(sims);
  for (std::size_t j = 0; j < n_targets; ++j) {
    const double* theta = targets.data() + j * dim;
    rate_row row;
    row.theta.assign(theta, theta + dim);
    row.rejections = counts[j];
    row.estimate = static_cast<double>(counts[j]) / n;
    row.std_error = std::sqrt(row.estimate * (1.0 - row.estimate) / n);
    const interval ci = clopper_pearson_interval(counts[j], sims, confidence);
    row.ci_low = ci.low;
    row.ci_high = ci.high;
    row.upper_bound = clopper_pearson_upper(counts[j], sims, confidence);
    row.sims = sims;
    row.method = rate_method::plain;
    row.exact = detail::exact_rate_or_none(model, theta);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace ismc
