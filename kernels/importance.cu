// The importance stages of a rejection-rate study on a CUDA device for the library's own
// families: the templates of ismc/kernels/family_kernels.cuh (collect_kernel,
// nearest_centre_kernel, mixture_kernel and their host loops, described there), instantiated
// here for `device_families` (rates/backend_cuda.hpp). A program's own family instantiates
// the same templates in its own translation unit (family_cuda_backend, register_model).
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "ismc/kernels/family_kernels.cuh"
#include "ismc/rates/gaussian.hpp"
#include "rates/backend_cuda.hpp"

namespace ismc::detail {

namespace {

static_assert(
    std::is_same_v<device_families, family_list<gaussian_location_test, normal_t_test,
                                                binomial_count_test, binomial_pairwise_test>>,
    "instantiate the kernels below for every family in device_families");
static_assert(compiled_for_device<gaussian_location_test>::value);
static_assert(compiled_for_device<normal_t_test>::value);
static_assert(compiled_for_device<binomial_count_test>::value);
static_assert(compiled_for_device<binomial_pairwise_test>::value);

}  // namespace

// The kernels for every family in device_families.
#define ISMC_RATES_DEVICE_FAMILY(Family)                                                         \
  template void cuda_collect_rejections(const family_model<Family>&, const double*, std::size_t, \
                                        std::size_t, std::uint64_t, std::uint64_t, bool, double, \
                                        std::vector<double>&, std::uint64_t*, const run_hooks&); \
  template void cuda_count_nearest_centre(                                                       \
      const family_model<Family>&, const double*, std::size_t, std::size_t, std::uint64_t,       \
      std::uint64_t, bool, const double*, std::size_t, std::uint64_t*, const run_hooks&);        \
  template void cuda_mixture_accumulate(const family_model<Family>&, const mixture_problem&,     \
                                        double*, double*, const run_hooks&);
ISMC_RATES_DEVICE_FAMILY(gaussian_location_test)
ISMC_RATES_DEVICE_FAMILY(normal_t_test)
ISMC_RATES_DEVICE_FAMILY(binomial_count_test)
ISMC_RATES_DEVICE_FAMILY(binomial_pairwise_test)
#undef ISMC_RATES_DEVICE_FAMILY

}  // namespace ismc::detail
