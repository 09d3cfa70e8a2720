// The affine-invariant ensemble sampler as emcee 3 runs it: dfm/emcee
// src/emcee/moves/red_blue.py (RedBlueMove with nsplits = 2 and randomize_split = True),
// moves/stretch.py (StretchMove), ensemble.py (walkers_independent, the check of the
// initial state) and autocorr.py (integrated_time). The random numbers come from
// counter-based Philox instead of numpy's generator, so a run is a pure function of the
// seed: step t's shuffle takes its uniform pairs from simulations t · walkers/2 + p of the
// split stream, walker w's z, complement and acceptance draw are simulation t · walkers + w
// of the stretch stream (streams::ensemble_split, streams::ensemble_stretch).

#include "ismc/samplers/ensemble.hpp"
#include "ismc/core/number_text.hpp"

#include <Eigen/Dense>
#include <unsupported/Eigen/FFT>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/core/rng.hpp"
#include "ismc/core/streams.hpp"

namespace ismc {

double ensemble_result::acceptance_fraction() const {
  if (acceptance.empty()) return std::numeric_limits<double>::quiet_NaN();
  return std::accumulate(acceptance.begin(), acceptance.end(), 0.0) /
         static_cast<double>(acceptance.size());
}

namespace {

// emcee's walkers_independent: the initial ensemble's (scaled) condition number bound.
constexpr double max_initial_condition_number = 1e8;


// A bad setting, in the one wording of a bad value (numbers as number_text writes them).
template <class T>
[[noreturn]] void bad_setting(const std::string& field, const T& value,
                              const std::string& expected) {
  throw usage_error(bad_value("ensemble setting " + field, value, expected));
}

void validate(std::size_t dim, const ensemble_config& config) {
  if (dim == 0) throw usage_error("ensemble: the target has no parameters (dim = 0)");
  if (config.walkers < 2 * dim || config.walkers % 2 != 0 ||
      config.walkers > std::numeric_limits<std::uint32_t>::max()) {
    bad_setting("walkers", config.walkers,
                "an even number >= 2 × dim = " + std::to_string(2 * dim));
  }
  if (config.steps < 1) bad_setting("steps", config.steps, "an integer >= 1");
  if (!(config.stretch > 1.0) || !std::isfinite(config.stretch)) {
    bad_setting("stretch", config.stretch, "a finite number > 1");
  }
  if (config.initial.size() != config.walkers * dim) {
    bad_setting("initial", std::to_string(config.initial.size()) + " values",
                "walkers × dim = " + std::to_string(config.walkers * dim) + " values");
  }
  for (std::size_t k = 0; k < config.initial.size(); ++k) {
    if (!std::isfinite(config.initial[k])) {
      bad_setting("initial",
                  number_text(config.initial[k]) + " for walker " + std::to_string(k / dim) +
                      ", parameter " + std::to_string(k % dim),
                  "finite coordinates");
    }
  }
}

// emcee's walkers_independent: after centring, scaling each column to unit maximum and then
// to unit norm, the walkers × dim matrix must have a condition number <= 1e8. The stretch
// move keeps the walkers in the affine hull of the initial ensemble, so a degenerate start
// (all walkers equal in some coordinate, or on a lower-dimensional plane) never recovers.
bool walkers_independent(const std::vector<double>& initial, std::size_t walkers, std::size_t dim) {
  Eigen::MatrixXd centred(walkers, dim);
  for (std::size_t w = 0; w < walkers; ++w) {
    for (std::size_t d = 0; d < dim; ++d) centred(w, d) = initial[w * dim + d];
  }
  centred.rowwise() -= centred.colwise().mean();
  for (Eigen::Index d = 0; d < centred.cols(); ++d) {
    const double column_max = centred.col(d).cwiseAbs().maxCoeff();
    if (column_max == 0.0) return false;
    centred.col(d) /= column_max;
    centred.col(d) /= centred.col(d).norm();
  }
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(centred);
  const Eigen::VectorXd& singular = svd.singularValues();
  const double smallest = singular(singular.size() - 1);
  return smallest > 0.0 && singular(0) / smallest <= max_initial_condition_number;
}

// Uniform number `k` in [0, 1) of step `step`'s split: two per Philox block, pair k / 2
// in block 0 of simulation streams::ensemble_split_sim(step, walkers, k / 2).
class uniform_sequence {
 public:
  uniform_sequence(random_stream stream, std::uint64_t step, std::uint64_t walkers)
      : stream_(stream), step_(step), walkers_(walkers) {}
  double operator()(std::uint64_t k) {
    const std::uint64_t pair = k / 2;
    if (pair != pair_ || !cached_) {
      bits_ = random_bits(stream_, streams::ensemble_split_sim(step_, walkers_, pair), 0);
      pair_ = pair;
      cached_ = true;
    }
    return k % 2 == 0 ? uniform_closed_open(bits_.v[0], bits_.v[1])
                      : uniform_closed_open(bits_.v[2], bits_.v[3]);
  }

