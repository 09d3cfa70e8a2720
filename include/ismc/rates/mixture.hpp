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

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ismc/rates/backend.hpp"
#include "ismc/rates/model.hpp"
#include "ismc/core/progress.hpp"
#include "ismc/core/streams.hpp"

namespace ismc {

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
  const double* targets = nullptr;  ///< n_targets × dim
  std::size_t n_targets = 0;
  const double* proposals = nullptr;  ///< n_proposals × dim
  std::size_t n_proposals = 0;
  const mixture_weights* weights = nullptr;
  std::uint64_t sims_per_proposal = 0;  ///< N, simulations of each proposal, > 1
  std::uint64_t seed = 0;
  /// The study's index of each proposal (n_proposals entries, each < `streams::max_proposals`),
  /// which picks its random stream, so that a chunk of a study's targets draws exactly what
  /// the whole study draws; null: proposal k is the study's proposal k.
  const std::uint64_t* proposal_index = nullptr;
  /// Per proposal, the number of targets of the whole study whose support holds it (the CPU
  /// backend simulates a proposal held by two or more once and shares it, which changes the
  /// rounding of its terms); given for a chunk of a study so that its rows are those of
  /// the whole study bit for bit. Null: counted in this problem's weights.
  const std::uint64_t* proposal_usage = nullptr;
};

/// The random stream of the problem's proposal k: `streams::proposal` of its study index.
inline std::uint32_t proposal_stream(const mixture_problem& problem, std::size_t k) {
  return streams::proposal(problem.proposal_index == nullptr ? k : problem.proposal_index[k]);
}

/// Per-target estimates of the mixture estimator.
struct mixture_estimate {
  std::vector<double> estimate;     ///< f̂_j
  std::vector<double> variance;     ///< V̂_j with the divisor N − 1
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
