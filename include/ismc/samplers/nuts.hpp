#pragma once
/// @file nuts.hpp
/// @brief The No-U-Turn sampler as Stan implements it (multinomial NUTS with the
/// generalized U-turn criterion, dual-averaging step size and windowed metric adaptation).
/// Algorithms do no I/O: every draw goes to a `draw_writer`.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ismc/models/posterior.hpp"
#include "ismc/core/progress.hpp"

namespace ismc {

/// The mass-matrix form adapted during warmup.
enum class metric_kind { diag, dense };

/// `diag` or `dense`.
std::string to_string(metric_kind metric);

/// Settings of one chain; defaults are Stan's.
struct nuts_config {
  std::size_t warmup = 1000;   ///< warmup iterations
  std::size_t draws = 1000;    ///< sampling iterations
  std::size_t thin = 1;        ///< keep every thin-th iteration (≥ 1)
  bool save_warmup = false;    ///< also report warmup iterations to the writer
  std::size_t max_depth = 10;  ///< maximum tree depth
  metric_kind metric = metric_kind::diag;
  double stepsize = 1.0;         ///< initial step size, before the heuristic
  double adapt_delta = 0.8;      ///< target acceptance statistic δ, in (0, 1)
  double adapt_gamma = 0.05;     ///< dual averaging γ
  double adapt_kappa = 0.75;     ///< dual averaging κ
  double adapt_t0 = 10.0;        ///< dual averaging t0
  std::size_t init_buffer = 75;  ///< fast initial window
  std::size_t term_buffer = 50;  ///< fast final window
  std::size_t window = 25;       ///< first slow window (doubles)
  double init_radius = 2.0;      ///< inits U(−r, r) on the unconstrained scale
  std::vector<double> init;      ///< explicit unconstrained init (overrides init_radius)
  std::uint64_t seed = 0;        ///< the run's seed
  std::uint32_t chain = 1;       ///< chain id: the random stream is keyed by (seed, chain)
};

/// Stan's per-draw sampler values.
struct nuts_draw {
  double lp = 0.0;           ///< log density at the draw (lp__)
  double accept_stat = 0.0;  ///< mean of min(1, exp(H0 − h)) over the tree's states
  double stepsize = 0.0;
  int treedepth = 0;
  int n_leapfrog = 0;
  bool divergent = false;
  double energy = 0.0;  ///< Hamiltonian at the draw
};

/// Receives a chain's output. Called from the chain's own thread.
class draw_writer {
 public:
  virtual ~draw_writer() = default;
  /// One kept iteration: the sampler values and `model.output_names()` values.
  virtual void draw(const nuts_draw& info, const double* outputs, bool warmup) = 0;
  /// End of adaptation: the step size and the inverse metric (the diagonal, or the dense
  /// matrix row-major).
  virtual void adaptation(double stepsize, const std::vector<double>& inverse_metric) = 0;
  /// End of the chain: warmup and sampling times in seconds.
  virtual void timing(double warmup_seconds, double sampling_seconds) = 0;
};

/// Stan's adaptation windows for `warmup` iterations: the slow (metric) windows as
/// [first, last] iteration pairs, 0-based. Falls back to 15% / 75% / 10% buffers when
/// init_buffer + window + term_buffer > warmup (strictly); none when warmup < 20.
std::vector<std::pair<std::size_t, std::size_t>> adaptation_windows(std::size_t warmup,
                                                                    std::size_t init_buffer,
                                                                    std::size_t term_buffer,
                                                                    std::size_t window);

/// Checks the settings that do not depend on the model (all but `init`'s length): throws
/// `usage_error` "NUTS setting FIELD: got VALUE, expected EXPECTED" for the first bad one.
/// `run_nuts` and `run_nuts_chains` make this check themselves; a program calls it to refuse
/// bad settings before it reads data or creates files.
void validate(const nuts_config& config);

/// Runs one chain of NUTS on `model`; reports through `writer`. Throws `usage_error` for
/// bad settings and `runtime_failure` when no finite initial point can be found.
void run_nuts(const posterior_model& model, const nuts_config& config, draw_writer& writer,
              const run_hooks& hooks = {});

}  // namespace ismc
