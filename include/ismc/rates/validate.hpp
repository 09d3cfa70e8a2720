#pragma once
/// @file validate.hpp
/// @brief Method `validate`: a rigorous upper bound on the rejection rate over every tile,
/// the centre's upper confidence bound carried through the Tilt-Bound (rates/tilt_bound.hpp).
///
/// Plain Monte Carlo gives the Clopper–Pearson upper bound at the centre; importance
/// sampling the Chernoff–Hoeffding (Kullback–Leibler) bound on its grouped terms
/// Y_i ∈ [0, 1/w_self] (docs/spec/rejection-rates.md). Each holds with probability at
/// least the study's `[run] confidence` per tile, and the Tilt-Bound increases with the
/// centre's rate, so the tile's bound holds with the same probability over the whole tile.

#include <cstdint>

#include "ismc/rates/backend.hpp"
#include "ismc/rates/model.hpp"
#include "ismc/rates/rates.hpp"
#include "ismc/rates/study.hpp"

namespace ismc {

/// The rigorous upper bound at the centre of an importance-sampling row: the
/// Chernoff–Hoeffding bound on the mean of the N grouped terms in [0, B], B = 1/self_weight,
/// whose mean is the row's estimate (`hoeffding_kl_upper`), capped at 1. A row that fell
/// back to plain Monte Carlo (method plain) keeps its Clopper–Pearson bound.
/// @param row an importance row (`estimate_importance`)
/// @param importance the settings that made it (self_weight, sims_per_proposal)
/// @param confidence the bound's confidence, in (0, 1)
double importance_tile_upper(const rate_row& row, const importance_spec& importance,
                             double confidence);

/// Plain Monte Carlo's Clopper–Pearson upper bound at equal cost: `sims` simulations with
/// round(estimate · sims) rejections, what plain Monte Carlo would report for the same rate
/// and the same number of simulations per target.
double plain_upper_at_equal_cost(double estimate, std::uint64_t sims, double confidence);

/// The smallest upper bound at confidence 1 − δ that any method using only the range
/// [0, B] of N i.i.d. terms can give: B (1 − δ^{1/N}) (all terms 0 is as likely as can be).
double range_only_floor(double bound, std::uint64_t n, double delta);

/// Runs method `validate`: plain Monte Carlo (`[plain]`) or importance sampling
/// (`[importance]`, when `[validate] estimator = "importance"`) at every target, then each
/// row's rigorous centre bound (`upper_bound`, replaced by `importance_tile_upper` for
/// importance rows) through the Tilt-Bound over its tile: `tile_bound`, `tilt_slack`,
/// `null_tile`, and the summary (`rates_result::tiles`): the largest tile bound over the null
/// tiles (every tile when the study has no `[null]`) and its tile. Warns where an importance
/// bound exceeds plain Monte Carlo's at equal cost. Tiles and A(η) come from the study's
/// model section (`tilt_family_for`), so `model` must be that family.
/// @param study a validated study with `run.method` = validate
rates_result validate_tiles(const model& model, const rates_study& study, backend& backend,
                            const run_hooks& hooks = {});

}  // namespace ismc
