// Exact rates of the binomial-arms tests (include/ismc/rates/binomial_exact.hpp).
#include "ismc/rates/binomial_exact.hpp"

#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <cmath>
#include <string>
#include <utility>

#include "ismc/core/error.hpp"

namespace ismc {
namespace {

void check_counts(std::uint32_t y0, std::uint32_t n0, std::uint32_t yi, std::uint32_t ni) {
  if (n0 == 0) throw usage_error(bad_value("n0", n0, "at least 1 trial"));
  if (ni == 0) throw usage_error(bad_value("ni", ni, "at least 1 trial"));
  if (y0 > n0) throw usage_error(bad_value("y0", y0, "a count in 0 … n0 = " + std::to_string(n0)));
  if (yi > ni) throw usage_error(bad_value("yi", yi, "a count in 0 … ni = " + std::to_string(ni)));
}

void check_probability(const std::string& field, double p) {
  if (!(p >= 0.0 && p <= 1.0)) throw usage_error(bad_value(field, p, "a probability in [0, 1]"));
}

void check_trials(const std::string& field, std::uint32_t n) {
  if (n < 1 || n > max_binomial_trials) {
    throw usage_error(bad_value(field, n, "trials in 1 … 1000000"));
  }
}

void check_critical(binomial_statistic statistic, double critical) {
  if (!std::isfinite(critical)) {
    throw usage_error(bad_value("critical", critical, "a finite number"));
  }
  if (statistic == binomial_statistic::posterior && !(critical > 0.0 && critical < 1.0)) {
    throw usage_error(
        bad_value("critical", critical, "a posterior probability in (0, 1) for `posterior`"));
  }
}

// P(Z ≤ m) for Z ~ BetaBinomial(N, a, b), a, b ≥ 1 integers. The pmf is log-concave there:
// the ratio pmf(k + 1)/pmf(k) = (N − k)(k + a) / ((k + 1)(N − k − 1 + b)) is the product of
// (k + a)/(k + 1) and (N − k)/(N − k − 1 + b), both nonincreasing in k when a, b ≥ 1. So the
// terms fall away from the mode, and once a step's ratio r is below 1 the rest of the sum is
// at most term · r/(1 − r): the sum stops when that bound is below 1e-18 of the sum. When m
// is at or past the mode (pmf(m + 1) < pmf(m)) the upper tail Σ_{k > m} is summed instead
// and the result is its complement (at least about ½ of the mass lies at or below the
// mode's side, so no significant cancellation). Terms relative to the first, in long double;
// the first term's logarithm from lgamma in long double.
long double beta_binomial_cdf(long double m, long double N, long double a, long double b) {
  if (m >= N) return 1.0L;
  const auto log_pmf = [&](long double k) {
    return std::lgamma(N + 1) - std::lgamma(k + 1) - std::lgamma(N - k + 1) + std::lgamma(k + a) +
           std::lgamma(N - k + b) - std::lgamma(N + a + b) - std::lgamma(a) - std::lgamma(b) +
           std::lgamma(a + b);
  };
  const auto forward_ratio = [&](long double k) {  // pmf(k + 1)/pmf(k)
    return (N - k) * (k + a) / ((k + 1.0L) * (N - k - 1.0L + b));
  };
  constexpr long double stop = 1e-18L;
  const bool upper = forward_ratio(m) < 1.0L;
  long double first = upper ? m + 1.0L : m;
  long double term = 1.0L, sum = 1.0L;
  if (upper) {  // k = m + 1, m + 2, …, N, terms falling
    for (long double k = first; k < N; k += 1.0L) {
      const long double r = forward_ratio(k);
      term *= r;
      sum += term;
      if (r < 1.0L && term * r / (1.0L - r) < stop * sum) break;
    }
  } else {  // k = m, m − 1, …, 0, terms falling
    for (long double k = first; k >= 1.0L; k -= 1.0L) {
      const long double r = 1.0L / forward_ratio(k - 1.0L);
      term *= r;
      sum += term;
      if (r < 1.0L && term * r / (1.0L - r) < stop * sum) break;
    }
  }
  const long double tail = std::exp(log_pmf(first) + std::log(sum));
  return upper ? 1.0L - tail : tail;
}

double binomial_pmf(std::uint32_t k, std::uint32_t n, double p) {
  if (p == 0.0) return k == 0 ? 1.0 : 0.0;
  if (p == 1.0) return k == n ? 1.0 : 0.0;
  return boost::math::pdf(boost::math::binomial_distribution<double>(n, p), k);
}

}  // namespace

double binomial_upper_tail(std::uint32_t k, std::uint32_t n, double p) {
  check_probability("p", p);
  if (k == 0) return 1.0;
  if (k > n) return 0.0;
  if (p == 0.0) return 0.0;
  if (p == 1.0) return 1.0;
  return boost::math::ibeta(static_cast<double>(k), static_cast<double>(n - k + 1), p);
}

double difference_z(std::uint32_t y0, std::uint32_t n0, std::uint32_t yi, std::uint32_t ni) {
  check_counts(y0, n0, yi, ni);
  const double successes = static_cast<double>(y0) + yi;
  const double total = static_cast<double>(n0) + ni;
  if (successes == 0.0 || successes == total) return 0.0;
  const double pooled = successes / total;
  const double se = std::sqrt(pooled * (1.0 - pooled) * (1.0 / ni + 1.0 / n0));
  return (static_cast<double>(yi) / ni - static_cast<double>(y0) / n0) / se;
}

double posterior_superiority(std::uint32_t y0, std::uint32_t n0, std::uint32_t yi,
                             std::uint32_t ni) {
  check_counts(y0, n0, yi, ni);
  // X ~ Beta(a1, b1) (arm i), Y ~ Beta(a0, b0) (control).
  const long double a0 = y0 + 1.0L, b0 = n0 - y0 + 1.0L;
  const long double a1 = yi + 1.0L, b1 = ni - yi + 1.0L;
  const long double shortest = std::min(std::min(a0, b0), std::min(a1, b1));
  long double value;
  if (a1 == shortest) {  // P(X > Y) = P(Z ≤ a1 − 1), Z ~ BB(a1 + b1 − 1, a0, b0)
    value = beta_binomial_cdf(a1 - 1, a1 + b1 - 1, a0, b0);
  } else if (b0 == shortest) {  // = P(1 − Y > 1 − X), 1 − Y ~ Beta(b0, a0)
    value = beta_binomial_cdf(b0 - 1, b0 + a0 - 1, b1, a1);
  } else if (a0 == shortest) {  // = 1 − P(Y > X)
    value = 1.0L - beta_binomial_cdf(a0 - 1, a0 + b0 - 1, a1, b1);
  } else {  // = 1 − P(1 − X > 1 − Y)
    value = 1.0L - beta_binomial_cdf(b1 - 1, b1 + a1 - 1, b0, a0);
  }
  return static_cast<double>(std::clamp(value, 0.0L, 1.0L));
}

double arm_statistic(binomial_statistic statistic, std::uint32_t y0, std::uint32_t n0,
                     std::uint32_t yi, std::uint32_t ni) {
  switch (statistic) {
    case binomial_statistic::difference:
      return difference_z(y0, n0, yi, ni);
    case binomial_statistic::posterior:
      return posterior_superiority(y0, n0, yi, ni);
    case binomial_statistic::count:
      break;
  }
  throw usage_error(bad_value("statistic", "count", "`difference` or `posterior` (per arm)"));
}

std::vector<std::uint32_t> arm_thresholds(binomial_statistic statistic, double critical,
                                          std::uint32_t n0, std::uint32_t ni) {
  if (statistic == binomial_statistic::count) {
    throw usage_error(bad_value("statistic", "count", "`difference` or `posterior` (per arm)"));
  }
  check_critical(statistic, critical);
  check_trials("n0", n0);
  check_trials("ni", ni);
  std::vector<std::uint32_t> table(static_cast<std::size_t>(n0) + 1);
  // s_i is nondecreasing in y_i and nonincreasing in y_0, so the threshold is nondecreasing
  // in y_0: each search starts at the previous entry.
  std::uint32_t low = 0;
  for (std::uint32_t y0 = 0; y0 <= n0; ++y0) {
    const auto rejects = [&](std::uint32_t yi) {
      return yi > ni || arm_statistic(statistic, y0, n0, yi, ni) > critical;
    };
    // Gallop from the previous entry (the step between entries is about n_i/n_0), then
    // bisect: the answer lies in [low, high], high = n_i + 1 meaning none.
    std::uint32_t high = ni + 1;
    for (std::uint32_t step = 1; low < high; step *= 2) {
      const auto probe = static_cast<std::uint32_t>(
          std::min<std::uint64_t>(std::uint64_t{low} + step - 1, ni + 1));
      if (rejects(probe)) {
        high = probe;
        break;
      }
      low = probe + 1;
      if (step > ni) break;
    }
    while (low < high) {
      const std::uint32_t middle = low + (high - low) / 2;
      if (rejects(middle)) {
        high = middle;
      } else {
        low = middle + 1;
      }
    }
    table[y0] = low;
  }
  return table;
}

double binomial_exact_rate(binomial_statistic statistic, double critical,
                           const std::vector<std::uint32_t>& trials, const std::vector<double>& p) {
  const std::size_t arms = trials.size();
  const std::size_t fewest = statistic == binomial_statistic::count ? 1 : 2;
  if (arms < fewest || arms > max_binomial_arms) {
    throw usage_error(bad_value("trials", arms,
                                fewest == 1 ? "1 … 8 arms" : "2 … 8 arms for a two-arm statistic"));
  }
  if (p.size() != arms) {
    throw usage_error(
        bad_value("p", p.size(), "one probability per arm (" + std::to_string(arms) + ")"));
  }
  for (std::size_t i = 0; i < arms; ++i) {
    check_trials("trials[" + std::to_string(i) + "]", trials[i]);
    check_probability("p[" + std::to_string(i) + "]", p[i]);
  }
  check_critical(statistic, critical);

  if (statistic == binomial_statistic::count) {
    if (critical < 0.0) return 1.0;
    const double first_rejected = std::floor(critical) + 1.0;
    if (first_rejected > trials[0]) return 0.0;
    return binomial_upper_tail(static_cast<std::uint32_t>(first_rejected), trials[0], p[0]);
  }
  std::vector<std::vector<std::uint32_t>> tables;
  for (std::size_t i = 1; i < arms; ++i) {
    tables.push_back(arm_thresholds(statistic, critical, trials[0], trials[i]));
  }
  double rate = 0.0;
  for (std::uint32_t y0 = 0; y0 <= trials[0]; ++y0) {
    const double weight = binomial_pmf(y0, trials[0], p[0]);
    if (weight == 0.0) continue;
    double log_none = 0.0;  // log Π P(Y_i < t_i(y0))
    for (std::size_t i = 1; i < arms; ++i) {
      log_none += std::log1p(-binomial_upper_tail(tables[i - 1][y0], trials[i], p[i]));
    }
    rate += weight * -std::expm1(log_none);
  }
  return std::min(rate, 1.0);
}

struct binomial_statistic_values::arm_table {
  std::once_flag built;
  std::vector<double> values;  // (n_i + 1) · y_0 + y_i
};

binomial_statistic_values::binomial_statistic_values(binomial_statistic statistic,
                                                     std::vector<std::uint32_t> trials)
    : statistic_(statistic), trials_(std::move(trials)) {
  if (statistic_ == binomial_statistic::count) {
    throw usage_error(bad_value("binomial statistic values: statistic", "count",
                                "difference or posterior (count's s is y_0)"));
  }
  if (trials_.size() < 2 || trials_.size() > max_binomial_arms) {
    throw usage_error(bad_value("binomial statistic values: arms", trials_.size(),
                                "2 to " + std::to_string(max_binomial_arms)));
  }
  for (std::size_t i = 0; i < trials_.size(); ++i) {
    if (trials_[i] < 1 || trials_[i] > max_binomial_trials) {
      throw usage_error(
          bad_value("binomial statistic values: trials[" + std::to_string(i) + "]", trials_[i],
                    "an integer in [1, " + std::to_string(max_binomial_trials) + "]"));
    }
  }
  tables_ = std::make_unique<arm_table[]>(trials_.size());
}

binomial_statistic_values::~binomial_statistic_values() = default;

bool binomial_statistic_values::tabulated(std::size_t arm) const {
  if (arm < 1 || arm >= trials_.size()) {
    throw usage_error(bad_value("binomial statistic values: arm", arm,
                                "1 to " + std::to_string(trials_.size() - 1)));
  }
  return (std::uint64_t{trials_[0]} + 1) * (std::uint64_t{trials_[arm]} + 1) <= max_table_entries;
}

double binomial_statistic_values::arm_value(std::size_t arm, std::uint32_t y0,
                                            std::uint32_t yi) const {
  const bool table = tabulated(arm);  // checks the arm
  const std::uint32_t n0 = trials_[0], ni = trials_[arm];
  if (y0 > n0)
    throw usage_error(bad_value("binomial statistic values: y[0]", y0,
                                "a count in [0, " + std::to_string(n0) + "]"));
  if (yi > ni) {
    throw usage_error(bad_value("binomial statistic values: y[" + std::to_string(arm) + "]", yi,
                                "a count in [0, " + std::to_string(ni) + "]"));
  }
  if (!table) return arm_statistic(statistic_, y0, n0, yi, ni);
  arm_table& t = tables_[arm];
  std::call_once(t.built, [&] {
    t.values.resize((std::size_t{n0} + 1) * (std::size_t{ni} + 1));
    for (std::uint32_t a = 0; a <= n0; ++a) {
      for (std::uint32_t b = 0; b <= ni; ++b) {
        t.values[(std::size_t{ni} + 1) * a + b] = arm_statistic(statistic_, a, n0, b, ni);
      }
    }
  });
  return t.values[(std::size_t{ni} + 1) * y0 + yi];
}

double binomial_statistic_values::value(const std::uint32_t* y) const {
  double largest = arm_value(1, y[0], y[1]);
  for (std::size_t i = 2; i < trials_.size(); ++i) {
    largest = std::max(largest, arm_value(i, y[0], y[i]));
  }
  return largest;
}

}  // namespace ismc
