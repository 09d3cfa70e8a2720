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

/// The stages of a rates study, in the order they run: `plain` (plain Monte Carlo), or the
/// importance pipeline's `pilot` (`collect_rejections`), `kmeans` (always on the host),
/// `labelling` (`count_nearest_centre`) and `four_index` (`mixture_accumulate`).
enum class rates_stage { plain, pilot, kmeans, labelling, four_index };

/// `plain`, `pilot`, `kmeans`, `labelling` or `four_index`: the key in the JSON report.
std::string to_string(rates_stage stage);

/// Where one stage of a study ran.
struct stage_record {
  rates_stage stage = rates_stage::plain;
  std::string ran_on;  ///< `cpu` (the host) or `cuda` (the device)
};

/// Where a backend named `backend_name` (`cpu` or `cuda`, `backend::name()`) runs `stage`
/// for a model whose `has_device_form()` is `has_device_form`: the one decision the CUDA
/// backend's dispatch and the study's record share. `cpu` for the CPU backend, for k-means
/// and for a model without a device form; else the backend's name.
std::string stage_place(const std::string& backend_name, bool has_device_form, rates_stage stage);

/// The record of `stages` (those that ran, in order) as `stage_place` decides them.
std::vector<stage_record> stage_records(const std::string& backend_name, bool has_device_form,
                                        const std::vector<rates_stage>& stages);

/// The warning for a device backend that ran stages of model `model_name` on the host
/// (k-means, always on the host, does not count): names the model, the backend and those
/// stages in run order. Empty when every other stage ran on the backend's machine.
std::optional<std::string> host_stages_warning(const std::string& model_name,
                                               const std::string& backend_name,
                                               const std::vector<stage_record>& stages);

/// The operations a study needs from a machine.
class backend {
 public:
  virtual ~backend() = default;

  /// `cpu` or `cuda`.
  virtual std::string name() const = 0;

  /// Plain Monte Carlo: `counts[j]` = rejections among simulations [0, sims) at target j,
  /// j < n_targets, with targets stored row-major (n_targets × model.dim()). Target j is the
  /// study's target `first_target + j` and uses its stream,
  /// `streams::target(first_target + j, common_random_numbers)` of `seed`: a chunk of a
  /// study draws exactly what the whole study draws for it.
  virtual void count_rejections(const model& model, const double* targets, std::size_t n_targets,
                                std::size_t first_target, std::uint64_t sims, std::uint64_t seed,
                                bool common_random_numbers, std::uint64_t* counts,
                                const run_hooks& hooks) = 0;

  /// `count_rejections` of a whole study (`first_target` = 0).
  void count_rejections(const model& model, const double* targets, std::size_t n_targets,
                        std::uint64_t sims, std::uint64_t seed, bool common_random_numbers,
                        std::uint64_t* counts, const run_hooks& hooks) {
    count_rejections(model, targets, n_targets, 0, sims, seed, common_random_numbers, counts,
                     hooks);
  }

  /// Pilot, collecting: counts the rejections among simulations [0, sims) at each
  /// parameter into `counts` (as `count_rejections` does) and keeps each rejected sample
  /// with probability `keep_fraction`, by an independent counter-based draw
  /// (`streams::subsample`). Parameter j is the study's target `first_target + j` and uses
  /// its streams, `streams::target(first_target + j, common_random_numbers)` and
  /// `streams::subsample(first_target + j)` of `seed`. Appends the kept samples' cluster
  /// points (`model.cluster_point`, model.cluster_size() values each) to `samples` in
  /// parameter order, then simulation order: the pools of consecutive ranges of targets,
  /// concatenated, are the pool of one call over all of them.
  virtual void collect_rejections(const model& model, const double* params, std::size_t n_params,
                                  std::size_t first_target, std::uint64_t sims, std::uint64_t seed,
                                  bool common_random_numbers, double keep_fraction,
                                  std::vector<double>& samples, std::uint64_t* counts,
                                  const run_hooks& hooks) = 0;

  /// `collect_rejections` of a whole study (`first_target` = 0).
  void collect_rejections(const model& model, const double* params, std::size_t n_params,
                          std::uint64_t sims, std::uint64_t seed, bool common_random_numbers,
                          double keep_fraction, std::vector<double>& samples, std::uint64_t* counts,
                          const run_hooks& hooks) {
    collect_rejections(model, params, n_params, 0, sims, seed, common_random_numbers, keep_fraction,
                       samples, counts, hooks);
  }

  /// Pilot, labelling: `counts[j * n_centres + c]` = rejected samples among simulations
  /// [0, sims) at parameter j whose nearest centre (squared Euclidean distance on the
  /// sample's cluster point, `model.cluster_point`; ties to the lower index) is c.
  /// Parameter j is the study's target `first_target + j` and uses its stream, as in
  /// `collect_rejections`. A backend may label the rejections its last `collect_rejections`
  /// call saw, when that call had the same model object, parameter values, `first_target`,
  /// `sims`, `seed` and `common_random_numbers`, instead of simulating them again (the CPU
  /// backend does, within a memory budget): the counts are the same, provided the model
  /// object was not replaced by another at the same address in between.
  virtual void count_nearest_centre(const model& model, const double* params, std::size_t n_params,
                                    std::size_t first_target, std::uint64_t sims,
                                    std::uint64_t seed, bool common_random_numbers,
                                    const double* centres, std::size_t n_centres,
                                    std::uint64_t* counts, const run_hooks& hooks) = 0;

  /// `count_nearest_centre` of a whole study (`first_target` = 0).
  void count_nearest_centre(const model& model, const double* params, std::size_t n_params,
                            std::uint64_t sims, std::uint64_t seed, bool common_random_numbers,
                            const double* centres, std::size_t n_centres, std::uint64_t* counts,
                            const run_hooks& hooks) {
    count_nearest_centre(model, params, n_params, 0, sims, seed, common_random_numbers, centres,
                         n_centres, counts, hooks);
  }

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

namespace detail {

/// The pilot's kept samples of one slice of a device `collect_rejections`: flat indices
/// f = y · span + (i − sim_begin) of parameter first_param + y, simulation i; parameter j
/// is the study's target first_target + j.
struct kept_samples {
  const std::uint32_t* flat_indices;  ///< the kept samples, in (parameter, simulation) order
  std::size_t count;                  ///< how many
  std::size_t first_param;            ///< the slice's first parameter
  std::uint64_t sim_begin;            ///< the slice's first simulation
  std::uint64_t span;                 ///< simulations per parameter in the slice
  std::size_t first_target = 0;       ///< the study's index of parameter 0 (its streams)
};

/// The device pilot's host half (ismc/kernels/family_kernels.cuh): simulates the kept
/// samples again with `model.simulate` on target streams `streams::target(first_target + j,
/// common_random_numbers)` of `seed` and appends their `model.cluster_point`s to `samples`
/// in order, over `threads` threads (0: all), so that the pool is the CPU's bit for bit.
void resimulate_kept_samples(const model& model, const double* params, std::uint64_t seed,
                             bool common_random_numbers, const kept_samples& kept, unsigned threads,
                             std::vector<double>& samples);

}  // namespace detail

}  // namespace ismc
