// The rates backend factory: the CPU always, CUDA refused loudly where it cannot be had.
#include "ismc/rates/backend.hpp"

#include <gtest/gtest.h>

#include "ismc/core/error.hpp"

namespace ismc {
namespace {

TEST(Backend, CudaIsRefusedLoudlyWhenNotCompiled) {
#if !defined(ISMC_HAVE_CUDA)
  EXPECT_THROW(make_backend(backend_kind::cuda), not_compiled);
#endif
  EXPECT_EQ(make_backend(backend_kind::cpu)->name(), "cpu");
}

}  // namespace
}  // namespace ismc
