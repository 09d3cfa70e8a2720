// MCMC convergence diagnostics, a line-by-line port of the R package posterior 1.4.0
// (R/convergence.R: .rhat, .ess, .split_chains, z_scale, autocovariance, .ess_quantile,
// .mcse_quantile, mcse_sd.default). R's summation in long double (mean, var, sum) is kept
// so that the results agree with R's to rounding of the FFT.
#include "ismc/samplers/diagnostics.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstddef>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include <boost/math/distributions/normal.hpp>
#include <boost/math/policies/policy.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <unsupported/Eigen/FFT>

#include "ismc/core/error.hpp"

namespace ismc {
namespace {

constexpr double not_available = std::numeric_limits<double>::quiet_NaN();

// Boost returns NaN instead of throwing where R's qbeta/qnorm would return NaN.
using quiet_policy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::errno_on_error>,
    boost::math::policies::overflow_error<boost::math::policies::errno_on_error>,
    boost::math::policies::evaluation_error<boost::math::policies::errno_on_error>>;

/// Draws of one quantity as R's iterations × chains matrix, stored column by column.
struct draws_matrix {
  std::size_t draws_per_chain = 0;  ///< rows
  std::size_t chain_count = 0;      ///< columns
  std::vector<double> values;       ///< values[chain * draws_per_chain + iteration]

