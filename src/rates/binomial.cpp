#include "ismc/rates/binomial.hpp"

#include <algorithm>
#include <vector>

#include "ismc/core/error.hpp"

namespace ismc {

namespace {

// The arms' trials and probabilities p_i = 1/(1 + e^{−θ_i}) of a family at θ.
std::vector<std::uint32_t> trials_of(const binomial_count_test& family) {
  return std::vector<std::uint32_t>(family.trials, family.trials + family.arms);
}

std::vector<double> probabilities_at(const binomial_count_test& family, const double* theta) {
  std::vector<double> p(static_cast<std::size_t>(family.arms));
  for (int i = 0; i < family.arms; ++i)
    p[static_cast<std::size_t>(i)] = binomial::probability(theta[i]);
  return p;
}

}  // namespace

std::optional<double> binomial_count_test::exact_rate(const double* theta) const {
  return binomial_exact_rate(binomial_statistic::count, critical, trials_of(*this),
                             probabilities_at(*this, theta));
}

double binomial_pairwise_test::statistic(const double* y) const {
  double largest = -1e300;
  const auto y0 = static_cast<std::uint32_t>(y[0]);
  for (int i = 1; i < arms; ++i) {
    largest = std::max(largest, arm_statistic(statistic_kind, y0, trials[0],
                                              static_cast<std::uint32_t>(y[i]), trials[i]));
  }
  return largest;
}

std::string binomial_pairwise_test::name() const {
  return statistic_kind == binomial_statistic::posterior ? "binomial/posterior"
                                                         : "binomial/difference";
}

std::optional<double> binomial_pairwise_test::exact_rate(const double* theta) const {
  return binomial_exact_rate(statistic_kind, critical, trials_of(*this),
                             probabilities_at(*this, theta));
}

namespace {

// The checked family (thresholds not yet set) and its tables.
binomial_pairwise_test pairwise_family(binomial_statistic statistic_kind,
                                       const std::vector<std::uint32_t>& trials, double critical) {
  if (statistic_kind == binomial_statistic::count) {
    throw usage_error(bad_value("binomial pairwise test: kind", "count",
                                "difference or posterior (count is binomial_count_test)"));
  }
  if (trials.size() < 2 || trials.size() > static_cast<std::size_t>(binomial::max_arms)) {
    throw usage_error(bad_value("binomial pairwise test: arms", trials.size(),
                                "2 to " + std::to_string(binomial::max_arms)));
  }
  binomial_pairwise_test family;
  family.arms = static_cast<int>(trials.size());
  std::copy(trials.begin(), trials.end(), family.trials);
  family.critical = critical;
  family.statistic_kind = statistic_kind;
  return family;
}

std::vector<std::uint32_t> pairwise_tables(const binomial_pairwise_test& family) {
  std::vector<std::uint32_t> tables;
  tables.reserve(family.table_size());
  for (int i = 1; i < family.arms; ++i) {
    const std::vector<std::uint32_t> arm =
        arm_thresholds(family.statistic_kind, family.critical, family.trials[0], family.trials[i]);
    tables.insert(tables.end(), arm.begin(), arm.end());
  }
  return tables;
}

binomial_pairwise_test with_tables(binomial_pairwise_test family,
                                   const std::vector<std::uint32_t>& tables) {
  family.thresholds = tables.data();
  return family;
}

}  // namespace

binomial_pairwise_model::binomial_pairwise_model(binomial_statistic statistic_kind,
                                                 const std::vector<std::uint32_t>& trials,
                                                 double critical)
    : detail::binomial_tables{pairwise_tables(pairwise_family(statistic_kind, trials, critical))},
      family_model(with_tables(pairwise_family(statistic_kind, trials, critical), tables)),
      values_(statistic_kind, trials) {}

double binomial_pairwise_model::statistic_value(const double* x) const {
  std::uint32_t y[binomial::max_arms];
  for (int i = 0; i < family().arms; ++i) y[i] = static_cast<std::uint32_t>(x[i]);
  return values_.value(y);
}

}  // namespace ismc
