#include "ismc/core/normals.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <vector>

#include "ismc/core/normal_math.hpp"
#include "ismc/core/rng.hpp"

namespace ismc {

// The batch compiled for one instruction set each (tests/core/normals_variant_*.cpp).
void standard_normals_batch_avx2(random_stream s, std::uint64_t sim_begin, std::size_t count,
                                 int dim, double* z);
void standard_normals_batch_baseline(random_stream s, std::uint64_t sim_begin, std::size_t count,
                                     int dim, double* z);

namespace {

// The batch against `standard_normals` one simulation at a time, bit for bit.
void expect_batch_is_scalar(random_stream s, std::uint64_t sim_begin, std::size_t count, int dim) {
  std::vector<double> batch(count * static_cast<std::size_t>(dim) + 1, -7.0);
  standard_normals_batch(s, sim_begin, count, dim, batch.data());
  EXPECT_EQ(batch.back(), -7.0) << "wrote past the end";
  std::vector<double> one(static_cast<std::size_t>(dim > 0 ? dim : 1));
  for (std::size_t i = 0; i < count; ++i) {
    standard_normals(s, sim_begin + i, one.data(), dim);
    ASSERT_EQ(std::memcmp(one.data(), batch.data() + i * static_cast<std::size_t>(dim),
                          static_cast<std::size_t>(dim) * sizeof(double)),
              0)
        << "seed " << s.seed << " stream " << s.stream << " domain " << int{s.domain} << " sim "
        << sim_begin + i << " dim " << dim;
  }
}

TEST(StandardNormalsBatch, EqualsTheScalarPathBitForBit) {
  const random_stream streams[] = {{0, 0, 0},
                                   {2026, 1, 0},
                                   {0x9e3779b97f4a7c15ull, 12345u, 3},
                                   {0xffffffffffffffffull, 0xffffffffu, 255}};
  for (const random_stream& s : streams) {
    for (int dim : {1, 2, 3, 4, 5, 7, 8, 9, 17, 64}) {
      for (std::size_t count :
           {std::size_t{1}, std::size_t{15}, std::size_t{16}, std::size_t{17}, std::size_t{100}}) {
        // Batch starts that are and are not multiples of 16, and one crossing 2^32.
        for (std::uint64_t begin :
             std::initializer_list<std::uint64_t>{0, 5, 1000003, 0xfffffff8ull, ~0ull - 200}) {
          expect_batch_is_scalar(s, begin, count, dim);
        }
      }
    }
  }
}

// Many simulations: the vector lanes meet every quadrant and every exponent of u.
TEST(StandardNormalsBatch, EqualsTheScalarPathOnManySimulations) {
  expect_batch_is_scalar(random_stream{42, 7, 0}, 123, 200000, 2);
  expect_batch_is_scalar(random_stream{1, 2, 0}, 0, 50000, 3);
}

// Every instruction set's batch gives the library's bits (the library runs the AVX-512
// variant where the CPU has it, as here).
TEST(StandardNormalsBatch, EveryInstructionSetGivesTheSameBits) {
  const random_stream s{2027, 3, 1};
  for (int dim : {1, 2, 5}) {
    const std::size_t count = 20000;
    const std::size_t size = count * static_cast<std::size_t>(dim);
    std::vector<double> library(size), baseline(size), avx2(size);
    standard_normals_batch(s, 17, count, dim, library.data());
    standard_normals_batch_baseline(s, 17, count, dim, baseline.data());
    EXPECT_EQ(std::memcmp(library.data(), baseline.data(), size * sizeof(double)), 0)
        << "baseline, dim " << dim;
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
      standard_normals_batch_avx2(s, 17, count, dim, avx2.data());
      EXPECT_EQ(std::memcmp(library.data(), avx2.data(), size * sizeof(double)), 0)
          << "AVX2, dim " << dim;
    }
#endif
  }
}

TEST(StandardNormalsBatch, NoNormalsAndNoSimulationsWriteNothing) {
  double z = -7.0;
  standard_normals_batch(random_stream{1, 0, 0}, 0, 0, 3, &z);
  standard_normals_batch(random_stream{1, 0, 0}, 0, 5, 0, &z);
  EXPECT_EQ(z, -7.0);
}

// The host's scalar Box–Muller is the ISMC_HD polynomial form, bit for bit (as the device's).
TEST(StandardNormalsBatch, HostBoxMullerIsThePolynomialForm) {
  std::uint32_t state = 99u;
  for (int trial = 0; trial < 100000; ++trial) {
    philox_block bits;
    for (std::uint32_t& word : bits.v) word = state = state * 1664525u + 1013904223u;
    double a0, a1, b0, b1;
    box_muller(bits, &a0, &a1);
    detail::box_muller_polynomial(bits, &b0, &b1);
    ASSERT_EQ(std::memcmp(&a0, &b0, sizeof a0), 0);
    ASSERT_EQ(std::memcmp(&a1, &b1, sizeof a1), 0);
    ASSERT_EQ(box_muller_first(bits), a0);
  }
}

}  // namespace
}  // namespace ismc
