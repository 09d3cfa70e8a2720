// The Python extension `ismc._ismc` (nanobind): thin bindings over the library's public
// calls; python/ismc/ turns what they return into DataFrames, InferenceData and figures.
//
// Long calls (rates, sample, population) run on a worker thread while the calling thread,
// without the GIL, wakes every 50 ms, takes the GIL for a moment and calls
// PyErr_CheckSignals (Ctrl-C sets the run's interrupt flag, and KeyboardInterrupt is raised
// once the worker has stopped) and the Python progress callback. Short calls (the
// hyper-likelihood) release the GIL and compute on the calling thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <tuple>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include "cli/rates_output.hpp"
#include "cli/summary.hpp"
#include "ismc/backend/backend_kind.hpp"
#include "ismc/core/config.hpp"
#include "ismc/core/error.hpp"
#include "ismc/core/progress.hpp"
#include "ismc/io/population_study_file.hpp"
#include "ismc/io/stan_json.hpp"
#include "ismc/io/study_file.hpp"
#include "ismc/models/posterior.hpp"
#include "ismc/population/hyper_likelihood.hpp"
#include "ismc/population/samples.hpp"
#include "ismc/population/study.hpp"
#include "ismc/rates/backend.hpp"
#include "ismc/rates/rates.hpp"
#include "ismc/samplers/chains.hpp"
#include "ismc/samplers/diagnostics.hpp"
#include "ismc/samplers/nuts.hpp"
#include "ismc/samplers/stan_csv.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace ismc::python {

namespace {

// A NumPy array that owns `values` (moved to the heap), with the given shape.
nb::ndarray<nb::numpy, double> to_numpy(std::vector<double> values,
                                        std::initializer_list<std::size_t> shape) {
  auto* owned = new std::vector<double>(std::move(values));
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<std::vector<double>*>(p); });
  return nb::ndarray<nb::numpy, double>(owned->data(), shape, owner);
}

// Progress as the library reports it, read by the waiting thread under the GIL.
class progress_counter : public progress_sink {
 public:
  void begin(const std::string& stage, std::uint64_t total) override {
    std::lock_guard<std::mutex> lock(mutex_);
    stage_ = stage;
    total_ = total;
    done_ = 0;
  }
  void advance(std::uint64_t done) override { done_ += done; }
  void end() override {}
  std::string stage() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stage_;
  }
  std::uint64_t total() const { return total_; }
  std::uint64_t done() const { return done_; }

 private:
  mutable std::mutex mutex_;
  std::string stage_;
  std::atomic<std::uint64_t> total_{0}, done_{0};
};

// Runs work(hooks) on a worker thread; see the top of the file. `progress` is None or a
// callable progress(stage, done, total).
template <class Work>
void run_interruptible(const nb::object& progress, unsigned threads, Work&& work) {
  std::atomic<bool> interrupt{false};
  progress_counter counter;
  run_hooks hooks;
  hooks.interrupt = &interrupt;
  hooks.progress = &counter;
  hooks.threads = threads;

  std::mutex mutex;
  std::condition_variable finished_signal;
  bool finished = false;
  std::exception_ptr failure;
  std::unique_ptr<nb::python_error> pending;  // KeyboardInterrupt, or the callback's error
  {
    nb::gil_scoped_release release;
    std::thread worker([&] {
      try {
        work(hooks);
      } catch (...) {
        failure = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(mutex);
      finished = true;
      finished_signal.notify_all();
    });
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex);
        if (finished_signal.wait_for(lock, std::chrono::milliseconds(50),
                                     [&] { return finished; })) {
          break;
        }
      }
      nb::gil_scoped_acquire acquire;
      if (pending) continue;
      if (PyErr_CheckSignals() != 0) {
        pending = std::make_unique<nb::python_error>();
        interrupt = true;
        continue;
      }
      if (!progress.is_none()) {
        try {
          progress(counter.stage(), counter.done(), counter.total());
        } catch (nb::python_error& e) {
          pending = std::make_unique<nb::python_error>(std::move(e));
          interrupt = true;
        }
      }
    }
    worker.join();
  }
  if (pending) throw nb::python_error(std::move(*pending));
  if (failure) std::rethrow_exception(failure);
  if (!progress.is_none()) progress(counter.stage(), counter.done(), counter.total());
}

// ---- rates ------------------------------------------------------------------------------

