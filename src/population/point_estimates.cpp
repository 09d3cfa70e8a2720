#include "ismc/population/point_estimates.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/core/number_text.hpp"
#include "population/moments.hpp"
#include "population/population_math.hpp"
#include "population/unchecked.hpp"

namespace ismc {
namespace {

constexpr double negative_infinity = -std::numeric_limits<double>::infinity();

// The flat priors of the hyper-parameters.
using detail::inside_priors;

}  // namespace

point_estimate_posterior::point_estimate_posterior(std::vector<double> medians)
    : medians_(std::move(medians)) {
  if (medians_.empty()) {
    throw input_error("", 0, "medians", "is empty; expected one point estimate per object");
  }
  for (std::size_t i = 0; i < medians_.size(); ++i) {
    if (!std::isfinite(medians_[i])) {
      throw input_error(
          "", 0, "medians",
          "object " + std::to_string(i) + ": " + number_text(medians_[i]) + " is not finite");
    }
  }
  const detail::mean_and_squares moments = detail::moments_of(medians_);
  mean_ = moments.mean;
  squares_ = moments.squares;
}

void point_estimate_posterior::log_density(const double* thetas, std::size_t batch, double* out,
                                           const run_hooks& /*hooks*/) const {
  // Σ_i (m_i − θ_μ)² = Q + n (m̄ − θ_μ)², Q = Σ (m_i − m̄)²: O(1) per θ.
  const double n = static_cast<double>(medians_.size());
  for (std::size_t b = 0; b < batch; ++b) {
    const double theta_mu = thetas[2 * b], theta_sigma = thetas[2 * b + 1];
    if (!inside_priors(theta_mu, theta_sigma)) {
      out[b] = negative_infinity;
      continue;
    }
    const double offset = mean_ - theta_mu;
    const double sum_squares = squares_ + n * offset * offset;
    out[b] = -n * (std::log(theta_sigma) + detail::half_log_two_pi) -
             0.5 * sum_squares / (theta_sigma * theta_sigma);
  }
}

std::vector<double> sample_medians(const population_samples& samples) {
  validate(samples);
  return detail::sample_medians_unchecked(samples);
}

std::vector<double> detail::sample_medians_unchecked(const population_samples& samples) {
  assert(detail::passes([&] { validate(samples); }));
  std::vector<double> medians(samples.objects());
  std::vector<double> sorted;
  for (std::size_t i = 0; i < samples.objects(); ++i) {
    const auto first = samples.values.begin() + static_cast<std::ptrdiff_t>(samples.offsets[i]);
    const auto last = samples.values.begin() + static_cast<std::ptrdiff_t>(samples.offsets[i + 1]);
    sorted.assign(first, last);
    const std::size_t count = sorted.size();
    const auto middle = sorted.begin() + static_cast<std::ptrdiff_t>(count / 2);
    std::nth_element(sorted.begin(), middle, sorted.end());
    if (count % 2 == 1) {
      medians[i] = *middle;
    } else {
      // The lower middle value is the largest of the lower half.
      const double lower = *std::max_element(sorted.begin(), middle);
      medians[i] = 0.5 * (lower + *middle);
    }
  }
  return medians;
}

}  // namespace ismc