 private:
  random_stream stream_;
  std::uint64_t step_;
  std::uint64_t walkers_;
  philox_block bits_{};
  std::uint64_t pair_ = 0;
  bool cached_ = false;
};

// A uniform integer in [0, n) from a uniform in [0, 1).
std::size_t uniform_index(double u, std::size_t n) {
  return std::min(static_cast<std::size_t>(u * static_cast<double>(n)), n - 1);
}

// RedBlueMove's split: inds = arange(walkers) % 2, shuffled (numpy's Fisher–Yates from the
// back), then half s holds the walkers with inds == s in walker order.
void split_walkers(random_stream stream, std::size_t step, std::size_t walkers,
                   std::vector<int>& inds, std::vector<std::size_t> (&halves)[2]) {
  for (std::size_t w = 0; w < walkers; ++w) inds[w] = static_cast<int>(w % 2);
  uniform_sequence uniforms(stream, step, walkers);
  std::uint64_t k = 0;
  for (std::size_t i = walkers - 1; i > 0; --i) {
    std::swap(inds[i], inds[uniform_index(uniforms(k++), i + 1)]);
  }
  halves[0].clear();
  halves[1].clear();
  for (std::size_t w = 0; w < walkers; ++w) halves[inds[w]].push_back(w);
}

void check_log_density(double value, std::size_t walker, std::size_t step) {
  // −∞ (outside the support) is a valid answer and is never accepted; NaN or +∞ is a bug
  // of the model (emcee raises on NaN too).
  if (std::isnan(value) || value == std::numeric_limits<double>::infinity()) {
    throw runtime_failure("ensemble: the log density returned " + number_text(value) +
                          " for the proposal of walker " + std::to_string(walker) + " at step " +
                          std::to_string(step) + "; expected a finite value or -inf");
  }
}

std::size_t next_pow_two(std::size_t n) {
  std::size_t power = 1;
  while (power < n) power <<= 1;
  return power;
}

}  // namespace

ensemble_result run_ensemble(const batched_log_density& target, const ensemble_config& config,
                             const run_hooks& hooks) {
  const std::size_t dim = target.dim();
  validate(dim, config);
  const std::size_t walkers = config.walkers;
  const std::size_t half = walkers / 2;
  const double a = config.stretch;

  std::vector<double> position = config.initial;
  std::vector<double> log_density(walkers);
  target.log_density(position.data(), walkers, log_density.data(), hooks);
  for (std::size_t w = 0; w < walkers; ++w) {
    if (!std::isfinite(log_density[w])) {
      bad_setting("initial",
                  "log density " + number_text(log_density[w]) + " at walker " + std::to_string(w),
                  "a finite log density at every walker");
    }
  }
  if (!walkers_independent(position, walkers, dim)) {
    bad_setting("initial", "walkers that are not linearly independent",
                "walkers spread in every direction (emcee's condition number <= 1e8)");
  }

  ensemble_result result;
  result.walkers = walkers;
  result.steps = config.steps;
  result.dim = dim;
  result.chain.resize(config.steps * walkers * dim);
  result.log_density.resize(config.steps * walkers);
  std::vector<std::size_t> accepted(walkers, 0);

  const random_stream splits = streams::ensemble_split(config.seed);
  const random_stream stretches = streams::ensemble_stretch(config.seed);
  std::vector<int> inds(walkers);
  std::vector<std::size_t> halves[2];
  std::vector<double> proposals(half * dim);
  std::vector<double> proposal_log_density(half);
  std::vector<double> log_z(half);
  std::vector<double> log_u(half);

  hooks.begin("ensemble", config.steps);
  for (std::size_t step = 0; step < config.steps; ++step) {
    hooks.check_interrupt();
    split_walkers(splits, step, walkers, inds, halves);
    for (int split = 0; split < 2; ++split) {
      const std::vector<std::size_t>& moving = halves[split];
      const std::vector<std::size_t>& complement = halves[1 - split];
      // StretchMove.get_proposal: z = ((a − 1) u + 1)² / a, y = c − (c − x) z, with the
      // complement taken from the other half as it stands after any earlier split.
      for (std::size_t i = 0; i < half; ++i) {
        const std::size_t w = moving[i];
        const philox_block bits =
            random_bits(stretches, streams::ensemble_stretch_sim(step, walkers, w), 0);
        const double u = uniform_closed_open(bits.v[0], bits.v[1]);
        const double z = std::pow((a - 1.0) * u + 1.0, 2.0) / a;
        const std::size_t c =
            complement[uniform_index(uniform_closed_open(bits.v[2], bits.v[3]), half)];
        const philox_block accept_bits =
            random_bits(stretches, streams::ensemble_stretch_sim(step, walkers, w), 1);
        log_z[i] = std::log(z);
        log_u[i] = std::log(uniform_closed_open(accept_bits.v[0], accept_bits.v[1]));
        const double* x = &position[w * dim];
        const double* anchor = &position[c * dim];
        double* y = &proposals[i * dim];
        for (std::size_t d = 0; d < dim; ++d) y[d] = anchor[d] - (anchor[d] - x[d]) * z;
      }
      target.log_density(proposals.data(), half, proposal_log_density.data(), hooks);
      for (std::size_t i = 0; i < half; ++i) {
        const std::size_t w = moving[i];
        check_log_density(proposal_log_density[i], w, step);
        const double log_ratio =
            static_cast<double>(dim - 1) * log_z[i] + proposal_log_density[i] - log_density[w];
        if (log_ratio > log_u[i]) {
          std::copy_n(&proposals[i * dim], dim, &position[w * dim]);
          log_density[w] = proposal_log_density[i];
          ++accepted[w];
        }
      }
    }
    std::copy(position.begin(), position.end(), result.chain.begin() + step * walkers * dim);
    std::copy(log_density.begin(), log_density.end(), result.log_density.begin() + step * walkers);
    hooks.advance(1);
  }
  hooks.end();

  result.acceptance.resize(walkers);
  for (std::size_t w = 0; w < walkers; ++w) {
    result.acceptance[w] = static_cast<double>(accepted[w]) / static_cast<double>(config.steps);
  }
  return result;
}

autocorrelation_time integrated_autocorrelation_time(const std::vector<std::vector<double>>& series,
                                                     double c, double tolerance) {
  if (series.empty()) throw usage_error("autocorrelation time: no series (walkers = 0)");
  const std::size_t n = series[0].size();
  if (n == 0) throw usage_error("autocorrelation time: empty series (steps = 0)");
  for (std::size_t k = 0; k < series.size(); ++k) {
    if (series[k].size() != n) {
      throw usage_error(bad_value("autocorrelation time: series " + std::to_string(k),
                                  std::to_string(series[k].size()) + " steps",
                                  std::to_string(n) + " steps, as series 0"));
    }
  }
  if (!(c > 0.0) || !std::isfinite(c)) {
    throw usage_error("autocorrelation time setting c: got " + number_text(c) +
                      ", expected a finite number > 0");
  }
  if (!(tolerance >= 0.0) || !std::isfinite(tolerance)) {
    throw usage_error("autocorrelation time setting tolerance: got " + number_text(tolerance) +
                      ", expected a finite number >= 0");
  }

  // function_1d per walker: FFT of the centred series zero-padded to 2 · next_pow_two(n),
  // inverse FFT of the power spectrum, normalized by lag 0; then averaged over walkers.
  const std::size_t padded_size = 2 * next_pow_two(n);
  Eigen::FFT<double> fft;
  fft.SetFlag(Eigen::FFT<double>::HalfSpectrum);
  std::vector<double> padded(padded_size);
  std::vector<std::complex<double>> spectrum(padded_size / 2 + 1);
  std::vector<double> lagged(padded_size);
  std::vector<double> acf(n, 0.0);
  for (const std::vector<double>& walker : series) {
    const double mean = std::accumulate(walker.begin(), walker.end(), 0.0) / static_cast<double>(n);
    std::fill(padded.begin(), padded.end(), 0.0);
    for (std::size_t t = 0; t < n; ++t) padded[t] = walker[t] - mean;
    fft.fwd(spectrum.data(), padded.data(), static_cast<Eigen::Index>(padded_size));
    for (std::complex<double>& f : spectrum) f = std::norm(f);
    fft.inv(lagged.data(), spectrum.data(), static_cast<Eigen::Index>(padded_size));
    // A constant series gives 0 / 0 = NaN here, as numpy does in emcee.
    for (std::size_t k = 0; k < n; ++k) acf[k] += lagged[k] / lagged[0];
  }
  for (double& rho : acf) rho /= static_cast<double>(series.size());

  // taus = 2 · cumsum(ρ) − 1; auto_window: the first M with M >= c · taus[M], else the last.
  autocorrelation_time result;
  double cumulative = 0.0;
  result.tau = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t m = 0; m < n; ++m) {
    cumulative += acf[m];
    const double tau_m = 2.0 * cumulative - 1.0;
    if (!(static_cast<double>(m) < c * tau_m) || m == n - 1) {
      result.tau = tau_m;
      break;
    }
  }
  // emcee's flag is tol · τ > n; a NaN τ is not reliable here.
  result.reliable = static_cast<double>(n) >= tolerance * result.tau;
  return result;
}

}  // namespace ismc
