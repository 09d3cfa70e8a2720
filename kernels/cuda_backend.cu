// The CUDA backend. Kernels map threads to (target, simulation) and reduce; the math
// (Philox, Box–Muller, the model and test) is the shared __host__ __device__ code. The
// family kernels are the templates of ismc/kernels/family_kernels.cuh; a model whose own
// translation unit compiled them (`model::device_stages()`) runs through those.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "rates/cpu_backend.hpp"
#include "ismc/kernels/family_kernels.cuh"
#include "ismc/core/error.hpp"
#include "ismc/rates/gaussian.hpp"
#include "core/devices_cuda.hpp"
#include "rates/backend_cuda.hpp"

namespace ismc::detail {

namespace {

using gaussian::max_dim;

// Plain Monte Carlo of a family (cuda_count_rejections, family_kernels.cuh); the Gaussian
// tests compiled for d = 1 … 4 (the sample in registers), at run-time d beyond.
template <int Dim>
void count_fixed_gaussian(const gaussian_location_test& family, const double* targets,
                          std::size_t n_targets, std::size_t first_target, std::uint64_t sims,
                          std::uint64_t seed, bool common_random_numbers, std::uint64_t* counts,
                          const run_hooks& hooks) {
  const basic_gaussian_location_test<Dim> fixed{Dim, family.kind, family.critical};
  cuda_count_rejections(fixed, targets, n_targets, first_target, sims, seed, common_random_numbers,
                        counts, hooks);
}

template <class Family>
void count_family(const Family& family, const double* targets, std::size_t n_targets,
                  std::size_t first_target, std::uint64_t sims, std::uint64_t seed,
                  bool common_random_numbers, std::uint64_t* counts, const run_hooks& hooks) {
  if constexpr (std::is_same_v<Family, gaussian_location_test>) {
    switch (family.dim) {
      case 1:
        return count_fixed_gaussian<1>(family, targets, n_targets, first_target, sims, seed,
                                       common_random_numbers, counts, hooks);
      case 2:
        return count_fixed_gaussian<2>(family, targets, n_targets, first_target, sims, seed,
                                       common_random_numbers, counts, hooks);
      case 3:
        return count_fixed_gaussian<3>(family, targets, n_targets, first_target, sims, seed,
                                       common_random_numbers, counts, hooks);
      case 4:
        return count_fixed_gaussian<4>(family, targets, n_targets, first_target, sims, seed,
                                       common_random_numbers, counts, hooks);
      default:
        break;
    }
  }
  cuda_count_rejections(family, targets, n_targets, first_target, sims, seed, common_random_numbers,
                        counts, hooks);
}

__global__ void random_bits_kernel(random_stream s, std::uint64_t sims, std::uint32_t block,
                                   std::uint32_t* out) {
  const std::uint64_t i = static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= sims) return;
  const philox_block bits = random_bits(s, i, block);
  for (int w = 0; w < 4; ++w) out[4 * i + w] = bits.v[w];
}

__global__ void standard_normals_kernel(random_stream s, std::uint64_t sims, int count,
                                        double* out) {
  const std::uint64_t i = static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= sims) return;
  double z[max_dim];
  standard_normals(s, i, z, count);
  for (int n = 0; n < count; ++n) out[static_cast<std::size_t>(i) * count + n] = z[n];
}

// Runs `run(model_of_family)` with `model` as the family_model of the first family in
// `families` it is, and returns true; false when the stage runs on the host. The decision
// is stage_place's (rates/backend.hpp), the one the study records in `stages`. A model with
// a device form is a family_model of a family the kernels were compiled for
// (compiled_for_device), whose device-visible behaviour is sealed (`final`); any other
// model that claims one is refused rather than run wrongly.
template <class Run>
bool run_on_device(const model&, rates_stage, Run&, family_list<>) {
  return false;
}

template <class Run, class Family, class... Rest>
bool run_on_device(const model& model, rates_stage stage, Run& run, family_list<Family, Rest...>) {
  if (const auto* of_family = dynamic_cast<const family_model<Family>*>(&model)) {
    run(*of_family);
    return true;
  }
  return run_on_device(model, stage, run, family_list<Rest...>{});
}

// The device stages a program compiled for its own family (`model::device_stages()`,
// family_cuda_backend of family_kernels.cuh), when `stage` runs on the device; else null.
backend* own_device_stages(const model& model, rates_stage stage) {
  if (stage_place("cuda", model.has_device_form(), stage) != "cuda") return nullptr;
  return model.device_stages();
}

template <class Run>
bool run_on_device(const model& model, rates_stage stage, Run run) {
  if (stage_place("cuda", model.has_device_form(), stage) != "cuda") return false;
  if (run_on_device(model, stage, run, device_families{})) return true;
  throw usage_error("model '" + model.name() +
                    "' says it has a device form, but the CUDA backend has kernels only for "
                    "the families it was compiled for (family_model of a compiled_for_device "
                    "family)");
}

class cuda_backend final : public backend {
 public:
  cuda_backend() { ISMC_CUDA_CHECK(cudaSetDevice(0)); }

  std::string name() const override { return "cuda"; }

