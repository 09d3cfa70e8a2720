#pragma once
// The seed notebook's four-index computation, evaluated by brute force: the reference that
// the mixture estimator's tests (mixture_test, mixture_reference_test) hold the engine to.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ismc/core/rng.hpp"
#include "ismc/rates/model.hpp"

namespace ismc::testing_support {

struct brute_force_result {
  std::vector<double> estimate;
  std::vector<double> seed_variance;  // the seed's divisor N
};

// The seed notebook's computation, literally: for every (i, j, k) the denominator
// Σ_m W[j][m] exp(ℓ_m(x_ik) − ℓ_j(x_ik)) with raw exponentials, then inner means and
// mean squares over i, then weighted sums over k. Samples are simulated as the engine
// does (stream `streams::proposal(k)` of the seed), so the inputs are identical.
inline brute_force_result seed_four_index(const model& model, const std::vector<double>& targets,
                                          const std::vector<double>& proposals,
                                          const std::vector<double>& dense, std::uint64_t sims,
                                          std::uint64_t seed) {
  const std::size_t dim = model.dim();
  const std::size_t n_targets = targets.size() / dim, n_proposals = proposals.size() / dim;
  brute_force_result out{std::vector<double>(n_targets, 0.0), std::vector<double>(n_targets, 0.0)};
  std::vector<double> x(dim);
  for (std::size_t j = 0; j < n_targets; ++j) {
    for (std::size_t k = 0; k < n_proposals; ++k) {
      double mean = 0.0, mean_square = 0.0;
      for (std::uint64_t i = 0; i < sims; ++i) {
        model.simulate(&proposals[k * dim], random_stream{seed, streams::proposal(k)}, i, x.data());
        const double reject = model.reject(x.data()) ? 1.0 : 0.0;
        double denominator = 0.0;
        for (std::size_t m = 0; m < n_proposals; ++m) {
          double exponent = 0.0;  // (θ_m − θ_j)·x − (‖θ_m‖² − ‖θ_j‖²)/2
          for (std::size_t n = 0; n < dim; ++n) {
            const double tm = proposals[m * dim + n], tj = targets[j * dim + n];
            exponent += (tm - tj) * x[n] - (tm * tm - tj * tj) / 2.0;
          }
          denominator += dense[j * n_proposals + m] * std::exp(exponent);
        }
        mean += reject / denominator;
        mean_square += (reject / denominator) * (reject / denominator);
      }
      mean /= static_cast<double>(sims);
      mean_square /= static_cast<double>(sims);
      const double w = dense[j * n_proposals + k];
      out.estimate[j] += w * mean;
      out.seed_variance[j] += (mean_square - mean * mean) / static_cast<double>(sims) * w * w;
    }
  }
  return out;
}

}  // namespace ismc::testing_support
