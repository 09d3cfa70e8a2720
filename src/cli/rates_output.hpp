#pragma once
/// @file rates_output.hpp
/// @brief What `ismc rates` writes: the CSV of rows, the JSON report and the table on
/// stdout. The files are written atomically (cli/atomic_file.hpp).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ismc/core/config.hpp"
#include "ismc/rates/rates.hpp"
#include "ismc/rates/study.hpp"

namespace ismc::cli {

/// Facts about a run that the JSON report records beside the study and its rows.
struct run_info {
  std::uint64_t seed = 0;               ///< the seed actually used (after --seed)
  std::string version = ismc::version;  ///< the ismc version that produced the file
  std::string backend;                  ///< `cpu` or `cuda`
  double wall_seconds = 0.0;            ///< wall-clock time of the study, in seconds
};

/// The CSV text of `rows`: header `theta_0,…,theta_{dim-1},estimate,std_error,ci_low,
/// ci_high,upper_bound,sims,method`, then `exact` when any row has an exact rate, then
/// `ess,ess_per_sim` when any row has an effective sample size; one line per row in
/// target order. A row that lacks a value of an optional column leaves it empty.
/// `probability_columns` (the binomial family, θ_i = logit p_i) adds `p_0,…,p_{dim-1}`,
/// p_i = 1/(1 + e^{−θ_i}), after the θ columns. Methods validate and calibrate add, at the
/// end, `null_tile` (1 when the tile meets the null region), `tile_bound,tilt_slack`
/// (validate) and `alpha0,threshold` (calibrate, empty off the null tiles).
std::string csv_text(const std::vector<rate_row>& rows, std::size_t dim,
                     bool probability_columns = false);

/// The columns of a rates CSV: what `csv_text` decides from its rows, stated up front so
/// that a study directory can stream its CSV a chunk at a time.
struct csv_columns {
  std::size_t dim = 1;         ///< θ coordinates
  bool probabilities = false;  ///< `p_0,…` after the θ columns (the binomial family)
  bool exact = false;          ///< the `exact` column
  bool ess = false;            ///< the `ess,ess_per_sim` columns
  bool null_tile = false;      ///< the `null_tile` column (methods validate and calibrate)
  bool tile_bound = false;     ///< the `tile_bound,tilt_slack` columns (method validate)
  bool calibration = false;    ///< the `alpha0,threshold` columns (method calibrate)
};

/// The CSV's header line (with its newline) for `columns`.
std::string csv_header(const csv_columns& columns);

/// The CSV's lines of `rows` (no header) for `columns`, as `csv_text` writes them.
std::string csv_lines(const std::vector<rate_row>& rows, const csv_columns& columns);

/// Writes `csv_text(rows, dim, probability_columns)` to `path` atomically.
/// @throws ismc::runtime_failure naming `path` when it cannot be written.
void write_csv(const std::string& path, const std::vector<rate_row>& rows, std::size_t dim,
               bool probability_columns = false);

/// The study with every default filled, one JSON object per TOML section under the same
/// key names; `grid` also lists its `targets` explicitly, in grid order, unless
/// `list_targets` is false (a study directory's report above 10⁵ targets).
nlohmann::json to_json(const rates_study& study, bool list_targets = true);

/// One row as JSON: `theta`, `estimate`, `std_error`, `ci_low`, `ci_high`, `upper_bound`,
/// `sims`, `method`, `rejections`, and `exact`, `ess`, `ess_per_sim` where present.
nlohmann::json to_json(const rate_row& row);

/// How an importance run chose its proposals: pilot, clusters (centres and sizes), every
/// proposal's parameter, and each target's weights and the target its weights came from.
nlohmann::json to_json(const importance_details& details, std::size_t dim);

/// The whole JSON report: `ismc_version`, `seed`, `backend`, `wall_seconds`, `study`,
/// `rows`, `warnings`, `stages` (where each stage that ran did run: stage name → `cpu` or
/// `cuda`) and, for importance runs, `importance`; for method validate `tiles` (the
/// summary), for method calibrate `calibration`.
nlohmann::json report_json(const rates_study& study, const rates_result& result,
                           const run_info& info);

/// Method validate's summary: `largest_tile_bound`, `tile`, `over_null`, `null_tiles`,
/// `weaker_than_plain` (the tiles whose importance bound exceeds plain Monte Carlo's at
/// equal cost).
nlohmann::json to_json(const tile_summary& summary);

/// Method calibrate's result: `critical`, `alpha`, `sims`, `tile`, `null_tiles` and
/// `exact_type_i_error` (null when the model has no exact rate).
nlohmann::json to_json(const calibration_result& calibration);

/// The summary lines of methods validate and calibrate for stdout ("# ..."), empty for
/// the other methods.
std::string region_summary(const rates_result& result);

/// Writes `report_json(study, result, info)` to `path` atomically.
/// @throws ismc::runtime_failure naming `path` when it cannot be written.
void write_json(const std::string& path, const rates_study& study, const rates_result& result,
                const run_info& info);

/// The rows as an aligned, human-readable table for stdout: θ coordinates, estimate,
/// standard error, interval, upper bound, then the exact rate and the ESS where present.
std::string format_table(const std::vector<rate_row>& rows, std::size_t dim);

}  // namespace ismc::cli