  const double* column(std::size_t chain) const { return values.data() + chain * draws_per_chain; }
};

draws_matrix to_matrix(const chains& draws) {
  if (draws.empty()) {
    throw usage_error("diagnostics: draws has no chains, expected at least one");
  }
  const std::size_t length = draws.front().size();
  if (length == 0) {
    throw usage_error("diagnostics: draws[0] has no iterations, expected at least one");
  }
  draws_matrix matrix;
  matrix.draws_per_chain = length;
  matrix.chain_count = draws.size();
  matrix.values.reserve(length * draws.size());
  for (std::size_t chain = 0; chain < draws.size(); ++chain) {
    if (draws[chain].size() != length) {
      throw usage_error("diagnostics: draws[" + std::to_string(chain) + "] has " +
                        std::to_string(draws[chain].size()) + " iterations, expected " +
                        std::to_string(length) + " like draws[0]");
    }
    matrix.values.insert(matrix.values.end(), draws[chain].begin(), draws[chain].end());
  }
  return matrix;
}

void check_probability(double prob, const char* function) {
  if (!(prob >= 0.0 && prob <= 1.0)) {
    throw usage_error(std::string(function) + ": prob is " + std::to_string(prob) +
                      ", expected a probability in [0, 1]");
  }
}

bool any_nan(const std::vector<double>& values) {
  return std::any_of(values.begin(), values.end(), [](double v) { return std::isnan(v); });
}

// R's mean(): a long double sum, then one refinement pass.
double r_mean(const double* values, std::size_t count) {
  long double sum = 0.0L;
  for (std::size_t i = 0; i < count; ++i) sum += values[i];
  const auto n = static_cast<long double>(count);
  if (!std::isfinite(static_cast<double>(sum))) {
    // Overflowed or infinite: R retries with the terms divided by n.
    long double scaled = 0.0L;
    for (std::size_t i = 0; i < count; ++i) scaled += values[i] / n;
    return static_cast<double>(scaled);
  }
  long double mean = sum / n;
  if (std::isfinite(static_cast<double>(mean))) {
    long double correction = 0.0L;
    for (std::size_t i = 0; i < count; ++i) correction += values[i] - mean;
    mean += correction / n;
  }
  return static_cast<double>(mean);
}

double r_mean(const std::vector<double>& values) { return r_mean(values.data(), values.size()); }

// R's var(): the (refined) mean, then a long double sum of squares over n − 1.
double r_var(const double* values, std::size_t count) {
  if (count < 2) return not_available;
  const double mean = r_mean(values, count);
  long double sum = 0.0L;
  for (std::size_t i = 0; i < count; ++i) {
    const double deviation = values[i] - mean;
    sum += deviation * deviation;
  }
  return static_cast<double>(sum / static_cast<long double>(count - 1));
}

double r_var(const std::vector<double>& values) { return r_var(values.data(), values.size()); }

// posterior's should_return_NA: non-finite draws, or max − min below machine epsilon
// (an absolute tolerance, whatever the scale of the draws).
bool should_return_na(const std::vector<double>& values) {
  for (double v : values) {
    if (!std::isfinite(v)) return true;
  }
  const auto [low, high] = std::minmax_element(values.begin(), values.end());
  return std::abs(*high - *low) < std::numeric_limits<double>::epsilon();
}

// posterior's .split_chains: the first floor(n/2) and the last floor(n/2) draws of each
// chain become two chains; an odd n drops the middle draw; n = 1 is left alone.
draws_matrix split_chains(const draws_matrix& matrix) {
  const std::size_t n = matrix.draws_per_chain;
  if (n == 1) return matrix;
  const std::size_t half = n / 2;
  const std::size_t second_start = n - half;
  draws_matrix split;
  split.draws_per_chain = half;
  split.chain_count = 2 * matrix.chain_count;
  split.values.reserve(half * split.chain_count);
  for (std::size_t chain = 0; chain < matrix.chain_count; ++chain) {
    const double* column = matrix.column(chain);
    split.values.insert(split.values.end(), column, column + half);
  }
  for (std::size_t chain = 0; chain < matrix.chain_count; ++chain) {
    const double* column = matrix.column(chain);
    split.values.insert(split.values.end(), column + second_start, column + n);
  }
  return split;
}

// Type-7 quantile of values already sorted ascending (R's quantile.default, type = 7).
double quantile_sorted(const std::vector<double>& sorted, double prob) {
  const std::size_t n = sorted.size();
  const double index = 1.0 + static_cast<double>(n - 1) * prob;  // 1-based, as R
  const double lo = std::floor(index);
  const double hi = std::ceil(index);
  const double at_lo = sorted[static_cast<std::size_t>(lo) - 1];
  const double at_hi = sorted[static_cast<std::size_t>(hi) - 1];
  if (index > lo && at_hi != at_lo) {
    const double h = index - lo;
    return (1.0 - h) * at_lo + h * at_hi;
  }
  return at_lo;
}

// Sorted ascending with any NaN last (callers give NaN before reading them).
std::vector<double> sorted_copy(const std::vector<double>& values) {
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end(),
            [](double a, double b) { return a < b || (!std::isnan(a) && std::isnan(b)); });
  return sorted;
}

// posterior's z_scale: ranks over all draws (ties averaged), then
// Φ⁻¹((r − 3/8) / (S + 1/4)). Any NaN makes the whole result NaN (R ranks NA last and
// then marks it NA, which every caller turns into NA).
draws_matrix z_scale(const draws_matrix& matrix) {
  draws_matrix z = matrix;
  const std::size_t count = matrix.values.size();
  if (any_nan(matrix.values)) {
    std::fill(z.values.begin(), z.values.end(), not_available);
    return z;
  }
  std::vector<std::size_t> order(count);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return matrix.values[a] < matrix.values[b]; });
  const boost::math::normal_distribution<double, quiet_policy> standard_normal;
  const double c = 3.0 / 8.0;
  const double denominator = static_cast<double>(count) - 2.0 * c + 1.0;
  std::size_t first = 0;
  while (first < count) {
    std::size_t last = first;  // [first, last] share one value
    while (last + 1 < count && matrix.values[order[last + 1]] == matrix.values[order[first]]) {
      ++last;
    }
    const double average_rank = static_cast<double>(first + last + 2) / 2.0;
    const double normal_score =
        boost::math::quantile(standard_normal, (average_rank - c) / denominator);
    for (std::size_t k = first; k <= last; ++k) z.values[order[k]] = normal_score;
    first = last + 1;
  }
  return z;
}

// posterior's fold_draws: |x − median(x)| over all draws.
draws_matrix fold_draws(const draws_matrix& matrix) {
  draws_matrix folded = matrix;
  if (any_nan(matrix.values)) {
    std::fill(folded.values.begin(), folded.values.end(), not_available);
    return folded;
  }
  const std::vector<double> sorted = sorted_copy(matrix.values);
  const std::size_t n = sorted.size();
  const double median =
      n % 2 == 1 ? sorted[n / 2]
                 : static_cast<double>(
                       (static_cast<long double>(sorted[n / 2 - 1]) + sorted[n / 2]) / 2.0L);
  for (double& v : folded.values) v = std::abs(v - median);
  return folded;
}

