#include "ismc/population/study.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <optional>
#include <string>
#include <utility>

#include "ismc/core/error.hpp"
#include "ismc/core/memory.hpp"
#include "ismc/core/number_text.hpp"
#include "ismc/core/rng.hpp"
#include "ismc/core/streams.hpp"
#include "ismc/models/partial_pooling.hpp"
#include "ismc/population/hyper_likelihood.hpp"
#include "ismc/population/point_estimates.hpp"
#include "ismc/samplers/chains.hpp"
#include "ismc/samplers/nuts.hpp"
#include "models/population_priors.hpp"
#include "population/hyper_likelihood_backend.hpp"
#include "population/unchecked.hpp"

namespace ismc {

namespace {

[[noreturn]] void fail(const std::string& field, const std::string& message) {
  throw input_error("", 0, field, message);
}

void check_positive(const std::string& field, double value) {
  if (!(value > 0.0)) fail(field, got_expected(value, "a number > 0"));
}

void check_at_least_one(const std::string& field, std::size_t value) {
  if (value < 1) fail(field, got_expected(value, "an integer > 0"));
}

// The standard deviation of the walkers' starting ball around θ0.
constexpr double initial_spread = 0.01;
// How far inside the priors' bounds every starting point lies.
constexpr double initial_prior_margin = 0.01;

// Starting points of the walkers: a small ball around θ0, inside the priors.
std::vector<double> initial_walkers(std::size_t walkers, double mu0, double sigma0,
                                    std::uint64_t seed) {
  std::vector<double> initial;
  for (std::size_t w = 0; w < walkers; ++w) {
    double z[2];
    standard_normals(streams::walker_start(seed), w, z, 2);
    initial.push_back(std::clamp(mu0 + initial_spread * z[0],
                                 detail::theta_mu_lower + initial_prior_margin,
                                 detail::theta_mu_upper - initial_prior_margin));
    initial.push_back(std::clamp(sigma0 + initial_spread * z[1], initial_prior_margin,
                                 detail::theta_sigma_upper - initial_prior_margin));
  }
  return initial;
}

// The ensemble on `target`, its draws after the burn-in kept per walker.
population_method_result ensemble_method(population_method method,
                                         const batched_log_density& target,
                                         const population_study& study, double mu0, double sigma0,
                                         const run_hooks& hooks) {
  ensemble_config config;
  config.walkers = study.walkers;
  config.steps = study.steps;
  config.seed = study.seed;
  config.initial = initial_walkers(study.walkers, mu0, sigma0, study.seed);
  const ensemble_result run = run_ensemble(target, config, hooks);
  population_method_result result;
  result.method = method;
  result.first_step = study.burn;
  result.lp.resize(run.walkers);
  result.theta_mu.resize(run.walkers);
  result.theta_sigma.resize(run.walkers);
  for (std::size_t step = study.burn; step < run.steps; ++step) {
    for (std::size_t w = 0; w < run.walkers; ++w) {
      const double* theta = run.chain.data() + (step * run.walkers + w) * run.dim;
      result.lp[w].push_back(run.log_density[step * run.walkers + w]);
      result.theta_mu[w].push_back(theta[0]);
      result.theta_sigma[w].push_back(theta[1]);
    }
  }
  result.acceptance_fraction = run.acceptance_fraction();
  result.tau_mu = integrated_autocorrelation_time(result.theta_mu);
  result.tau_sigma = integrated_autocorrelation_time(result.theta_sigma);
  return result;
}

// Keeps a chain's sampling draws of (θ_μ, θ_σ), their lp__, and its divergences.
class hyper_recorder : public draw_writer {
 public:
  hyper_recorder(std::size_t mu_index, std::size_t sigma_index)
      : mu_(mu_index), sigma_(sigma_index) {}
  void draw(const nuts_draw& info, const double* outputs, bool warmup) override {
    if (warmup) return;
    lp.push_back(info.lp);
    mu.push_back(outputs[mu_]);
    sigma.push_back(outputs[sigma_]);
    divergent += info.divergent ? 1 : 0;
  }
  void adaptation(double, const std::vector<double>&) override {}
  void timing(double, double) override {}
  std::vector<double> lp, mu, sigma;
  std::size_t divergent = 0;

 private:
  std::size_t mu_, sigma_;
};

// NUTS on the partial-pooling model (its gradient on the backend the model was made for).
population_method_result nuts_method(const posterior_model& model, const population_study& study,
                                     const run_hooks& hooks) {
  const std::vector<std::string> names = model.output_names();
  const auto index = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
  };
  std::vector<hyper_recorder> recorders(study.chains,
                                        hyper_recorder(index("theta_mu"), index("theta_sigma")));
  nuts_config config;
  config.warmup = study.warmup;
  config.draws = study.draws;
  config.seed = study.seed;
  run_nuts_chains(
      model, config, study.chains, [&](std::size_t c) -> draw_writer& { return recorders[c]; },
      hooks, "nuts");
  population_method_result result;
  result.method = population_method::nuts;
  for (hyper_recorder& r : recorders) {
    result.lp.push_back(std::move(r.lp));
    result.theta_mu.push_back(std::move(r.mu));
    result.theta_sigma.push_back(std::move(r.sigma));
    result.divergent += r.divergent;
  }
  return result;
}

}  // namespace

