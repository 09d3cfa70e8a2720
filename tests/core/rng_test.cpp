#include "ismc/core/rng.hpp"

#include <gtest/gtest.h>

#include <Random123/philox.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace ismc {
namespace {

struct known_answer {
  philox_block counter;
  std::uint32_t key[2];
  philox_block expected;
};

// Random123's published known-answer vectors for philox4x32 with 10 rounds
// (tests/kat_vectors of the Random123 distribution: counter, key, expected).
const known_answer known_answers[] = {
    {{{0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u}},
     {0x00000000u, 0x00000000u},
     {{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}}},
    {{{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}},
     {0xffffffffu, 0xffffffffu},
     {{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}}},
    {{{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}},
     {0xa4093822u, 0x299f31d0u},
     {{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}}},
};

TEST(Philox, PassesRandom123KnownAnswerVectors) {
  for (const known_answer& kat : known_answers) {
    const philox_block out = philox4x32_10(kat.counter, kat.key[0], kat.key[1]);
    for (int w = 0; w < 4; ++w) EXPECT_EQ(out.v[w], kat.expected.v[w]) << "word " << w;
  }
}

TEST(Philox, EqualsRandom123OnManyInputs) {
  r123::Philox4x32 reference;
  std::uint32_t state = 12345u;
  auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return state;
  };
  for (int trial = 0; trial < 10000; ++trial) {
    const philox_block counter = {{next(), next(), next(), next()}};
    const std::uint32_t key0 = next();
    const std::uint32_t key1 = next();
    const r123::Philox4x32::ctr_type ctr = {
        {counter.v[0], counter.v[1], counter.v[2], counter.v[3]}};
    const r123::Philox4x32::key_type key = {{key0, key1}};
    const auto expected = reference(ctr, key);
    const philox_block out = philox4x32_10(counter, key0, key1);
    for (int w = 0; w < 4; ++w) ASSERT_EQ(out.v[w], expected.v[w]);
  }
}

TEST(RandomBits, LayoutOfSeedStreamSimulationAndBlock) {
  const random_stream s{0x0123456789abcdefull, 7u};
  const std::uint64_t sim = 0x1122334455667788ull;
  const philox_block counter = {{3u, 0x55667788u, 0x11223344u, 0x01234567u}};
  const philox_block expected = philox4x32_10(counter, 0x89abcdefu, 7u);
  const philox_block out = random_bits(s, sim, 3u);
  for (int w = 0; w < 4; ++w) EXPECT_EQ(out.v[w], expected.v[w]);
}

TEST(Uniforms, EndpointsAreExact) {
  EXPECT_EQ(uniform_open_closed(0u, 0u), 0x1.0p-53);
  EXPECT_EQ(uniform_open_closed(0xffffffffu, 0xffffffffu), 1.0);
  EXPECT_EQ(uniform_closed_open(0u, 0u), 0.0);
  EXPECT_EQ(uniform_closed_open(0xffffffffu, 0xffffffffu), 1.0 - 0x1.0p-53);
}

TEST(BoxMuller, MatchesTheFormulaAndStaysFinite) {
  const philox_block smallest = {{0u, 0u, 0u, 0u}};
  double z0, z1;
  box_muller(smallest, &z0, &z1);
  EXPECT_DOUBLE_EQ(z0, std::sqrt(-2.0 * std::log(0x1.0p-53)));  // angle 0: cos = 1
  EXPECT_EQ(z1, 0.0);
  EXPECT_LT(z0, 8.58);
  const philox_block largest = {{0xffffffffu, 0xffffffffu, 0u, 0u}};
  box_muller(largest, &z0, &z1);
  EXPECT_EQ(z0, 0.0);  // u = 1: radius 0
  EXPECT_EQ(z1, 0.0);
}

// Moments of 10^6 normals: mean 0 ± 4/√n, variance 1 ± 4·√(2/n), kurtosis 3 ± 4·√(24/n),
// and the tail fraction P(Z > 2) against its exact value.
TEST(StandardNormals, MomentsAndTailMatchTheNormal) {
  const std::uint64_t n = 500000;
  double sum = 0.0, sum2 = 0.0, sum4 = 0.0;
  std::uint64_t above_two = 0;
  double z[2];
  for (std::uint64_t i = 0; i < n; ++i) {
    standard_normals(random_stream{2026, 1}, i, z, 2);
    for (double value : z) {
      sum += value;
      sum2 += value * value;
      sum4 += value * value * value * value;
      above_two += value > 2.0 ? 1 : 0;
    }
  }
  const double count = 2.0 * static_cast<double>(n);
  EXPECT_NEAR(sum / count, 0.0, 4.0 / std::sqrt(count));
  EXPECT_NEAR(sum2 / count, 1.0, 4.0 * std::sqrt(2.0 / count));
  EXPECT_NEAR(sum4 / count, 3.0, 4.0 * std::sqrt(96.0 / count));
  const double tail = 0.5 * std::erfc(2.0 / std::sqrt(2.0));
  EXPECT_NEAR(static_cast<double>(above_two) / count, tail,
              4.0 * std::sqrt(tail * (1.0 - tail) / count));
}

TEST(StandardNormals, StreamsAndSimulationsDiffer) {
  double a[3], b[3], c[3], d[3];
  standard_normals(random_stream{1, 0}, 0, a, 3);
  standard_normals(random_stream{1, 1}, 0, b, 3);
  standard_normals(random_stream{1, 0}, 1, c, 3);
  standard_normals(random_stream{2, 0}, 0, d, 3);
  EXPECT_NE(a[0], b[0]);
  EXPECT_NE(a[0], c[0]);
  EXPECT_NE(a[0], d[0]);
  EXPECT_NE(a[0], a[1]);
  EXPECT_NE(a[2], a[0]);
  // Asking for fewer normals gives a prefix of the same sequence.
  double prefix[1];
  standard_normals(random_stream{1, 0}, 0, prefix, 1);
  EXPECT_EQ(prefix[0], a[0]);
}

}  // namespace
}  // namespace ismc