// posterior's .rhat on an already split (and normalized) matrix.
double basic_rhat(const draws_matrix& matrix) {
  if (should_return_na(matrix.values)) return not_available;
  const std::size_t n = matrix.draws_per_chain;
  std::vector<double> chain_mean(matrix.chain_count);
  long double within_sum = 0.0L;
  for (std::size_t chain = 0; chain < matrix.chain_count; ++chain) {
    const double* column = matrix.column(chain);
    long double sum = 0.0L;
    for (std::size_t i = 0; i < n; ++i) sum += column[i];
    chain_mean[chain] = static_cast<double>(sum / static_cast<long double>(n));
    long double squares = 0.0L;
    for (std::size_t i = 0; i < n; ++i) {
      const double deviation = column[i] - chain_mean[chain];
      squares += deviation * deviation;
    }
    within_sum += squares / static_cast<long double>(n - 1);  // NaN for n = 1, as R
  }
  const double draws = static_cast<double>(n);
  const double var_between = draws * r_var(chain_mean);
  const double var_within =
      static_cast<double>(within_sum / static_cast<long double>(matrix.chain_count));
  return std::sqrt((var_between / var_within + draws - 1.0) / draws);
}

// R's nextn(n): the smallest integer ≥ n with no prime factor other than 2, 3 and 5.
std::size_t next_fast_size(std::size_t n) {
  for (std::size_t m = std::max<std::size_t>(n, 1);; ++m) {
    std::size_t rest = m;
    for (const std::size_t factor : {std::size_t{2}, std::size_t{3}, std::size_t{5}}) {
      while (rest % factor == 0) rest /= factor;
    }
    if (rest == 1) return m;
  }
}

// posterior's autocovariance: FFT of the centred chain padded to 2·nextn(n), inverse
// FFT of the power spectrum, scaled so that lag 0 is the biased variance. Lag k is then
// Σₜ (xₜ − x̄)(xₜ₊ₖ − x̄) / n.
class autocovariance_fft {
 public:
  std::vector<double> operator()(const double* chain, std::size_t n) {
    std::vector<double> acov(n, 0.0);
    const double variance = r_var(chain, n);
    if (variance == 0.0) return acov;
    const std::size_t padded_size = 2 * next_fast_size(n);
    const double mean = r_mean(chain, n);
    padded_.assign(padded_size, 0.0);
    for (std::size_t t = 0; t < n; ++t) padded_[t] = chain[t] - mean;
    fft_.fwd(spectrum_, padded_);
    for (std::complex<double>& f : spectrum_) f = std::norm(f);
    fft_.inv(lagged_, spectrum_);
    const double scale = variance * static_cast<double>(n - 1) / static_cast<double>(n);
    const double lag0 = lagged_[0].real();
    for (std::size_t k = 0; k < n; ++k) acov[k] = lagged_[k].real() / lag0 * scale;
    return acov;
  }

 private:
  Eigen::FFT<double> fft_;
  std::vector<double> padded_;
  std::vector<std::complex<double>> spectrum_;
  std::vector<std::complex<double>> lagged_;
};

