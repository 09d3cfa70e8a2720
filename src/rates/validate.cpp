#include "ismc/rates/validate.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/core/number_text.hpp"
#include "ismc/rates/intervals.hpp"
#include "ismc/rates/tiles.hpp"
#include "ismc/rates/tilt_bound.hpp"

namespace ismc {

double importance_tile_upper(const rate_row& row, const importance_spec& importance,
                             double confidence) {
  if (row.method != rate_method::importance) return row.upper_bound;
  const double bound = 1.0 / importance.self_weight;
  const double mean = std::clamp(row.estimate, 0.0, bound);
  return std::min(hoeffding_kl_upper(mean, importance.sims_per_proposal, bound, confidence), 1.0);
}

double plain_upper_at_equal_cost(double estimate, std::uint64_t sims, double confidence) {
  const double expected = std::clamp(estimate, 0.0, 1.0) * static_cast<double>(sims);
  const auto rejections = std::min(static_cast<std::uint64_t>(std::llround(expected)), sims);
  return clopper_pearson_upper(rejections, sims, confidence);
}

double range_only_floor(double bound, std::uint64_t n, double delta) {
  return bound * -std::expm1(std::log(delta) / static_cast<double>(n));
}

rates_result validate_tiles(const model& model, const rates_study& study, backend& backend,
                            const run_hooks& hooks) {
  if (study.run.method != rate_method::validate) {
    throw usage_error(bad_value("run.method", to_string(study.run.method), "\"validate\""));
  }
  const tile_set tiles = make_tiles(study);
  const tilt_family family = tilt_family_for(study.model);
  const std::vector<double> targets = grid_targets(study.grid, model.dim());
  const bool importance = study.validation.importance;
  rates_result result =
      importance ? estimate_importance(model, targets, study.run, study.importance, backend, hooks)
                 : estimate_plain(model, targets, study.run, study.plain, backend, hooks);

  const double confidence = study.run.confidence;
  tile_summary summary;
  summary.over_null = study.null.given();
  bool first = true;
  for (std::size_t j = 0; j < result.rows.size(); ++j) {
    rate_row& row = result.rows[j];
    if (importance) {
      const double rigorous = importance_tile_upper(row, study.importance, confidence);
      if (row.method == rate_method::importance &&
          rigorous > plain_upper_at_equal_cost(row.estimate, row.sims, confidence)) {
        summary.weaker_than_plain.push_back(j);
      }
      row.upper_bound = rigorous;
    }
    const std::vector<double> centre(
        tiles.centres.begin() + static_cast<std::ptrdiff_t>(j * tiles.dim),
        tiles.centres.begin() + static_cast<std::ptrdiff_t>((j + 1) * tiles.dim));
    const tilt_result bound = tilt_bound(family, centre, tiles.radii, row.upper_bound);
    row.tile_bound = bound.bound;
    row.tilt_slack = bound.bound - row.upper_bound;
    row.null_tile = tiles.meets_null[j] != 0;
    if (!summary.over_null || tiles.meets_null[j] != 0) {
      summary.null_tiles += tiles.meets_null[j] != 0 ? 1 : 0;
      if (first || bound.bound > summary.largest_bound) {
        summary.largest_bound = bound.bound;
        summary.tile = j;
        first = false;
      }
    }
  }
  if (!summary.weaker_than_plain.empty()) {
    const double delta = 1.0 - confidence;
    const double floor = range_only_floor(1.0 / study.importance.self_weight,
                                          study.importance.sims_per_proposal, delta);
    std::string list;
    for (std::size_t n = 0; n < summary.weaker_than_plain.size() && n < 5; ++n)
      list += (n ? ", " : "") + std::to_string(summary.weaker_than_plain[n]);
    if (summary.weaker_than_plain.size() > 5) list += ", ...";
    result.warnings.push_back(
        "validate: at " + std::to_string(summary.weaker_than_plain.size()) + " of " +
        std::to_string(result.rows.size()) + " targets (" + list +
        ") the importance bound (Chernoff-Hoeffding on the grouped terms, which uses only "
        "their range [0, 1/self_weight]) exceeds plain Monte Carlo's Clopper-Pearson bound "
        "at equal cost; any range-only bound is at least B (1 - delta^(1/N)) = " +
        number_text(floor) + " here");
  }
  result.tiles = summary;
  return result;
}

}  // namespace ismc
