#include "rates/mixture_reference.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/core/rng.hpp"
#include "ismc/rates/mixture_math.hpp"

namespace ismc::detail {

void mixture_reference_accumulate(const model& model, const mixture_problem& problem, double* sum,
                                  double* sum_squares) {
  const mixture_weights& weights = *problem.weights;
  const std::size_t dim = model.dim();
  std::vector<double> x(model.sample_size());
  std::vector<double> log_weight;
  for (std::size_t j = 0; j < problem.n_targets; ++j) {
    const double* theta_j = problem.targets + j * dim;
    const std::size_t first = weights.offsets[j], last = weights.offsets[j + 1];
    const int support = static_cast<int>(last - first);
    // Target j's log weights over its support, as the kernel stages them.
    log_weight.resize(last - first);
    for (std::size_t e = first; e < last; ++e) log_weight[e - first] = std::log(weights.weight[e]);
    for (std::size_t e = first; e < last; ++e) {
      const std::uint32_t k = weights.proposal[e];
      const double* theta_k = problem.proposals + static_cast<std::size_t>(k) * dim;
      const random_stream stream{problem.seed, proposal_stream(problem, k)};
      double total = 0.0, total_squares = 0.0;
      for (std::uint64_t i = 0; i < problem.sims_per_proposal; ++i) {
        model.simulate(theta_k, stream, i, x.data());
        if (!model.reject(x.data())) continue;  // φ = 0: the term is 0
        const double term = mixture_term(log_weight.data(), support, [&](int m) {
          const std::size_t theta_m = static_cast<std::size_t>(weights.proposal[first + m]) * dim;
          return model.log_density_ratio(problem.proposals + theta_m, theta_j, x.data());
        });
        total += term;
        total_squares += term * term;
      }
      sum[e] = total;
      sum_squares[e] = total_squares;
    }
  }
}

void finish_mixture_estimate(const mixture_problem& problem, mixture_estimate& result) {
  const mixture_weights& weights = *problem.weights;
  const double n = static_cast<double>(problem.sims_per_proposal);
  result.estimate.assign(problem.n_targets, 0.0);
  result.variance.assign(problem.n_targets, 0.0);
  for (std::size_t j = 0; j < problem.n_targets; ++j) {
    double estimate = 0.0, variance = 0.0;
    for (std::size_t e = weights.offsets[j]; e < weights.offsets[j + 1]; ++e) {
      const double w = weights.weight[e];
      const double mean = result.sum[e] / n;
      // Sample variance with divisor N − 1; clamped at 0 against rounding.
      const double sample_variance =
          std::max(0.0, (result.sum_squares[e] - result.sum[e] * mean) / (n - 1.0));
      estimate += w * mean;
      variance += w * w * sample_variance / n;
    }
    result.estimate[j] = estimate;
    result.variance[j] = variance;
  }
}

mixture_estimate mixture_reference(const model& model, const mixture_problem& problem) {
  assert(passes([&] { validate(problem, model.dim()); }));
  mixture_estimate result;
  result.sum.assign(problem.weights->entries(), 0.0);
  result.sum_squares.assign(problem.weights->entries(), 0.0);
  mixture_reference_accumulate(model, problem, result.sum.data(), result.sum_squares.data());
  finish_mixture_estimate(problem, result);
  return result;
}

}  // namespace ismc::detail