// posterior's .ess on an already split matrix: multi-chain autocorrelations (Stan's
// chains.hpp), Geyer's initial positive then initial monotone sequence, and the cap
// ESS ≤ S·log10(S).
double basic_ess(const draws_matrix& matrix) {
  const std::size_t n = matrix.draws_per_chain;
  const std::size_t m = matrix.chain_count;
  if (n < 3 || should_return_na(matrix.values)) return not_available;

  autocovariance_fft autocovariance;
  std::vector<long double> acov_sum(n, 0.0L);
  std::vector<double> chain_mean(m);
  for (std::size_t chain = 0; chain < m; ++chain) {
    const std::vector<double> acov = autocovariance(matrix.column(chain), n);
    for (std::size_t k = 0; k < n; ++k) acov_sum[k] += acov[k];
    long double sum = 0.0L;
    for (std::size_t t = 0; t < n; ++t) sum += matrix.column(chain)[t];
    chain_mean[chain] = static_cast<double>(sum / static_cast<long double>(n));
  }
  // 1-based, as in R: acov_means[1] is lag 0.
  std::vector<double> acov_means(n + 1, 0.0);
  for (std::size_t k = 0; k < n; ++k) {
    acov_means[k + 1] = static_cast<double>(acov_sum[k] / static_cast<long double>(m));
  }
  const double draws = static_cast<double>(n);
  const double mean_var = acov_means[1] * draws / (draws - 1.0);
  double var_plus = mean_var * (draws - 1.0) / draws;
  if (m > 1) var_plus += r_var(chain_mean);
  const auto rho_at = [&](std::size_t index) {
    return 1.0 - (mean_var - acov_means[index]) / var_plus;
  };

  // rho_hat[1..n], 1-based like posterior's rho_hat_t.
  std::vector<double> rho_hat(n + 1, 0.0);
  std::size_t t = 0;
  double rho_even = 1.0;
  rho_hat[t + 1] = rho_even;
  double rho_odd = rho_at(t + 2);
  rho_hat[t + 2] = rho_odd;
  // Initial positive sequence: sums of adjacent pairs stay positive.
  while (t + 5 < n && !std::isnan(rho_even + rho_odd) && rho_even + rho_odd > 0.0) {
    t += 2;
    rho_even = rho_at(t + 1);
    rho_odd = rho_at(t + 2);
    if (rho_even + rho_odd >= 0.0) {
      rho_hat[t + 1] = rho_even;
      rho_hat[t + 2] = rho_odd;
    }
  }
  const std::size_t max_t = t;
  if (rho_even > 0.0) rho_hat[max_t + 1] = rho_even;
  // Initial monotone sequence: pair sums never increase.
  t = 0;
  while (t + 4 <= max_t) {
    t += 2;
    if (rho_hat[t + 1] + rho_hat[t + 2] > rho_hat[t - 1] + rho_hat[t]) {
      rho_hat[t + 1] = (rho_hat[t - 1] + rho_hat[t]) / 2.0;
      rho_hat[t + 2] = rho_hat[t + 1];
    }
  }
  // R's sum(rho_hat_t[1:max_t]); for max_t = 0, 1:0 is c(1, 0) and selects rho_hat_t[1].
  long double rho_sum = rho_hat[1];
  for (std::size_t k = 2; k <= max_t; ++k) rho_sum += rho_hat[k];
  const double total_draws = draws * static_cast<double>(m);
  double tau_hat = -1.0 + 2.0 * static_cast<double>(rho_sum) + rho_hat[max_t + 1];
  // posterior caps ESS at S·log10(S) (it warns; here the cap is silent).
  const double tau_bound = 1.0 / std::log10(total_draws);
  if (tau_hat < tau_bound) tau_hat = tau_bound;
  return total_draws / tau_hat;
}

double quantile_ess(const draws_matrix& matrix, const std::vector<double>& sorted, double prob) {
  if (should_return_na(matrix.values)) return not_available;
  if (prob == 1.0) {
    const double count = static_cast<double>(matrix.values.size());
    prob = (count - 0.5) / count;
  }
  const double threshold = quantile_sorted(sorted, prob);
  draws_matrix indicator = matrix;
  for (double& v : indicator.values) v = v <= threshold ? 1.0 : 0.0;
  return basic_ess(split_chains(indicator));
}

double minimum_or_nan(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return not_available;
  return std::min(a, b);
}

double rhat_of(const draws_matrix& matrix, const draws_matrix& z_split) {
  const double bulk = basic_rhat(z_split);
  const double tail = basic_rhat(z_scale(split_chains(fold_draws(matrix))));
  if (std::isnan(bulk) || std::isnan(tail)) return not_available;
  return std::max(bulk, tail);
}

double sd_of(const draws_matrix& matrix) { return std::sqrt(r_var(matrix.values)); }

double mcse_mean_of(const draws_matrix& matrix) {
  return sd_of(matrix) / std::sqrt(basic_ess(split_chains(matrix)));
}

double mcse_sd_of(const draws_matrix& matrix) {
  const double mean = r_mean(matrix.values);
  draws_matrix squares = matrix;
  std::vector<double> fourth_powers(matrix.values.size());
  for (std::size_t i = 0; i < matrix.values.size(); ++i) {
    const double centred = matrix.values[i] - mean;
    squares.values[i] = centred * centred;  // R's x^2 is x * x
    fourth_powers[i] = static_cast<double>(std::pow(static_cast<long double>(centred), 4.0L));
  }
  const double ess = basic_ess(split_chains(squares));
  const double expected_var = r_mean(squares.values);
  const double var_var = (r_mean(fourth_powers) - expected_var * expected_var) / ess;
  // Delta method: Var(sd) ≈ Var(var) / (4 var).
  const double var_sd = var_var / expected_var / 4.0;
  return std::sqrt(var_sd);
}