// (csv text, JSON report text) of a study: the very text `ismc rates --out --json` writes.
std::pair<std::string, std::string> rates(const std::string& study_text, bool is_path,
                                          const std::string& source_name,
                                          std::optional<std::uint64_t> seed,
                                          const std::string& backend_name, unsigned threads,
                                          const nb::object& progress) {
  rates_study study =
      is_path ? io::load_study(study_text) : io::parse_study(study_text, source_name);
  if (seed) study.run.seed = *seed;
  const backend_kind kind = parse_backend_kind("backend", backend_name);
  const std::unique_ptr<backend> machine = make_backend(kind);
  std::optional<rates_result> result;
  const auto start = std::chrono::steady_clock::now();
  run_interruptible(progress, threads, [&](const run_hooks& hooks) {
    result = run_rates(validated, study, *machine, hooks);
  });
  cli::run_info info;
  info.seed = study.run.seed;
  info.backend = result->backend;
  info.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {cli::csv_text(result->rows, study.model.dim, study.model.family == "binomial"),
          cli::report_json(study, *result, info).dump(2) + "\n"};
}

// ---- summaries --------------------------------------------------------------------------

using summary_row = std::tuple<std::string, double, double, double, double, double, double, double,
                               double, double, double>;

summary_row to_row(const parameter_summary& s) {
  return {s.name, s.mean, s.mcse_mean, s.sd,       s.mcse_sd, s.q5,
          s.q50,  s.q95,  s.ess_bulk,  s.ess_tail, s.rhat};
}

bool is_sampler_column(const std::string& name) {
  return name.size() > 2 && name.compare(name.size() - 2, 2, "__") == 0;
}

// The rows of `ismc summary FILES` (lp__ and every model column) and its problems.
std::pair<std::vector<summary_row>, std::vector<std::string>> summary_files(
    const std::vector<std::string>& paths) {
  if (paths.empty()) throw usage_error(bad_value("files", "none", "at least one Stan CSV file"));
  std::vector<stan_csv> chains;
  for (const std::string& path : paths) {
    for (stan_csv& chain : cli::split_chains(read_stan_csv_file(path))) {
      chains.push_back(std::move(chain));
    }
  }
  std::vector<parameter_summary> summaries;
  for (const std::string& name : chains.front().columns) {
    if (is_sampler_column(name) && name != "lp__") continue;
    ismc::chains draws;
    for (const stan_csv& chain : chains) draws.push_back(chain.values(name));
    summaries.push_back(summarize(name, draws));
  }
  const std::vector<std::string> problems = cli::sampler_problems(chains, summaries);
  std::vector<summary_row> rows;
  for (const parameter_summary& s : summaries) rows.push_back(to_row(s));
  return {rows, problems};
}

// One parameter's summary from its draws[chain, draw].
summary_row summarize_draws(const std::string& name,
                            nb::ndarray<const double, nb::ndim<2>, nb::device::cpu> draws) {
  ismc::chains chains(draws.shape(0), std::vector<double>(draws.shape(1)));
  const auto view = draws.view();
  for (std::size_t c = 0; c < draws.shape(0); ++c)
    for (std::size_t i = 0; i < draws.shape(1); ++i) chains[c][i] = view(c, i);
  parameter_summary s;
  {
    nb::gil_scoped_release release;
    s = summarize(name, chains);
  }
  return to_row(s);
}

// ---- NUTS -------------------------------------------------------------------------------

// One chain's draws as the sampler reports them.
class recording_writer : public draw_writer {
 public:
  explicit recording_writer(std::size_t outputs) : outputs_(outputs) {}
  void draw(const nuts_draw& info, const double* outputs, bool warmup) override {
    if (warmup) return;
    stats_.insert(stats_.end(),
                  {info.lp, info.accept_stat, info.stepsize, static_cast<double>(info.treedepth),
                   static_cast<double>(info.n_leapfrog), info.divergent ? 1.0 : 0.0, info.energy});
    values_.insert(values_.end(), outputs, outputs + outputs_);
  }
  void adaptation(double stepsize, const std::vector<double>& inverse_metric) override {
    stepsize_ = stepsize;
    inverse_metric_ = inverse_metric;
  }
  void timing(double, double) override {}
  std::size_t outputs_;
  std::vector<double> stats_, values_, inverse_metric_;
  double stepsize_ = 0.0;
};

const std::vector<std::string> stat_names = {
    "lp", "acceptance_rate", "step_size", "tree_depth", "n_steps", "diverging", "energy"};