void validate(const population_study& study) {
  const bool reads = !study.samples_path.empty();
  if (study.simulate && reads) {
    fail("data.samples", "given with simulate = true; expected one or the other");
  }
  if (!study.simulate && !reads) {
    fail("data.samples", "missing; with simulate = false, expected samples = \"FILE.csv\"");
  }
  if (study.simulate) {
    if (study.setting.objects < 2) {
      fail("data.objects", got_expected(study.setting.objects, "at least 2"));
    }
    check_positive("data.theta_sigma", study.setting.theta_sigma);
    check_positive("data.alpha", study.setting.alpha);
  } else {
    if (study.alpha_given) check_positive("data.alpha", study.setting.alpha);
    if (study.nuts && study.x_path.empty()) {
      fail("data.x", "missing; nuts = true needs the observations x = \"FILE\" (and alpha)");
    }
    if ((study.nuts || !study.x_path.empty()) && !study.alpha_given) {
      fail("data.alpha", "missing; the observations' noise alpha is needed with x");
    }
  }
  if (!study.point && !study.importance && !study.nuts) {
    fail("methods", "every method is off; expected at least one of point, importance, nuts");
  }
  if (study.walkers < 4 || study.walkers % 2 != 0) {
    fail("ensemble.walkers",
         got_expected(study.walkers, "an even integer >= 4 (at least 2 × the 2 hyper-parameters)"));
  }
  if (study.burn >= study.steps) {
    fail("ensemble.burn",
         got_expected(study.burn, "fewer than steps (") + std::to_string(study.steps) + ")");
  }
  check_positive("likelihood.variance_cut", study.variance_cut);
  if (study.simulate) {
    check_at_least_one("data.samples_per_object", study.setting.samples_per_object);
    // An object's samples are one Philox simulation (core/streams.hpp); was found only by
    // draw_flat_prior_samples, without the file or the line.
    if (study.setting.samples_per_object > streams::max_normals_per_draw) {
      fail("data.samples_per_object",
           got_expected(study.setting.samples_per_object,
                        "at most " + std::to_string(streams::max_normals_per_draw) +
                            " (one random stream per object)"));
    }
  }
  check_at_least_one("nuts.chains", study.chains);
  check_at_least_one("nuts.draws", study.draws);
  // Memory, before anything is allocated (core/memory.hpp): the simulated samples (a value
  // and its weight each), the ensemble's chain (θ and log density per walker and step, and
  // the kept steps again), NUTS's recorded draws and each chain's state over the objects.
  const auto check_memory = [](const std::string& field, const std::string& value, double bytes) {
    const std::string shortfall = memory_shortfall(bytes);
    if (!shortfall.empty()) fail(field, got_expected(value, shortfall));
  };
  const auto count = [](std::size_t n) {
    return static_cast<double>(n);
  };
  if (study.simulate) {
    check_memory("data.samples_per_object",
                 std::to_string(study.setting.samples_per_object) + " samples for each of " +
                     std::to_string(study.setting.objects) + " objects",
                 count(study.setting.objects) * count(study.setting.samples_per_object) * 16.0);
  }
  if (study.point || study.importance) {
    check_memory(
        study.walkers > study.steps ? "ensemble.walkers" : "ensemble.steps",
        std::to_string(study.walkers) + " walkers × " + std::to_string(study.steps) + " steps",
        count(study.walkers) * count(study.steps) * 48.0);
  }
  if (study.nuts) {
    const double objects = study.simulate ? count(study.setting.objects) : 0.0;
    check_memory(
        study.chains > study.draws ? "nuts.chains" : "nuts.draws",
        std::to_string(study.chains) + " chains × " + std::to_string(study.draws) + " draws",
        count(study.chains) * (count(study.draws) * 32.0 + objects * 80.0));
  }
}

