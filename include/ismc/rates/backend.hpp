#pragma once
/// @file rates/backend.hpp
/// @brief One interface to the machine that runs a study's heavy loops, two
/// implementations: the CPU (threads; the reference) and CUDA (`kernels/`).
///
/// The study code calls a backend with plain arrays and never knows which one runs.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ismc/backend/backend_kind.hpp"
#include "ismc/core/config.hpp"
#include "ismc/rates/model.hpp"
#include "ismc/core/progress.hpp"
#include "ismc/core/streams.hpp"

namespace ismc {

struct mixture_problem;

/// The operations a study needs from a machine.
class backend {
 public:
  virtual ~backend() = default;

  /// `cpu` or `cuda`.
  virtual std::string name() const = 0;

  /// Plain Monte Carlo: `counts[j]` = rejections among simulations [0, sims) at target j,
  /// j < n_targets, with targets stored row-major (n_targets × model.dim()). Target j uses
  /// stream `streams::target(j, common_random_numbers)` of `seed`.
  virtual void count_rejections(const model& model, const double* targets, std::size_t n_targets,
                                std::uint64_t sims, std::uint64_t seed, bool common_random_numbers,
                                std::uint64_t* counts, const run_hooks& hooks) = 0;

  /// Pilot, collecting: counts the rejections among simulations [0, sims) at each
  /// parameter into `counts` (as `count_rejections` does) and keeps each rejected sample
  /// with probability `keep_fraction`, by an independent counter-based draw
  /// (`streams::subsample`). Appends kept samples (model.sample_size() values each) to
  /// `samples` in parameter order, then simulation order.
  virtual void collect_rejections(const model& model, const double* params, std::size_t n_params,
                                  std::uint64_t sims, std::uint64_t seed,
                                  bool common_random_numbers, double keep_fraction,
                                  std::vector<double>& samples, std::uint64_t* counts,
                                  const run_hooks& hooks) = 0;

  /// Pilot, labelling: `counts[j * n_centres + c]` = rejected samples among simulations
  /// [0, sims) at parameter j whose nearest centre (squared Euclidean distance on the
  /// sample; ties to the lower index) is c.
  virtual void count_nearest_centre(const model& model, const double* params, std::size_t n_params,
                                    std::uint64_t sims, std::uint64_t seed,
                                    bool common_random_numbers, const double* centres,
                                    std::size_t n_centres, std::uint64_t* counts,
                                    const run_hooks& hooks) = 0;

  /// Importance stage: for every weight entry e = (j, k) of the problem, the sum and the
  /// sum of squares over i < N of φ(x_ik) p_j(x_ik) / q_j(x_ik). See mixture.hpp.
  virtual void mixture_accumulate(const model& model, const mixture_problem& problem, double* sum,
                                  double* sum_squares, const run_hooks& hooks) = 0;
};

/// Creates a backend. Throws `not_compiled` when `cuda` is asked of a build without CUDA,
/// and `runtime_failure` when it is compiled in but no device is present.
std::unique_ptr<backend> make_backend(backend_kind kind);

/// The CPU backend (always available).
std::unique_ptr<backend> make_cpu_backend();

}  // namespace ismc