// Runs `chains` NUTS chains of a built-in model on Stan JSON data (a path or the text).
nb::dict sample(const std::string& model_name, const std::string& data, bool data_is_path,
                std::size_t chains, std::size_t warmup, std::size_t draws, std::uint64_t seed,
                std::size_t thin, std::size_t max_depth, const std::string& metric,
                double adapt_delta, double init_radius, unsigned threads,
                const nb::object& progress) {
  if (draws == 0) throw usage_error(bad_value("draws", draws, "at least 1"));
  if (metric != "diag" && metric != "dense") {
    throw usage_error(bad_value("metric", metric, "diag or dense"));
  }
  nuts_config config;
  config.warmup = warmup;
  config.draws = draws;
  config.thin = thin;
  config.max_depth = max_depth;
  config.metric = metric == "dense" ? metric_kind::dense : metric_kind::diag;
  config.adapt_delta = adapt_delta;
  config.init_radius = init_radius;
  config.seed = seed;
  validate_chains(chains);
  validate(config);
  const std::string source = data_is_path ? data : std::string("data");
  const stan_data parsed =
      data_is_path ? io::read_stan_json(data) : io::parse_stan_json(data, source);
  std::unique_ptr<posterior_model> model;
  try {
    model = make_posterior(model_name, parsed);
  } catch (const input_error& e) {
    throw in_file(e, source);
  }
  const std::vector<std::string> names = model->output_names();
  std::vector<std::unique_ptr<recording_writer>> writers(chains);
  run_interruptible(progress, threads, [&](const run_hooks& hooks) {
    run_nuts_chains(
        *model, config, chains,
        [&](std::size_t index) -> draw_writer& {
          writers[index] = std::make_unique<recording_writer>(names.size());
          return *writers[index];
        },
        hooks, "sampling");
  });
  const std::size_t kept = writers.front()->stats_.size() / stat_names.size();
  std::vector<double> values(chains * kept * names.size());
  std::vector<std::vector<double>> stats(stat_names.size(), std::vector<double>(chains * kept));
  std::vector<double> stepsizes(chains);
  nb::list metrics;
  for (std::size_t c = 0; c < chains; ++c) {
    const recording_writer& writer = *writers[c];
    std::copy(writer.values_.begin(), writer.values_.end(),
              values.begin() + static_cast<std::ptrdiff_t>(c * kept * names.size()));
    for (std::size_t i = 0; i < kept; ++i)
      for (std::size_t s = 0; s < stat_names.size(); ++s)
        stats[s][c * kept + i] = writer.stats_[i * stat_names.size() + s];
    stepsizes[c] = writer.stepsize_;
    metrics.append(to_numpy(writer.inverse_metric_, {writer.inverse_metric_.size()}));
  }
  nb::dict stat_arrays;
  for (std::size_t s = 0; s < stat_names.size(); ++s) {
    stat_arrays[stat_names[s].c_str()] = to_numpy(std::move(stats[s]), {chains, kept});
  }
  nb::dict result;
  result["names"] = names;
  result["draws"] = to_numpy(std::move(values), {chains, kept, names.size()});
  result["sample_stats"] = stat_arrays;
  result["adapted_step_size"] = to_numpy(std::move(stepsizes), {chains});
  result["inverse_metric"] = metrics;
  result["seed"] = seed;
  return result;
}

// ---- population -------------------------------------------------------------------------

nb::dict population(const std::string& study_text, bool is_path, const std::string& source_name,
                    std::optional<std::uint64_t> seed, const std::string& backend_name,
                    unsigned threads, const nb::object& progress) {
  population_study study = is_path ? io::load_population_study(study_text)
                                   : io::parse_population_study(study_text, source_name);
  if (seed) study.seed = *seed;
  const backend_kind kind = parse_backend_kind("backend", backend_name);
  population_data read = io::read_population_data(study);
  std::optional<population_study_result> result;
  run_interruptible(progress, threads, [&](const run_hooks& hooks) {
    const prepared_population_study prepared =
        prepare_population_study(validated, study, kind, std::move(read));
    result = run_population_study(prepared, hooks);
  });
  nb::dict out;
  out["seed"] = result->seed;
  out["objects"] = result->objects;
  out["alpha"] = study.setting.alpha;
  if (study.simulate) {
    out["truth"] = nb::make_tuple(study.setting.theta_mu, study.setting.theta_sigma);
  } else {
    out["truth"] = nb::none();
  }
  out["x"] = to_numpy(result->x, {result->x.size()});
  if (result->exact) {
    const population_exact& exact = *result->exact;
    nb::dict e;
    e["theta_mu"] =
        nb::make_tuple(exact.mean_mu, exact.sd_mu, exact.q05_mu, exact.q50_mu, exact.q95_mu);
    e["theta_sigma"] = nb::make_tuple(exact.mean_sigma, exact.sd_sigma, exact.q05_sigma,
                                      exact.q50_sigma, exact.q95_sigma);
    out["exact"] = e;
  } else {
    out["exact"] = nb::none();
  }
  nb::list methods;
  for (const population_method_result& method : result->methods) {
    nb::dict m;
    m["method"] = to_string(method.method);
    const std::size_t rows = method.theta_mu.size();
    const std::size_t columns = rows == 0 ? 0 : method.theta_mu.front().size();
    const auto flat = [&](const std::vector<std::vector<double>>& draws) {
      std::vector<double> values;
      values.reserve(rows * columns);
      for (const auto& row : draws) values.insert(values.end(), row.begin(), row.end());
      return to_numpy(std::move(values), {rows, columns});
    };
    m["theta_mu"] = flat(method.theta_mu);
    m["theta_sigma"] = flat(method.theta_sigma);
    m["lp"] = flat(method.lp);
    m["summary"] = nb::make_tuple(to_row(method.summary_mu), to_row(method.summary_sigma));
    m["acceptance_fraction"] = method.acceptance_fraction;
    m["divergent"] = method.divergent;
    m["first_step"] = method.first_step;
    methods.append(m);
  }
  out["methods"] = methods;
  return out;
}

