#pragma once
/// @file mixture.hpp
/// @brief The deterministic-mixture (balance heuristic) importance-sampling estimator of
/// rejection rates: the spec's "four-index" computation, streamed and sparse.
///
/// For target j with support S_j = { k : w_jk > 0 } and mixture q_j = Σ_{m∈S_j} w_jm p_m,
///
///     f̂_j = Σ_{k∈S_j} w_jk (1/N) Σ_i φ(x_ik) p_j(x_ik) / q_j(x_ik)
///     V̂_j = Σ_{k∈S_j} w_jk² s²_jk / N,   s²_jk the sample variance (divisor N − 1)
///
/// x_ik is simulation i of proposal k (stream `streams::proposal(k)`). Densities are
/// compared in log space with a max shift, so parameters far apart give no overflow.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ismc/rates/backend.hpp"
#include "ismc/core/config.hpp"
#include "ismc/rates/model.hpp"
#include "ismc/core/progress.hpp"
#include "ismc/core/rng.hpp"

namespace ismc {

/// 1 / Σ_n exp(log_terms[n]), by the max shift: exp(−M) / Σ_n exp(log_terms[n] − M).
/// Finite and non-negative for any finite inputs; 0 only when the sum overflows.
ISMC_HD inline double inverse_sum_exp(const double* log_terms, int count) {
  double shift = log_terms[0];
  for (int n = 1; n < count; ++n) shift = log_terms[n] > shift ? log_terms[n] : shift;
  double scaled_sum = 0.0;
  for (int n = 0; n < count; ++n) scaled_sum += exp(log_terms[n] - shift);
  return exp(-shift) / scaled_sum;
}

/// `inverse_sum_exp` of the values log_term(0), …, log_term(count − 1), count ≥ 1, with
/// the same arithmetic in the same order, but without an array: `log_term` is called twice
/// per value (once for the shift, once for the sum), so it must be a pure function. For
/// device code, where a per-thread array as long as a target's support would spill.
template <class LogTerm>
ISMC_HD inline double inverse_sum_exp_of(const LogTerm& log_term, int count) {
  double shift = log_term(0);
  for (int n = 1; n < count; ++n) {
    const double value = log_term(n);
    shift = value > shift ? value : shift;
  }
  double scaled_sum = 0.0;
  for (int n = 0; n < count; ++n) scaled_sum += exp(log_term(n) - shift);
  return exp(-shift) / scaled_sum;
}

/// The estimator's term at a rejected sample x for target j (at an accepted one it is 0):
///
///     p_j(x) / q_j(x) = 1 / Σ_{m<support} w_jm exp(ℓ_m(x) − ℓ_j(x)),
///
/// from `log_weight[m]` = log w_jm over target j's support (support ≥ 1) and a pure
/// callable `log_ratio(m)` = ℓ_m(x) − ℓ_j(x), in log space with the max shift
/// (`inverse_sum_exp_of`): finite for parameters any distance apart, and at most 1/w_jj
/// (up to rounding) when θ_j is in the support.
template <class LogRatio>
ISMC_HD inline double mixture_term(const double* log_weight, int support,
                                   const LogRatio& log_ratio) {
  return inverse_sum_exp_of([&](int m) { return log_weight[m] + log_ratio(m); }, support);
}

/// The centre nearest to sample `x` (squared Euclidean distance, summed over the
/// coordinates in order; ties to the lower index) among `n_centres` ≥ 1 centres stored
/// row-major, `n_centres` × `size`. The labelling of pilot rejections that sets the
/// weights n_jc (spec, "Mixture importance sampling", step 3).
ISMC_HD inline int nearest_centre(const double* x, const double* centres, int n_centres,
                                  int size) {
  int nearest = 0;
  double nearest_distance = 0.0;
  for (int c = 0; c < n_centres; ++c) {
    const double* centre = centres + static_cast<std::size_t>(c) * static_cast<std::size_t>(size);
    double distance = 0.0;
    for (int n = 0; n < size; ++n) {
      const double delta = x[n] - centre[n];
      distance += delta * delta;
    }
    if (c == 0 || distance < nearest_distance) {
      nearest = c;
      nearest_distance = distance;
    }
  }
  return nearest;
}

/// Whether pilot rejection i joins the k-means pool when each is kept with probability
/// `keep_fraction`: a uniform from block 0 of counter i in `keep_stream` (the target's
/// `streams::subsample`) below `keep_fraction`, independent of the sample itself; every
/// rejection is kept when `keep_fraction` ≥ 1.
ISMC_HD inline bool keep_in_pool(const random_stream& keep_stream, std::uint64_t i,
                                 double keep_fraction) {
  if (!(keep_fraction < 1.0)) return true;
  const philox_block bits = random_bits(keep_stream, i, 0);
  return !(uniform_closed_open(bits.v[0], bits.v[1]) >= keep_fraction);
}

/// Sparse mixture weights: target j's entries are [offsets[j], offsets[j + 1]), entry e
/// naming proposal `proposal[e]` with weight `weight[e]` > 0. Every target's weights sum
/// to 1.
struct mixture_weights {
  std::vector<std::size_t> offsets{0};  ///< n_targets + 1 entries
  std::vector<std::uint32_t> proposal;  ///< proposal index k of each entry
  std::vector<double> weight;           ///< w_jk of each entry

  std::size_t targets() const { return offsets.size() - 1; }
  std::size_t entries() const { return proposal.size(); }

  /// Builds the sparse form of a dense J × K matrix (row j = target j), keeping w > 0.
  static mixture_weights from_dense(const std::vector<double>& dense, std::size_t n_targets,
                                    std::size_t n_proposals);
};

/// The inputs of the mixture estimator. Pointers are row-major and outlive the call.
struct mixture_problem {
  const double* targets = nullptr;    ///< n_targets × dim
  std::size_t n_targets = 0;
  const double* proposals = nullptr;  ///< n_proposals × dim
  std::size_t n_proposals = 0;
  const mixture_weights* weights = nullptr;
  std::uint64_t sims_per_proposal = 0;  ///< N, simulations of each proposal, > 1
  std::uint64_t seed = 0;
};

/// Per-target estimates of the mixture estimator.
struct mixture_estimate {
  std::vector<double> estimate;  ///< f̂_j
  std::vector<double> variance;  ///< V̂_j with the divisor N − 1
  std::vector<double> sum;          ///< per weight entry: Σ_i φ p_j/q_j over proposal k's draws
  std::vector<double> sum_squares;  ///< per weight entry: Σ_i (φ p_j/q_j)²
};

/// Checks a problem (sizes, finite parameters, positive weights summing to 1 per target);
/// throws `usage_error` naming what is wrong.
void validate(const mixture_problem& problem, std::size_t dim);

/// Runs the estimator on `backend`: simulates every proposal in its support, evaluates the
/// mixture densities and reduces, never holding more than a tile of targets' work.
mixture_estimate estimate_mixture(const model& model, const mixture_problem& problem,
                                  backend& backend, const run_hooks& hooks = {});

}  // namespace ismc
