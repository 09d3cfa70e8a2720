#include "ismc/rates/study.hpp"
#include "ismc/core/number_text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "ismc/core/error.hpp"
#include "ismc/core/memory.hpp"
#include "ismc/core/streams.hpp"
#include "ismc/rates/binomial.hpp"
#include "ismc/rates/registry.hpp"
#include "ismc/rates/t_test.hpp"

namespace ismc {

namespace {

constexpr std::size_t max_dim = static_cast<std::size_t>(gaussian::max_dim);
// The t-test's n: far beyond any trial, and exact as a double and a 32-bit count.
constexpr std::uint64_t max_observations = 1000000000;
// A study with more targets than this is almost surely a typo in `points`; it would also
// need gigabytes just for the target list.
constexpr double max_targets = 1e8;
// Every target has its own random streams (core/streams.hpp).
static_assert(max_targets <= static_cast<double>(streams::max_targets));


[[noreturn]] void fail(const std::string& field, const std::string& message) {
  throw input_error("", 0, field, message);
}

void check_finite(const std::string& field, double value) {
  if (!std::isfinite(value)) fail(field, got_expected(value, "a finite number"));
}

void check_at_least_one(const std::string& field, std::uint64_t value) {
  if (value < 1) fail(field, got_expected(value, "an integer > 0"));
}

void check_length(const std::string& field, std::size_t length, std::size_t dim) {
  if (length != dim) {
    fail(field, got_expected(std::to_string(length) + (length == 1 ? " value" : " values"),
                             std::to_string(dim) +
                                 " (one per coordinate, model.dim = " + std::to_string(dim) + ")"));
  }
}

// The shipped families and the registered ones, for an error message: "gaussian",
// "normal_unknown_variance" or "binomial" (then the registered names, in order).
std::string family_names() {
  std::vector<std::string> names = {"gaussian", "normal_unknown_variance", "binomial"};
  for (const std::string& name : registered_model_names()) names.push_back(name);
  std::string text;
  for (std::size_t n = 0; n < names.size(); ++n) {
    text += (n == 0 ? "" : n + 1 == names.size() ? " or " : ", ") + ("\"" + names[n] + "\"");
  }
  return text;
}

// The model and test sections, as both `validate` and `make_model` need them.
void validate_model(const model_spec& model, const test_spec& test) {
  if (const registered_model* registered = find_registered_model(model.family)) {
    if (model.dim != registered->dim) {
      fail("model.dim",
           got_expected(model.dim, std::to_string(registered->dim) +
                                       " (the parameter size of family \"" + model.family + "\")"));
    }
    check_finite("test.critical", test.critical);
    return;
  }
  if (model.family == "binomial") {
    const std::size_t arms = model.trials.size();
    if (arms < 1 || arms > static_cast<std::size_t>(binomial::max_arms)) {
      fail("model.trials",
           got_expected(std::to_string(arms) + (arms == 1 ? " arm" : " arms"),
                        "1 to " + std::to_string(binomial::max_arms) + " arms (one n_i each)"));
    }
    for (std::size_t i = 0; i < arms; ++i) {
      if (model.trials[i] < 1 || model.trials[i] > binomial::max_trials) {
        fail("model.trials[" + std::to_string(i) + "]",
             got_expected(model.trials[i],
                          "an integer in [1, " + std::to_string(binomial::max_trials) + "]"));
      }
    }
    if (model.dim != arms) {
      fail("model.dim",
           got_expected(model.dim, std::to_string(arms) + " (the number of arms in model.trials)"));
    }
    if (test.kind != test_kind::count && test.kind != test_kind::difference &&
        test.kind != test_kind::posterior) {
      fail("test.kind", "got \"" + to_string(test.kind) +
                            "\", expected count, difference or posterior for family \"binomial\"");
    }
    if (test.kind != test_kind::count && arms < 2) {
      fail("test.kind", "got \"" + to_string(test.kind) +
                            "\" with 1 arm, expected at least 2 arms in model.trials (arm 0 "
                            "is the control)");
    }
    check_finite("test.critical", test.critical);
    if (test.kind == test_kind::posterior && !(test.critical > 0.0 && test.critical < 1.0)) {
      fail("test.critical", got_expected(test.critical,
                                         "a probability strictly between 0 and 1 for the "
                                         "posterior test"));
    }
    return;
  }
  if (model.family == "normal_unknown_variance") {
    if (model.dim != 2) {
      fail("model.dim", got_expected(model.dim,
                                     "2 (theta = (mu, sigma)) for family "
                                     "\"normal_unknown_variance\""));
    }
    if (model.observations < 2 || model.observations > max_observations) {
      fail(
          "model.observations",
          got_expected(model.observations, "an integer in [2, " + std::to_string(max_observations) +
                                               "] (the sample size n)"));
    }
    if (test.kind != test_kind::t) {
      fail("test.kind", "got \"" + to_string(test.kind) +
                            "\", expected \"t\" for family \"normal_unknown_variance\"");
    }
    check_finite("test.critical", test.critical);
    return;
  }
  if (model.family != "gaussian") {
    fail("model.family", "got \"" + model.family + "\", expected " + family_names() +
                             " (a program's own family is registered by name: register_model)");
  }
  if (model.dim < 1 || model.dim > max_dim) {
    fail("model.dim",
         got_expected(model.dim, "an integer in [1, " + std::to_string(max_dim) + "]"));
  }
  if (test.kind == test_kind::t || test.kind == test_kind::count ||
      test.kind == test_kind::difference || test.kind == test_kind::posterior) {
    fail("test.kind", "got \"" + to_string(test.kind) +
                          "\", expected one_sided, two_sided, sum, max or norm for family "
                          "\"gaussian\" (t is family \"normal_unknown_variance\"; count, "
                          "difference and posterior \"binomial\")");
  }
  check_finite("test.critical", test.critical);
}

// A target's θ that the family cannot take: for normal_unknown_variance σ = θ_1 must be > 0.
void check_family_target(const model_spec& model, const std::string& field,
                         const std::vector<double>& theta) {
  if (model.family != "normal_unknown_variance" || theta.size() != 2) return;
  if (!(theta[1] > 0.0)) {
    fail(field,
         "got sigma = " + number_text(theta[1]) + ", expected sigma > 0 (theta = (mu, sigma))");
  }
}

void validate_grid(const grid_spec& grid, const model_spec& model) {
  const std::size_t dim = model.dim;
  const bool cartesian = !grid.lower.empty() || !grid.upper.empty() || !grid.points.empty();
  if (!grid.thetas.empty()) {
    if (cartesian) {
      fail("grid.thetas",
           "given together with grid.lower/upper/points; expected either an explicit list "
           "of targets or a Cartesian grid, not both");
    }
    if (static_cast<double>(grid.thetas.size()) > max_targets) {
      fail("grid.thetas",
           got_expected(std::to_string(grid.thetas.size()) + " targets", "at most 1e8"));
    }
    for (std::size_t j = 0; j < grid.thetas.size(); ++j) {
      const std::string field = "grid.thetas[" + std::to_string(j) + "]";
      check_length(field, grid.thetas[j].size(), dim);
      for (double value : grid.thetas[j]) check_finite(field, value);
      check_family_target(model, field, grid.thetas[j]);
    }
    return;
  }
  if (!cartesian) {
    fail("grid",
         "missing; expected grid.thetas (a list of targets) or grid.lower, "
         "grid.upper and grid.points (a Cartesian grid)");
  }
  check_length("grid.lower", grid.lower.size(), dim);
  check_length("grid.upper", grid.upper.size(), dim);
  check_length("grid.points", grid.points.size(), dim);
  double count = 1.0;
  for (std::size_t n = 0; n < dim; ++n) {
    check_finite("grid.lower", grid.lower[n]);
    check_finite("grid.upper", grid.upper[n]);
    if (grid.lower[n] > grid.upper[n]) {
      fail("grid.lower", "got lower[" + std::to_string(n) + "] = " + number_text(grid.lower[n]) +
                             " > upper[" + std::to_string(n) + "] = " + number_text(grid.upper[n]) +
                             ", expected lower <= upper");
    }
    if (grid.points[n] < 1) {
      fail("grid.points", "got points[" + std::to_string(n) + "] = " +
                              std::to_string(grid.points[n]) + ", expected an integer > 0");
    }
    count *= static_cast<double>(grid.points[n]);
  }
  if (count > max_targets) {
    fail("grid.points", "the grid has " + number_text(count) +
                            " targets, expected at most 1e8 (the product of the points)");
  }
  // lower <= upper holds, so the lower corner is the smallest σ.
  check_family_target(model, "grid.lower", grid.lower);
}

// The memory of a Cartesian grid's targets and rows (an explicit list of targets is in
// memory already). Per target held with its row: θ in the target and proposal lists, a row
// (with its θ), the counts and the weights, and the row's text in the table and the CSV:
// about 400 + 48·dim bytes. In a study directory (memory_scope::chunked) only a chunk's
// rows are held; every target keeps its θ (8·dim bytes) and, for importance sampling, its
// part of the plan: its proposal (8·dim), pilot count, weight offset and 1 + C weights
// (index and value), also as the plan's JSON text and parsed form, about 16·dim + 70 +
// 80·(1 + C) bytes in all.
void check_grid_memory(const rates_study& study, memory_scope scope) {
  const grid_spec& grid = study.grid;
  if (!grid.thetas.empty()) return;
  double count = 1.0;
  for (std::size_t points : grid.points) count *= static_cast<double>(points);
  const double dim = static_cast<double>(study.model.dim);
  const double row = 400.0 + 48.0 * dim;
  if (scope == memory_scope::whole) {
    const std::string shortfall = memory_shortfall(count * row);
    if (!shortfall.empty()) {
      fail("grid.points", "the grid has " + number_text(count) + " targets, expected " + shortfall);
    }
    return;
  }
  const double chunk = std::min(count, static_cast<double>(study.run.chunk_targets));
  const double held =
      study.run.method == rate_method::importance
          ? 16.0 * dim + 70.0 + 80.0 * (1.0 + static_cast<double>(study.importance.clusters))
          : 8.0 * dim + 8.0;
  const std::string shortfall = memory_shortfall(count * held + chunk * row);
  if (!shortfall.empty()) {
    fail("grid.points",
         "the grid has " + number_text(count) +
             " targets in a study directory (every target's parameters" +
             (study.run.method == rate_method::importance ? std::string(" and importance plan")
                                                          : std::string()) +
             " held, the rows of a chunk of " + number_text(chunk) + " targets), expected " +
             shortfall);
  }
}

// The memory the simulations of the method in use take, beyond the targets' own (checked
// with the grid): a count slot per target and per task of 2^16 simulations (the CPU
// backend's sims_per_task), and for importance sampling every rejected draw of the shared
// (cluster) proposals, at worst all of them. sims = 2^63 asked for 2^47 slots per target:
// std::bad_alloc after the pilot.
//
// In a study directory (memory_scope::chunked) the counts are held for a chunk's targets,
// and an importance study's pilot, over all targets at once, one slot per task of its
// simulations for each target.
void check_simulation_memory(const rates_study& study, memory_scope scope) {
  const double all_targets = study.grid.thetas.empty()
                                 ? [&] {
                                     double count = 1.0;
                                     for (std::size_t points : study.grid.points)
                                       count *= static_cast<double>(points);
                                     return count;
                                   }()
                                 : static_cast<double>(study.grid.thetas.size());
  const double targets = scope == memory_scope::whole
                             ? all_targets
                             : std::min(all_targets, static_cast<double>(study.run.chunk_targets));
  const auto slots = [](double sims) {
    return std::ceil(sims / 65536.0) * 8.0;
  };
  std::string field, value;
  double bytes = 0.0;
  if (study.run.method != rate_method::importance &&
      !(study.run.method == rate_method::validate && study.validation.importance)) {
    field = "plain.sims";
    value = std::to_string(study.plain.sims);
    bytes = targets * slots(static_cast<double>(study.plain.sims));
  } else {
    const importance_spec& importance = study.importance;
    const double sims = static_cast<double>(importance.sims_per_proposal);
    const double clusters = static_cast<double>(importance.clusters);
    const double dim = static_cast<double>(study.model.dim);
    field = "importance.sims_per_proposal";
    value = std::to_string(importance.sims_per_proposal);
    bytes = (targets + clusters) * slots(sims) + clusters * sims * (dim + 1.0) * 8.0;
    if (scope == memory_scope::chunked) {
      bytes += all_targets * slots(static_cast<double>(importance.pilot_sims));
    }
  }
  const std::string shortfall = memory_shortfall(bytes);
  if (!shortfall.empty()) {
    fail(field,
         got_expected(value + " simulations at " + number_text(targets) + " targets", shortfall));
  }
}

}  // namespace

std::string to_string(rate_method method) {
  switch (method) {
    case rate_method::plain:
      return "plain";
    case rate_method::importance:
      return "importance";
    case rate_method::validate:
      return "validate";
    case rate_method::calibrate:
      return "calibrate";
  }
  return "unknown";
}

std::vector<double> grid_targets(const grid_spec& grid, std::size_t dim) {
  if (!grid.thetas.empty()) {
    std::vector<double> targets;
    targets.reserve(grid.thetas.size() * dim);
    for (std::size_t j = 0; j < grid.thetas.size(); ++j) {
      if (grid.thetas[j].size() != dim)
        check_length("grid.thetas[" + std::to_string(j) + "]", grid.thetas[j].size(), dim);
      targets.insert(targets.end(), grid.thetas[j].begin(), grid.thetas[j].end());
    }
    return targets;
  }
  check_length("grid.lower", grid.lower.size(), dim);
  check_length("grid.upper", grid.upper.size(), dim);
  check_length("grid.points", grid.points.size(), dim);
  std::size_t count = 1;
  for (std::size_t n = 0; n < dim; ++n) {
    if (grid.points[n] < 1) check_at_least_one("grid.points", grid.points[n]);
    if (static_cast<double>(count) * static_cast<double>(grid.points[n]) > max_targets) {
      fail("grid.points", "the grid has more than 1e8 targets, expected at most 1e8");
    }
    count *= grid.points[n];
  }

  // The values of each coordinate, as numpy.linspace computes them (lower + k·step, the
  // last one exactly upper), so grids match the seed's to the bit; computed where used, not
  // kept per axis (a one-dimensional grid of 1e8 points would hold a second copy, 800 MB).
  std::vector<double> steps(dim, 0.0);
  for (std::size_t n = 0; n < dim; ++n) {
    const std::size_t points = grid.points[n];
    if (points > 1) {
      steps[n] = (grid.upper[n] - grid.lower[n]) / static_cast<double>(points - 1);
    }
  }
  const auto axis_value = [&](std::size_t n, std::size_t k) {
    if (k + 1 == grid.points[n]) return grid.points[n] == 1 ? grid.lower[n] : grid.upper[n];
    return grid.lower[n] + static_cast<double>(k) * steps[n];
  };

  std::vector<double> targets(count * dim);
  std::vector<std::size_t> index(dim, 0);  // odometer: the last coordinate turns fastest
  for (std::size_t j = 0; j < count; ++j) {
    for (std::size_t n = 0; n < dim; ++n) targets[j * dim + n] = axis_value(n, index[n]);
    for (std::size_t n = dim; n-- > 0;) {
      if (++index[n] < grid.points[n]) break;
      index[n] = 0;
    }
  }
  return targets;
}

void validate(const rates_study& study, memory_scope scope) {
  validate_model(study.model, study.test);
  validate_grid(study.grid, study.model);
  check_grid_memory(study, scope);

  const double confidence = study.run.confidence;
  if (!(confidence > 0.0 && confidence < 1.0)) {
    fail("run.confidence", got_expected(confidence, "a number strictly between 0 and 1"));
  }

  check_at_least_one("run.chunk_targets", study.run.chunk_targets);

  // Every section is checked, also that of a method the study does not use: a bad value
  // is bad input even where it is not read yet.
  check_at_least_one("plain.sims", study.plain.sims);

  const importance_spec& importance = study.importance;
  check_at_least_one("importance.pilot_sims", importance.pilot_sims);
  check_at_least_one("importance.clusters", importance.clusters);
  if (importance.clusters > streams::max_proposals) {
    // One proposal per cluster, each with its own random stream (core/streams.hpp).
    fail("importance.clusters",
         got_expected(importance.clusters, "at most " + std::to_string(streams::max_proposals)));
  }
  {
    // Importance proposal k draws from stream 2^31 + k (core/streams.hpp): the targets' own
    // proposals, then the clusters', at most max_proposals in all.
    double targets = 1.0;
    for (std::size_t points : study.grid.points) targets *= static_cast<double>(points);
    if (!study.grid.thetas.empty()) targets = static_cast<double>(study.grid.thetas.size());
    const double room = static_cast<double>(streams::max_proposals) - targets;
    if (static_cast<double>(importance.clusters) > room) {
      fail("importance.clusters",
           got_expected(importance.clusters,
                        "at most " + number_text(room) + " = 2^31 - " + number_text(targets) +
                            " targets (the random-stream layout gives each proposal, the "
                            "targets' own and the clusters', its own stream)"));
    }
  }
  if (!(importance.self_weight > 0.0 && importance.self_weight <= 1.0)) {
    fail("importance.self_weight", got_expected(importance.self_weight, "a number in (0, 1]"));
  }
  if (importance.sims_per_proposal < 2) {
    // The variance estimate divides by N_k − 1.
    fail("importance.sims_per_proposal",
         got_expected(importance.sims_per_proposal, "an integer > 1"));
  }
  check_at_least_one("importance.kmeans_restarts", importance.kmeans_restarts);
  check_at_least_one("importance.kmeans_max_iterations", importance.kmeans_max_iterations);
  check_at_least_one("importance.kmeans_subsample", importance.kmeans_subsample);
  // k-means' own checks, here so that the file and line are named (they were found only
  // after the pilot, as "kmeans: subsample: ...").
  if (importance.kmeans_subsample < importance.clusters) {
    fail("importance.kmeans_subsample",
         got_expected(importance.kmeans_subsample,
                      "at least clusters = " + std::to_string(importance.clusters)));
  }
  if (importance.kmeans_restarts > 4294967295ull) {
    fail("importance.kmeans_restarts",
         got_expected(importance.kmeans_restarts, "at most 4294967295 (one random stream each)"));
  }
  // The doubled pilot, pilot_sims · 2^doublings, must stay a valid simulation count.
  const std::size_t doublings = importance.max_pilot_doublings;
  if (doublings > 62 ||
      importance.pilot_sims > (std::numeric_limits<std::uint64_t>::max() >> 1 >> doublings)) {
    fail("importance.max_pilot_doublings",
         got_expected(doublings, "pilot_sims * 2^max_pilot_doublings < 2^63"));
  }
  check_simulation_memory(study, scope);
  validate_region(study);
}

std::unique_ptr<model> make_model(const model_spec& model, const test_spec& test) {
  validate_model(model, test);
  if (const registered_model* registered = find_registered_model(model.family)) {
    return registered->make(registered_model_settings{model.dim, test.critical});
  }
  if (model.family == "binomial" && test.kind != test_kind::count) {
    const std::vector<std::uint32_t> trials(model.trials.begin(), model.trials.end());
    return std::make_unique<binomial_pairwise_model>(test.kind == test_kind::posterior
                                                         ? binomial_statistic::posterior
                                                         : binomial_statistic::difference,
                                                     trials, test.critical);
  }
  if (model.family == "binomial") {
    binomial_count_test family;
    family.arms = static_cast<int>(model.trials.size());
    for (std::size_t i = 0; i < model.trials.size(); ++i) {
      family.trials[i] = static_cast<std::uint32_t>(model.trials[i]);
    }
    family.critical = test.critical;
    return std::make_unique<family_model<binomial_count_test>>(family);
  }
  if (model.family == "normal_unknown_variance") {
    normal_t_test family;
    family.observations = static_cast<std::uint32_t>(model.observations);
    family.critical = test.critical;
    return std::make_unique<family_model<normal_t_test>>(family);
  }
  return std::make_unique<gaussian_test_model>(model.dim, test.kind, test.critical);
}

}  // namespace ismc