// ---- the hyper-likelihood ---------------------------------------------------------------

using values_array = nb::ndarray<const double, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
using offsets_array = nb::ndarray<const std::uint64_t, nb::ndim<1>, nb::c_contig, nb::device::cpu>;

// L̂(θ) over samples that Python owns: the arrays are referenced, never copied.
class hyper_likelihood {
 public:
  hyper_likelihood(values_array values, offsets_array offsets, std::optional<values_array> log_p0,
                   std::optional<double> variance_cut, const std::string& backend_name,
                   unsigned threads, const std::string& precision)
      : values_(std::move(values)), offsets_(std::move(offsets)), log_p0_(std::move(log_p0)) {
    if (precision == "double") {
      precision_ = hyper_likelihood_precision::double_precision;
    } else if (precision == "mixed") {
      precision_ = hyper_likelihood_precision::mixed;
    } else {
      throw usage_error(bad_value("precision", precision, "\"double\" or \"mixed\""));
    }
    static_assert(sizeof(std::uint64_t) == sizeof(std::size_t));
    if (offsets_.shape(0) < 1) {
      throw usage_error(bad_value("object_index", "no objects", "at least one object"));
    }
    if (log_p0_ && log_p0_->shape(0) != values_.shape(0)) {
      throw usage_error(bad_value("log_p0", std::to_string(log_p0_->shape(0)) + " values",
                                  std::to_string(values_.shape(0)) + " (one per sample)"));
    }
    if (variance_cut && !(*variance_cut > 0.0)) {
      throw usage_error(bad_value("variance_cut", *variance_cut, "a value > 0"));
    }
    const backend_kind kind = parse_backend_kind("backend", backend_name);
    if (kind == backend_kind::cuda) {
      throw not_compiled(
          "backend: cuda: ismc.HyperLikelihood evaluates on the CPU; the device "
          "hyper-likelihood is reached through ismc.population(..., backend=\"cuda\")");
    }
    view_.offsets = reinterpret_cast<const std::size_t*>(offsets_.data());
    view_.objects = offsets_.shape(0) - 1;
    view_.values = values_.data();
    view_.size = values_.shape(0);
    view_.log_p0 = log_p0_ ? log_p0_->data() : nullptr;
    validate(view_);
    variance_cut_ = variance_cut.value_or(std::numeric_limits<double>::infinity());
    hooks_.threads = threads;
  }

  // (ln L̂, σ²) at every row of `thetas` (m × 2), or at one θ of shape (2,).
  nb::object call(nb::ndarray<const double, nb::c_contig, nb::device::cpu> thetas) const {
    const bool single = thetas.ndim() == 1;
    if (!((single && thetas.shape(0) == 2) || (thetas.ndim() == 2 && thetas.shape(1) == 2))) {
      std::string shape = "(";
      for (std::size_t d = 0; d < thetas.ndim(); ++d)
        shape += (d ? ", " : "") + std::to_string(thetas.shape(d));
      throw usage_error(bad_value("theta", "shape " + shape + (thetas.ndim() == 1 ? ",)" : ")"),
                                  "(m, 2) or (2,): rows (theta_mu, theta_sigma)"));
    }
    const std::size_t batch = single ? 1 : thetas.shape(0);
    // One buffer: the values, then ln L̂ and σ² (both arrays returned view it, one owner).
    static_assert(sizeof(hyper_likelihood_value) == 2 * sizeof(double));
    auto* buffer = new double[4 * batch];
    nb::capsule owner(buffer, [](void* p) noexcept { delete[] static_cast<double*>(p); });
    auto* values = reinterpret_cast<hyper_likelihood_value*>(buffer);
    {
      nb::gil_scoped_release release;
      hyper_log_likelihood(validated, view_, thetas.data(), batch, values, nullptr, hooks_,
                           precision_);
    }
    double* log_likelihood = buffer + 2 * batch;
    double* variance = buffer + 3 * batch;
    for (std::size_t b = 0; b < batch; ++b) {
      variance[b] = values[b].variance;
      log_likelihood[b] = values[b].variance > variance_cut_
                              ? -std::numeric_limits<double>::infinity()
                              : values[b].log_likelihood;
    }
    if (single) return nb::make_tuple(log_likelihood[0], variance[0]);
    return nb::make_tuple(nb::ndarray<nb::numpy, double>(log_likelihood, {batch}, owner),
                          nb::ndarray<nb::numpy, double>(variance, {batch}, owner));
  }