namespace {

// The checks of prepare_population_study's data against its study.
void check_data(const population_study& study, const population_data& read) {
  if (study.simulate) {
    if (!read.samples.values.empty() || !read.x.empty()) {
      throw usage_error(
          "population study: data given for a study that simulates its own (simulate = true)");
    }
    return;
  }
  validate(read.samples);
  if (!read.x.empty() && read.x.size() != read.samples.objects()) {
    fail("x", std::to_string(read.x.size()) + " observations for " +
                  std::to_string(read.samples.objects()) + " objects");
  }
  if (study.nuts && read.x.empty()) fail("x", "missing; nuts = true needs the observations");
}

// What the walkers' start needs of read samples (run_population_study): at least two objects
// (the spread of their medians; with one it was NaN, "nan for walker 0") and medians whose
// mean lies inside the prior of theta_mu (outside, every walker was moved onto the prior's
// edge: "walkers not linearly independent").
void check_read_samples(const population_study& study, const population_samples& samples) {
  const auto fail_in_file = [&](const std::string& message) {
    throw input_error(study.samples_path, 0, "data.samples", message);
  };
  if (samples.objects() < 2) {
    fail_in_file(
        got_expected(std::to_string(samples.objects()) + " object",
                     "at least 2 objects (the spread of their medians starts the walkers)"));
  }
  const std::vector<double> medians = detail::sample_medians_unchecked(samples);
  double mean = 0.0;
  for (double m : medians) mean += m;
  mean /= static_cast<double>(medians.size());
  if (!(mean > detail::theta_mu_lower && mean < detail::theta_mu_upper)) {
    fail_in_file(got_expected("objects whose medians average " + number_text(mean),
                              "an average inside the prior of theta_mu, (" +
                                  number_text(detail::theta_mu_lower) + ", " +
                                  number_text(detail::theta_mu_upper) + ")"));
  }
}

}  // namespace

prepared_population_study prepare_population_study(const population_study& study,
                                                   backend_kind backend, population_data read) {
  validate(study);
  check_data(study, read);
  return prepare_population_study(validated, study, backend, std::move(read));
}

prepared_population_study prepare_population_study(validated_t, const population_study& study,
                                                   backend_kind backend, population_data read) {
  assert(detail::passes([&] {
    validate(study);
    check_data(study, read);
  }));
  prepared_population_study prepared;
  prepared.study = study;
  if (study.simulate) {
    prepared.data = simulate_population(study.setting, study.seed);
  } else {
    check_read_samples(study, read.samples);
    prepared.data = std::move(read);
  }
  // The backends of the hyper-likelihood and of NUTS's gradient are set up before any
  // sampling: a backend that cannot be had fails at once, not after the other methods have
  // run.
  if (study.importance) {
    prepared.importance_target =
        detail::make_hyper_likelihood_unchecked(prepared.data.samples, study.variance_cut, backend,
                                                detail::default_device_min_terms, study.precision);
  }
  if (study.nuts)
    prepared.nuts_model = make_partial_pooling(prepared.data.x, study.setting.alpha, backend);
  return prepared;
}

std::string to_string(population_method method) {
  switch (method) {
    case population_method::point:
      return "point";
    case population_method::importance:
      return "importance";
    case population_method::nuts:
      return "nuts";
  }
  throw usage_error("unknown population method");
}

population_study_result run_population_study(const prepared_population_study& prepared,
                                             const run_hooks& hooks) {
  const population_study& study = prepared.study;
  const population_samples& samples = prepared.data.samples;
  if ((study.importance && !prepared.importance_target) || (study.nuts && !prepared.nuts_model)) {
    throw usage_error("run_population_study: the study is not prepared (prepare_population_study)");
  }

  // The walkers start around the medians' mean and spread.
  // Samples of a prepared study are valid (simulated, or checked by the preparation).
  const std::vector<double> medians = detail::sample_medians_unchecked(samples);
  double mean = 0.0, squares = 0.0;
  for (double m : medians) mean += m;
  mean /= static_cast<double>(medians.size());
  for (double m : medians) squares += (m - mean) * (m - mean);
  const double spread = std::sqrt(squares / static_cast<double>(medians.size() - 1));
  const double sigma0 = std::clamp(spread, 0.05, detail::theta_sigma_upper - 0.05);

  population_study_result result;
  result.seed = study.seed;
  result.objects = samples.objects();
  result.x = prepared.data.x;
  if (study.point) {
    const point_estimate_posterior target(medians);
    result.methods.push_back(
        ensemble_method(population_method::point, target, study, mean, sigma0, hooks));
  }
  if (study.importance) {
    const batched_log_density& target = *prepared.importance_target;
    const std::optional<routed_calls> before = target.calls_by_side();
    result.methods.push_back(
        ensemble_method(population_method::importance, target, study, mean, sigma0, hooks));
    if (const std::optional<routed_calls> after = target.calls_by_side()) {
      const routed_calls earlier = before.value_or(routed_calls{});
      result.methods.back().calls_by_side =
          routed_calls{after->cpu - earlier.cpu, after->device - earlier.device};
    }
  }
  if (study.nuts) result.methods.push_back(nuts_method(*prepared.nuts_model, study, hooks));

  for (population_method_result& method : result.methods) {
    method.summary_mu = summarize("theta_mu", method.theta_mu);
    method.summary_sigma = summarize("theta_sigma", method.theta_sigma);
  }
  if (!result.x.empty()) result.exact = exact_population_posterior(result.x, study.setting.alpha);
  return result;
}

population_study_result run_population_study(const population_study& study, const run_hooks& hooks,
                                             backend_kind backend, population_data read) {
  return run_population_study(prepare_population_study(study, backend, std::move(read)), hooks);
}

}  // namespace ismc