double mcse_quantile_of(const draws_matrix& matrix, const std::vector<double>& sorted,
                        double prob) {
  const double ess = quantile_ess(matrix, sorted, prob);
  if (std::isnan(ess)) return not_available;
  // posterior's literal Φ(−1) and Φ(1).
  const double lower_prob = 0.1586553;
  const double upper_prob = 0.8413447;
  const double alpha = ess * prob + 1.0;
  const double beta = ess * (1.0 - prob) + 1.0;
  const double lower = boost::math::ibeta_inv(alpha, beta, lower_prob, quiet_policy());
  const double upper = boost::math::ibeta_inv(alpha, beta, upper_prob, quiet_policy());
  if (std::isnan(lower) || std::isnan(upper)) return not_available;
  const double count = static_cast<double>(sorted.size());
  // 1-based order statistics, as R indexes them.
  const double lower_index = std::max(std::floor(lower * count), 1.0);
  const double upper_index = std::min(std::ceil(upper * count), count);
  const double th1 = sorted[static_cast<std::size_t>(lower_index) - 1];
  const double th2 = sorted[static_cast<std::size_t>(upper_index) - 1];
  return (th2 - th1) / 2.0;
}

}  // namespace

double rhat(const chains& draws) {
  const draws_matrix matrix = to_matrix(draws);
  return rhat_of(matrix, z_scale(split_chains(matrix)));
}

double ess_bulk(const chains& draws) { return basic_ess(z_scale(split_chains(to_matrix(draws)))); }

double ess_quantile(const chains& draws, double prob) {
  check_probability(prob, "ess_quantile");
  const draws_matrix matrix = to_matrix(draws);
  return quantile_ess(matrix, sorted_copy(matrix.values), prob);
}

double ess_tail(const chains& draws) {
  const draws_matrix matrix = to_matrix(draws);
  const std::vector<double> sorted = sorted_copy(matrix.values);
  return minimum_or_nan(quantile_ess(matrix, sorted, 0.05), quantile_ess(matrix, sorted, 0.95));
}

double ess_mean(const chains& draws) { return basic_ess(split_chains(to_matrix(draws))); }

double mcse_mean(const chains& draws) { return mcse_mean_of(to_matrix(draws)); }

double mcse_sd(const chains& draws) { return mcse_sd_of(to_matrix(draws)); }

double mcse_quantile(const chains& draws, double prob) {
  check_probability(prob, "mcse_quantile");
  const draws_matrix matrix = to_matrix(draws);
  return mcse_quantile_of(matrix, sorted_copy(matrix.values), prob);
}

double quantile(const chains& draws, double prob) {
  check_probability(prob, "quantile");
  const draws_matrix matrix = to_matrix(draws);
  if (any_nan(matrix.values)) return not_available;
  return quantile_sorted(sorted_copy(matrix.values), prob);
}

double ebfmi(const std::vector<double>& energy) {
  if (energy.size() < 2) {
    throw usage_error("ebfmi: energy has " + std::to_string(energy.size()) +
                      " values, expected at least 2");
  }
  const double mean = r_mean(energy);
  long double squared_steps = 0.0L;
  long double squared_deviations = 0.0L;
  for (std::size_t n = 0; n < energy.size(); ++n) {
    const double deviation = energy[n] - mean;
    squared_deviations += deviation * deviation;
    if (n > 0) {
      const double step = energy[n] - energy[n - 1];
      squared_steps += step * step;
    }
  }
  return static_cast<double>(squared_steps / squared_deviations);
}

parameter_summary summarize(const std::string& name, const chains& draws) {
  const draws_matrix matrix = to_matrix(draws);
  const bool has_nan = any_nan(matrix.values);
  const std::vector<double> sorted = sorted_copy(matrix.values);
  const draws_matrix z_split = z_scale(split_chains(matrix));
  parameter_summary summary;
  summary.name = name;
  summary.mean = r_mean(matrix.values);
  summary.mcse_mean = mcse_mean_of(matrix);
  summary.sd = sd_of(matrix);
  summary.mcse_sd = mcse_sd_of(matrix);
  summary.q5 = has_nan ? not_available : quantile_sorted(sorted, 0.05);
  summary.q50 = has_nan ? not_available : quantile_sorted(sorted, 0.5);
  summary.q95 = has_nan ? not_available : quantile_sorted(sorted, 0.95);
  summary.ess_bulk = basic_ess(z_split);
  summary.ess_tail =
      minimum_or_nan(quantile_ess(matrix, sorted, 0.05), quantile_ess(matrix, sorted, 0.95));
  summary.rhat = rhat_of(matrix, z_split);
  return summary;
}

}  // namespace ismc