  std::size_t objects() const { return view_.objects; }
  std::size_t size() const { return view_.size; }
  const values_array& values() const { return values_; }

 private:
  values_array values_;
  offsets_array offsets_;
  std::optional<values_array> log_p0_;
  population_samples_view view_;
  double variance_cut_ = 0.0;
  run_hooks hooks_;
  hyper_likelihood_precision precision_ = hyper_likelihood_precision::double_precision;
};

}  // namespace

}  // namespace ismc::python

NB_MODULE(_ismc, m) {
  using namespace ismc::python;
  m.doc() = "ismc's C++ library; use the functions of the ismc package instead.";
  m.attr("__version__") = ismc::version;

  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const ismc::interrupted&) {
      PyErr_SetNone(PyExc_KeyboardInterrupt);
    } catch (const ismc::usage_error& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const ismc::error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });

  m.def("rates", &rates, "study"_a, "is_path"_a, "source_name"_a, "seed"_a.none(), "backend"_a,
        "threads"_a, "progress"_a.none(),
        "(CSV text, JSON report text) of a rates study, as `ismc rates --out --json` writes.");
  m.def("summary_files", &summary_files, "paths"_a,
        "(rows, problems) of `ismc summary PATHS`: rows (name, mean, mcse_mean, sd, mcse_sd, "
        "q5, q50, q95, ess_bulk, ess_tail, rhat).");
  m.def("summarize", &summarize_draws, "name"_a, "draws"_a,
        "One summary row of draws[chain, draw] (posterior 1.4.0's diagnostics).");
  m.def("sample", &sample, "model"_a, "data"_a, "data_is_path"_a, "chains"_a, "warmup"_a, "draws"_a,
        "seed"_a, "thin"_a, "max_depth"_a, "metric"_a, "adapt_delta"_a, "init_radius"_a,
        "threads"_a, "progress"_a.none(),
        "NUTS chains of a built-in model: names, draws[chain, draw, output], sample_stats.");
  m.def("population", &population, "study"_a, "is_path"_a, "source_name"_a, "seed"_a.none(),
        "backend"_a, "threads"_a, "progress"_a.none(),
        "Runs a population study: the exact posterior and every method's draws and summaries.");
  m.def("model_names", &ismc::posterior_model_names, "The built-in models of ismc.sample.");

  nb::class_<hyper_likelihood>(m, "HyperLikelihood",
                               "L̂(θ) over borrowed samples (values, offsets, log_p0).")
      .def(nb::init<values_array, offsets_array, std::optional<values_array>, std::optional<double>,
                    const std::string&, unsigned, const std::string&>(),
           "values"_a.noconvert(), "offsets"_a.noconvert(), "log_p0"_a.noconvert().none(),
           "variance_cut"_a.none(), "backend"_a, "threads"_a, "precision"_a)
      .def("__call__", &hyper_likelihood::call, "theta"_a.noconvert(),
           "(ln L̂, σ²) at every row (θ_μ, θ_σ) of theta.")
      .def(
          "__call__",
          [](const hyper_likelihood& self, nb::handle theta) {
            // Anything else array-like: converted once by NumPy, then as above.
            nb::object array = nb::module_::import_("numpy").attr("ascontiguousarray")(
                theta, "dtype"_a = "float64");
            return self.call(
                nb::cast<nb::ndarray<const double, nb::c_contig, nb::device::cpu>>(array));
          },
          "theta"_a, "(ln L̂, σ²) at every row (θ_μ, θ_σ) of theta (converted to float64).")
      .def_prop_ro("objects", &hyper_likelihood::objects)
      .def_prop_ro("size", &hyper_likelihood::size)
      .def_prop_ro("values", &hyper_likelihood::values, nb::rv_policy::reference_internal);
}