  using backend::count_rejections;
  void count_rejections(const model& model, const double* targets, std::size_t n_targets,
                        std::size_t first_target, std::uint64_t sims, std::uint64_t seed,
                        bool common_random_numbers, std::uint64_t* counts,
                        const run_hooks& hooks) override {
    if (backend* own = own_device_stages(model, rates_stage::plain)) {
      return own->count_rejections(model, targets, n_targets, first_target, sims, seed,
                                   common_random_numbers, counts, hooks);
    }
    // A model without a device form runs on the host (the study records and warns).
    const bool ran = run_on_device(model, rates_stage::plain, [&](const auto& of_family) {
      count_family(of_family.family(), targets, n_targets, first_target, sims, seed,
                   common_random_numbers, counts, hooks);
    });
    if (!ran) {
      host_.count_rejections(model, targets, n_targets, first_target, sims, seed,
                             common_random_numbers, counts, hooks);
    }
  }

  // The importance stages run on the device for a model with a device form
  // (kernels/importance.cu); any other model runs them on the host (the CPU reference), so
  // a study with a custom model still runs under `--backend cuda`, and the study's
  // `stages` record and warning say where.
  using backend::collect_rejections;
  using backend::count_nearest_centre;
  void collect_rejections(const model& model, const double* params, std::size_t n_params,
                          std::size_t first_target, std::uint64_t sims, std::uint64_t seed,
                          bool common_random_numbers, double keep_fraction,
                          std::vector<double>& samples, std::uint64_t* counts,
                          const run_hooks& hooks) override {
    if (backend* own = own_device_stages(model, rates_stage::pilot)) {
      return own->collect_rejections(model, params, n_params, first_target, sims, seed,
                                     common_random_numbers, keep_fraction, samples, counts, hooks);
    }
    const bool ran = run_on_device(model, rates_stage::pilot, [&](const auto& of_family) {
      cuda_collect_rejections(of_family, params, n_params, first_target, sims, seed,
                              common_random_numbers, keep_fraction, samples, counts, hooks);
    });
    if (ran) return;
    host_.collect_rejections(model, params, n_params, first_target, sims, seed,
                             common_random_numbers, keep_fraction, samples, counts, hooks);
  }
  void count_nearest_centre(const model& model, const double* params, std::size_t n_params,
                            std::size_t first_target, std::uint64_t sims, std::uint64_t seed,
                            bool common_random_numbers, const double* centres,
                            std::size_t n_centres, std::uint64_t* counts,
                            const run_hooks& hooks) override {
    if (backend* own = own_device_stages(model, rates_stage::labelling)) {
      return own->count_nearest_centre(model, params, n_params, first_target, sims, seed,
                                       common_random_numbers, centres, n_centres, counts, hooks);
    }
    const bool ran = run_on_device(model, rates_stage::labelling, [&](const auto& of_family) {
      cuda_count_nearest_centre(of_family, params, n_params, first_target, sims, seed,
                                common_random_numbers, centres, n_centres, counts, hooks);
    });
    if (ran) return;
    host_.count_nearest_centre(model, params, n_params, first_target, sims, seed,
                               common_random_numbers, centres, n_centres, counts, hooks);
  }
  void mixture_accumulate(const model& model, const mixture_problem& problem, double* sum,
                          double* sum_squares, const run_hooks& hooks) override {
    if (backend* own = own_device_stages(model, rates_stage::four_index)) {
      return own->mixture_accumulate(model, problem, sum, sum_squares, hooks);
    }
    const bool ran = run_on_device(model, rates_stage::four_index, [&](const auto& of_family) {
      cuda_mixture_accumulate(of_family, problem, sum, sum_squares, hooks);
    });
    if (ran) return;
    host_.mixture_accumulate(model, problem, sum, sum_squares, hooks);
  }

 private:
  cpu_backend host_;
};

}  // namespace

std::unique_ptr<backend> make_cuda_backend() { return std::make_unique<cuda_backend>(); }

std::vector<std::uint32_t> device_random_bits(random_stream s, std::uint64_t sims,
                                              std::uint32_t block) {
  device_buffer<std::uint32_t> d_out(4 * sims);
  random_bits_kernel<<<static_cast<unsigned>(blocks_for(sims)), rates_threads_per_block>>>(
      s, sims, block, d_out.get());
  ISMC_CUDA_CHECK(cudaGetLastError());
  std::vector<std::uint32_t> out(4 * sims);
  copy_to_host(out.data(), d_out.get(), out.size());
  return out;
}

std::vector<double> device_standard_normals(random_stream s, std::uint64_t sims, int count) {
  if (count < 1 || count > max_dim) throw usage_error("device_standard_normals: bad count");
  device_buffer<double> d_out(sims * static_cast<std::uint64_t>(count));
  standard_normals_kernel<<<static_cast<unsigned>(blocks_for(sims)), rates_threads_per_block>>>(
      s, sims, count, d_out.get());
  ISMC_CUDA_CHECK(cudaGetLastError());
  std::vector<double> out(d_out.size());
  copy_to_host(out.data(), d_out.get(), out.size());
  return out;
}

}  // namespace ismc::detail
