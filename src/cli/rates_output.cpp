#include "cli/rates_output.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <ostream>
#include <utility>

#include "cli/atomic_file.hpp"
#include "ismc/core/error.hpp"
#include "ismc/core/number_text.hpp"
#include "ismc/rates/binomial.hpp"

namespace ismc::cli {

namespace {

bool any_exact(const std::vector<rate_row>& rows) {
  return std::any_of(rows.begin(), rows.end(),
                     [](const rate_row& row) { return row.exact.has_value(); });
}

bool any_ess(const std::vector<rate_row>& rows) {
  return std::any_of(rows.begin(), rows.end(), [](const rate_row& row) {
    return row.ess.has_value() || row.ess_per_sim.has_value();
  });
}

std::string optional_number(const std::optional<double>& value) {
  return value ? number_text(*value) : std::string();
}

// Six significant digits: what a person reads in a table (the files keep every digit).
std::string short_number(double value) {
  if (std::isnan(value)) return "nan";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}

// The tile columns (methods validate and calibrate), each present when some row has it.
bool any_of_rows(const std::vector<rate_row>& rows, std::optional<double> rate_row::*column) {
  return std::any_of(rows.begin(), rows.end(),
                     [column](const rate_row& row) { return (row.*column).has_value(); });
}

}  // namespace


std::string csv_text(const std::vector<rate_row>& rows, std::size_t dim, bool probability_columns) {
  csv_columns columns{dim, probability_columns, any_exact(rows), any_ess(rows)};
  columns.null_tile = std::any_of(rows.begin(), rows.end(),
                                  [](const rate_row& row) { return row.null_tile.has_value(); });
  columns.tile_bound = any_of_rows(rows, &rate_row::tile_bound);
  columns.calibration = any_of_rows(rows, &rate_row::alpha0);
  return csv_header(columns) + csv_lines(rows, columns);
}

std::string csv_header(const csv_columns& columns) {
  std::string text;
  for (std::size_t n = 0; n < columns.dim; ++n) text += "theta_" + std::to_string(n) + ",";
  if (columns.probabilities) {
    for (std::size_t n = 0; n < columns.dim; ++n) text += "p_" + std::to_string(n) + ",";
  }
  text += "estimate,std_error,ci_low,ci_high,upper_bound,sims,method";
  if (columns.exact) text += ",exact";
  if (columns.ess) text += ",ess,ess_per_sim";
  if (columns.null_tile) text += ",null_tile";
  if (columns.tile_bound) text += ",tile_bound,tilt_slack";
  if (columns.calibration) text += ",alpha0,threshold";
  text += "\n";
  return text;
}

std::string csv_lines(const std::vector<rate_row>& rows, const csv_columns& columns) {
  const std::size_t dim = columns.dim;
  std::string text;
  for (const rate_row& row : rows) {
    if (row.theta.size() != dim) {
      throw runtime_failure("internal error: a row has " + std::to_string(row.theta.size()) +
                            " coordinates, expected " + std::to_string(dim));
    }
    for (double value : row.theta) text += number_text(value) + ",";
    if (columns.probabilities) {
      for (double value : row.theta) text += number_text(binomial::probability(value)) + ",";
    }
    text += number_text(row.estimate) + "," + number_text(row.std_error) + "," +
            number_text(row.ci_low) + "," + number_text(row.ci_high) + "," +
            number_text(row.upper_bound) + "," + std::to_string(row.sims) + "," +
            to_string(row.method);
    if (columns.exact) text += "," + optional_number(row.exact);
    if (columns.ess)
      text += "," + optional_number(row.ess) + "," + optional_number(row.ess_per_sim);
    if (columns.null_tile)
      text += "," + (row.null_tile ? std::string(*row.null_tile ? "1" : "0") : std::string());
    if (columns.tile_bound)
      text += "," + optional_number(row.tile_bound) + "," + optional_number(row.tilt_slack);
    if (columns.calibration)
      text += "," + optional_number(row.alpha0) + "," + optional_number(row.threshold);
    text += "\n";
  }
  return text;
}

void write_csv(const std::string& path, const std::vector<rate_row>& rows, std::size_t dim,
               bool probability_columns) {
  // Before touching the disk: may throw.
  const std::string text = csv_text(rows, dim, probability_columns);
  write_file_atomically(path, [&](std::ostream& out) { out << text; });
}

nlohmann::json to_json(const rates_study& study, bool list_targets) {
  nlohmann::json grid = nlohmann::json::object();
  if (study.grid.thetas.empty()) {
    grid["lower"] = study.grid.lower;
    grid["upper"] = study.grid.upper;
    grid["points"] = study.grid.points;
  } else {
    grid["thetas"] = study.grid.thetas;
  }
  const std::size_t dim = study.model.dim;
  if (list_targets) {
    const std::vector<double> flat = grid_targets(study.grid, dim);
    nlohmann::json targets = nlohmann::json::array();
    for (std::size_t j = 0; j * dim < flat.size(); ++j) {
      targets.push_back(
          std::vector<double>(flat.begin() + static_cast<std::ptrdiff_t>(j * dim),
                              flat.begin() + static_cast<std::ptrdiff_t>((j + 1) * dim)));
    }
    grid["targets"] = std::move(targets);
  }

  const importance_spec& importance = study.importance;
  nlohmann::json model = {{"family", study.model.family}, {"dim", study.model.dim}};
  if (study.model.family == "normal_unknown_variance") {
    model["observations"] = study.model.observations;
  }
  if (study.model.family == "binomial") model["trials"] = study.model.trials;
  return {
      {"model", std::move(model)},
      {"test", {{"kind", to_string(study.test.kind)}, {"critical", study.test.critical}}},
      {"grid", std::move(grid)},
      {"run",
       {{"method", to_string(study.run.method)},
        {"seed", study.run.seed},
        {"confidence", study.run.confidence},
        {"common_random_numbers", study.run.common_random_numbers},
        {"chunk_targets", study.run.chunk_targets}}},
      {"plain", {{"sims", study.plain.sims}}},
      {"importance",
       {{"pilot_sims", importance.pilot_sims},
        {"clusters", importance.clusters},
        {"self_weight", importance.self_weight},
        {"sims_per_proposal", importance.sims_per_proposal},
        {"kmeans_restarts", importance.kmeans_restarts},
        {"kmeans_max_iterations", importance.kmeans_max_iterations},
        {"kmeans_subsample", importance.kmeans_subsample},
        {"max_pilot_doublings", importance.max_pilot_doublings}}},
      {"tiles", {{"radii", study.tiles.radii}}},
      {"null", {{"normals", study.null.normals}, {"offsets", study.null.offsets}}},
      {"validate", {{"estimator", study.validation.importance ? "importance" : "plain"}}},
      {"calibrate", {{"alpha", study.calibration.alpha}, {"sims", study.calibration.sims}}},
  };
}

nlohmann::json to_json(const rate_row& row) {
  nlohmann::json json = {
      {"theta", row.theta},   {"estimate", row.estimate},        {"std_error", row.std_error},
      {"ci_low", row.ci_low}, {"ci_high", row.ci_high},          {"upper_bound", row.upper_bound},
      {"sims", row.sims},     {"method", to_string(row.method)}, {"rejections", row.rejections},
  };
  if (row.exact) json["exact"] = *row.exact;
  if (row.ess) json["ess"] = *row.ess;
  if (row.ess_per_sim) json["ess_per_sim"] = *row.ess_per_sim;
  if (row.null_tile) json["null_tile"] = *row.null_tile;
  if (row.tile_bound) json["tile_bound"] = *row.tile_bound;
  if (row.tilt_slack) json["tilt_slack"] = *row.tilt_slack;
  if (row.alpha0) json["alpha0"] = *row.alpha0;
  if (row.threshold) json["threshold"] = *row.threshold;
  return json;
}

nlohmann::json to_json(const importance_details& details, std::size_t dim) {
  const std::size_t n_targets = details.pilot_rejections.size();
  const std::size_t n_proposals = dim == 0 ? 0 : details.proposals.size() / dim;
  nlohmann::json proposals = nlohmann::json::array();
  for (std::size_t k = 0; k < n_proposals; ++k) {
    const bool own = k < n_targets;
    nlohmann::json proposal = {
        {"index", k},
        {"kind", own ? "target" : "cluster"},
        {"theta", std::vector<double>(
                      details.proposals.begin() + static_cast<std::ptrdiff_t>(k * dim),
                      details.proposals.begin() + static_cast<std::ptrdiff_t>((k + 1) * dim))},
    };
    if (own) {
      proposal["target"] = k;
    } else {
      proposal["cluster"] = k - n_targets;
      proposal["cluster_size"] = details.cluster_sizes[k - n_targets];
    }
    proposals.push_back(std::move(proposal));
  }
  nlohmann::json weights = nlohmann::json::array();
  for (std::size_t j = 0; j + 1 < details.weights.offsets.size(); ++j) {
    nlohmann::json entries = nlohmann::json::array();
    for (std::size_t e = details.weights.offsets[j]; e < details.weights.offsets[j + 1]; ++e) {
      entries.push_back(
          {{"proposal", details.weights.proposal[e]}, {"weight", details.weights.weight[e]}});
    }
    weights.push_back(
        {{"target", j},
         {"pilot_rejections", details.pilot_rejections[j]},
         {"weight_source", j < details.weight_source.size() ? details.weight_source[j] : j},
         {"entries", std::move(entries)}});
  }
  return {
      {"pilot_sims", details.pilot_sims},
      {"clusters", details.clusters},
      {"cluster_centres", details.cluster_centres},
      {"cluster_sizes", details.cluster_sizes},
      {"sims_per_proposal", details.sims_per_proposal},
      {"sims_per_target", details.sims_per_target},
      {"proposals", std::move(proposals)},
      {"weights", std::move(weights)},
  };
}

nlohmann::json report_json(const rates_study& study, const rates_result& result,
                           const run_info& info) {
  nlohmann::json rows = nlohmann::json::array();
  for (const rate_row& row : result.rows) rows.push_back(to_json(row));
  nlohmann::json report = {
      {"ismc_version", info.version},      {"seed", info.seed},       {"backend", info.backend},
      {"wall_seconds", info.wall_seconds}, {"study", to_json(study)}, {"rows", std::move(rows)},
      {"warnings", result.warnings},
  };
  nlohmann::json stages = nlohmann::json::object();
  for (const stage_record& record : result.stages) stages[to_string(record.stage)] = record.ran_on;
  report["stages"] = std::move(stages);
  if (result.importance) {
    const std::size_t dim =
        result.rows.empty() ? study.model.dim : result.rows.front().theta.size();
    report["importance"] = to_json(*result.importance, dim);
  }
  if (result.tiles) report["tiles"] = to_json(*result.tiles);
  if (result.calibration) report["calibration"] = to_json(*result.calibration);
  return report;
}

nlohmann::json to_json(const tile_summary& summary) {
  return {{"largest_tile_bound", summary.largest_bound},
          {"tile", summary.tile},
          {"over_null", summary.over_null},
          {"null_tiles", summary.null_tiles},
          {"weaker_than_plain", summary.weaker_than_plain}};
}

nlohmann::json to_json(const calibration_result& calibration) {
  nlohmann::json json = {{"critical", calibration.critical},
                         {"alpha", calibration.alpha},
                         {"sims", calibration.sims},
                         {"tile", calibration.tile},
                         {"null_tiles", calibration.null_tiles}};
  json["exact_type_i_error"] = calibration.exact_type_i_error
                                   ? nlohmann::json(*calibration.exact_type_i_error)
                                   : nlohmann::json(nullptr);
  return json;
}

std::string region_summary(const rates_result& result) {
  std::string text;
  if (result.tiles) {
    const tile_summary& summary = *result.tiles;
    text += "# largest tile bound " +
            std::string(summary.over_null ? "over the null region" : "over every tile") + ": " +
            number_text(summary.largest_bound) + " at tile " + std::to_string(summary.tile) + " (" +
            std::to_string(summary.null_tiles) + " null tiles)\n";
  }
  if (result.calibration) {
    const calibration_result& calibration = *result.calibration;
    text += "# calibrated critical value " + number_text(calibration.critical) + " (alpha " +
            number_text(calibration.alpha) + ", " + std::to_string(calibration.sims) +
            " sims per null tile, set by tile " + std::to_string(calibration.tile) + " of " +
            std::to_string(calibration.null_tiles) + " null tiles)";
    if (calibration.exact_type_i_error) {
      text += "; exact type I error " + number_text(*calibration.exact_type_i_error);
    }
    text += "\n";
  }
  return text;
}

void write_json(const std::string& path, const rates_study& study, const rates_result& result,
                const run_info& info) {
  const std::string text = report_json(study, result, info).dump(2) + "\n";
  write_file_atomically(path, [&](std::ostream& out) { out << text; });
}

std::string format_table(const std::vector<rate_row>& rows, std::size_t dim) {
  const bool exact = any_exact(rows);
  const bool ess = any_ess(rows);
  std::vector<std::vector<std::string>> cells;
  std::vector<std::string> header;
  for (std::size_t n = 0; n < dim; ++n) header.push_back("theta_" + std::to_string(n));
  for (const char* name : {"estimate", "std_error", "ci_low", "ci_high", "upper_bound"}) {
    header.push_back(name);
  }
  if (exact) header.push_back("exact");
  if (ess) {
    header.push_back("ess");
    header.push_back("ess_per_sim");
  }
  cells.push_back(header);
  for (const rate_row& row : rows) {
    std::vector<std::string> line;
    for (double value : row.theta) line.push_back(short_number(value));
    for (double value : {row.estimate, row.std_error, row.ci_low, row.ci_high, row.upper_bound}) {
      line.push_back(short_number(value));
    }
    const auto optional = [](const std::optional<double>& value) {
      return value ? short_number(*value) : std::string("-");
    };
    if (exact) line.push_back(optional(row.exact));
    if (ess) {
      line.push_back(optional(row.ess));
      line.push_back(optional(row.ess_per_sim));
    }
    cells.push_back(std::move(line));
  }

  std::vector<std::size_t> widths(header.size(), 0);
  for (const auto& line : cells) {
    for (std::size_t c = 0; c < line.size() && c < widths.size(); ++c) {
      widths[c] = std::max(widths[c], line[c].size());
    }
  }
  std::string text;
  for (const auto& line : cells) {
    for (std::size_t c = 0; c < line.size() && c < widths.size(); ++c) {
      if (c > 0) text += "  ";
      text += std::string(widths[c] - line[c].size(), ' ') + line[c];
    }
    text += "\n";
  }
  return text;
}

}  // namespace ismc::cli
