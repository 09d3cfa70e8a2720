#pragma once
/// @file variates.hpp
/// @brief Exact non-uniform variates from a counter-based stream, host and device alike:
/// binomial (inversion from the smaller tail, or Hörmann's BTRD), standard gamma
/// (Marsaglia–Tsang, with the U^{1/shape} boost below shape 1) and chi-square.
///
/// Every variate is a pure function of (stream, sim, first_block, parameters): it reads
/// Philox blocks of simulation `sim` of stream `s` (rng.hpp) from a fixed window of
/// consecutive blocks that starts at `first_block`, one block per attempt of its rejection
/// loop, so that it gives the same value on any thread, CPU or GPU.
///
/// The window. A variate owns the W blocks first_block .. first_block + W − 1
/// (W = `binomial_variate_blocks` or `gamma_variate_blocks`): a caller that gives arm or
/// coordinate i the first block `first_block_0 + i · W` (`variate_first_block`) is sure that
/// no two of them read one block. Inside the window:
///
///     attempt t < W − 1 (binomial) reads block first_block + t;
///     the gamma reads its boost uniform from block first_block and attempt t < W − 2 from
///     block first_block + 1 + t;
///     the window's last block, first_block + W − 1, is never used as uniforms: it is the key
///     of the overflow region.
///
/// The overflow region. An attempt past those (t ≥ W − 1 for the binomial, t ≥ W − 2 for
/// the gamma) reads Philox4x32-10 of counter {t, k2, k3, `variate_overflow_tag`} under key
/// {k0, k1}, where k = random_bits(s, sim, first_block + W − 1) is the window's last block:
/// a further stream, private to this variate, that never reads a block of the layout
/// (streams.hpp) and so never reaches another arm's window. An attempt of BTRD is
/// rejected with probability below 0.3 (about 0.27 at n·p = 10, where BTRD starts, less
/// above), one of Marsaglia–Tsang below 0.06 (about 0.05 at shape 1); inversion rejects
/// only in its rounding leftover (below 1e-15); tests/core/variates_test.cpp measures these
/// rates. A draw therefore reaches the overflow region with probability below 0.3^30 <
/// 3e-16: never in practice, and still exactly when it does (the tests force it with
/// windows of 1 and 2 blocks).
///
/// The caller keeps first_block + W ≤ `random_block_limit` (2^24) in a stream of a nonzero
/// domain (rng.hpp), and states its blocks in its own stream table.
///
/// Uniforms: a block gives two 53-bit uniforms, (v0, v1) and (v2, v3), as in rng.hpp.
/// Accuracy: the methods are exact given exact uniforms; in floating point, the binomial's
/// probabilities are off by rounding only (relative 1e-13 near the mode, the inversion's
/// running sum by 1e-16 absolute), the gamma's by the 53-bit (normal's radius, boost) and
/// 32-bit (normal's angle, acceptance) resolution of its uniforms, below 2^-32 in any
/// probability.

#include <cmath>
#include <cstdint>

#include "ismc/core/config.hpp"
#include "ismc/core/rng.hpp"

namespace ismc {

/// Blocks in one binomial variate's window: attempts 0 .. 30 read blocks
/// first_block .. first_block + 30, block first_block + 31 keys the overflow region.
inline constexpr std::uint32_t binomial_variate_blocks = 32;
/// Blocks in one gamma (or chi-square) variate's window: block first_block holds the boost
/// uniform (shape < 1), attempts 0 .. 29 read blocks first_block + 1 .. first_block + 30,
/// block first_block + 31 keys the overflow region.
inline constexpr std::uint32_t gamma_variate_blocks = 32;
/// The fourth counter word of every overflow attempt ("OVFL"), which no layout block has
/// as its fourth word unless the seed's high word equals it; the key differs anyway.
inline constexpr std::uint32_t variate_overflow_tag = 0x4F56464Cu;

/// The first block of coordinate (or arm) `index` when coordinates take consecutive
/// windows of `window` blocks from `first_block`: first_block + index · window.
ISMC_HD constexpr std::uint32_t variate_first_block(std::uint32_t first_block, std::uint32_t index,
                                                    std::uint32_t window) {
  return first_block + index * window;
}

/// The blocks of one variate's window: attempt t's block, or past the window's direct
/// blocks the overflow region (see the file's comment).
struct variate_window {
  random_stream stream;       ///< the consumer's stream
  std::uint64_t sim = 0;      ///< the simulation
  std::uint32_t first_block;  ///< the window's first block
  std::uint32_t blocks;       ///< W, the window's size (at least 1; 1 sends every slot to
                              ///< the overflow region)

  /// The block of the stream that slot `slot` reads: first_block + slot while slot < W − 1,
  /// else the overflow region's key block first_block + W − 1.
  ISMC_HD std::uint32_t block_of(std::uint32_t slot) const {
    return slot + 1 < blocks ? first_block + slot : first_block + blocks - 1;
  }
  /// Whether slot `slot` lies in the overflow region (slot ≥ W − 1).
  ISMC_HD bool in_overflow(std::uint32_t slot) const { return slot + 1 >= blocks; }

  /// The Philox block of slot `slot` of the window: block first_block + slot while
  /// slot < W − 1, the overflow region's slot-th block after that.
  ISMC_HD philox_block operator()(std::uint32_t slot) const {
    if (!in_overflow(slot)) {
      return random_bits(stream, sim, block_of(slot));
    }
    const philox_block key = random_bits(stream, sim, block_of(slot));
    const philox_block counter = {{slot, key.v[2], key.v[3], variate_overflow_tag}};
    return philox4x32_10(counter, key.v[0], key.v[1]);
  }
};

namespace detail {

/// The first 53-bit uniform of a block, in (0, 1].
ISMC_HD inline double first_uniform(const philox_block& b) {
  return uniform_open_closed(b.v[0], b.v[1]);
}
/// The second 53-bit uniform of a block, in (0, 1].
ISMC_HD inline double second_uniform(const philox_block& b) {
  return uniform_open_closed(b.v[2], b.v[3]);
}

/// Stirling's correction fc(k) = log k! − [(k + ½) log(k + 1) − (k + 1) + ½ log 2π], from a
/// table below 10 and its series in 1/(k + 1) above (Hörmann 1993; error below 1e-15).
ISMC_HD inline double stirling_correction(std::int64_t k) {
  switch (k) {
    case 0:
      return 0.08106146679532726;
    case 1:
      return 0.04134069595540929;
    case 2:
      return 0.02767792568499834;
    case 3:
      return 0.02079067210376509;
    case 4:
      return 0.01664469118982119;
    case 5:
      return 0.01387612882307075;
    case 6:
      return 0.01189670994589177;
    case 7:
      return 0.01041126526197209;
    case 8:
      return 0.009255462182712733;
    case 9:
      return 0.008330563433362871;
    default:
      break;
  }
  const double inverse = 1.0 / static_cast<double>(k + 1);
  const double inverse_squared = inverse * inverse;
  return (1.0 / 12 - (1.0 / 360 - (1.0 / 1260) * inverse_squared) * inverse_squared) * inverse;
}

/// Binomial(n, p) by inversion, 0 < p ≤ ½: the smallest k with u < F(k), the pmf by the
/// recursion f(k + 1) = f(k) · (n − k)/(k + 1) · p/(1 − p) from f(0) = exp(n log1p(−p)).
/// Attempt t reads one uniform of slot t; the loop's rounding leftover (u past the summed
/// mass, or the pmf underflowing) rejects and takes the next slot, so the result follows
/// the computed pmf renormalised. Expected steps n·p + 1.
template <class Blocks>
ISMC_HD std::uint32_t binomial_inversion(const Blocks& blocks, std::uint32_t n, double p) {
  const double odds = p / (1.0 - p);
  const double first_mass = exp(static_cast<double>(n) * log1p(-p));
  for (std::uint32_t attempt = 0;; ++attempt) {
    const philox_block bits = blocks(attempt);
    double u = uniform_closed_open(bits.v[0], bits.v[1]);
    double mass = first_mass;
    std::uint32_t k = 0;
    bool rejected = false;
    while (u >= mass) {
      u -= mass;
      if (k == n || mass == 0.0) {
        rejected = true;
        break;
      }
      mass *= static_cast<double>(n - k) / static_cast<double>(k + 1) * odds;
      ++k;
    }
    if (!rejected) {
      return k;
    }
  }
}

/// Binomial(n, p) by BTRD (Hörmann 1993, "The generation of binomial random variates",
/// J. Statist. Comput. Simul. 46, algorithm BTRD; as in Boost.Random), 0 < p ≤ ½ and
/// n·p ≥ 10: transformed rejection with a squeeze, the exact pmf ratio by recursion
/// within 15 of the mode and by Stirling's series beyond. Attempt t reads slot t: its
/// first uniform, and its second when the squeeze does not decide.
template <class Blocks>
ISMC_HD std::uint32_t binomial_btrd(const Blocks& blocks, std::uint32_t n, double p) {
  const double q = 1.0 - p;
  const double trials = static_cast<double>(n);
  const std::int64_t mode = static_cast<std::int64_t>((trials + 1.0) * p);
  const double odds = p / q;
  const double scaled_odds = (trials + 1.0) * odds;
  const double variance = trials * p * q;
  const double sd = sqrt(variance);
  const double b = 1.15 + 2.53 * sd;
  const double a = -0.0873 + 0.0248 * b + 0.01 * p;
  const double c = trials * p + 0.5;
  const double alpha = (2.83 + 5.1 / b) * sd;
  const double v_r = 0.92 - 4.2 / b;
  const double u_rv_r = 0.86 * v_r;
  for (std::uint32_t attempt = 0;; ++attempt) {
    const philox_block bits = blocks(attempt);
    double v = first_uniform(bits);
    double u;
    if (v <= u_rv_r) {  // the squeeze: inside the triangle, accept at once
      u = v / v_r - 0.43;
      return static_cast<std::uint32_t>(floor((2.0 * a / (0.5 - fabs(u)) + b) * u + c));
    }
    if (v >= v_r) {
      u = second_uniform(bits) - 0.5;
    } else {
      u = v / v_r - 0.93;
      u = (u < 0 ? -0.5 : 0.5) - u;
      v = second_uniform(bits) * v_r;
    }
    const double us = 0.5 - fabs(u);
    const double k_real = floor((2.0 * a / us + b) * u + c);
    if (k_real < 0.0 || k_real > trials) {
      continue;
    }
    const std::int64_t k = static_cast<std::int64_t>(k_real);
    v = v * alpha / (a / (us * us) + b);
    const std::int64_t distance = k > mode ? k - mode : mode - k;
    if (distance <= 15) {  // the pmf ratio f(k)/f(mode) by recursion
      double f = 1.0;
      if (mode < k) {
        for (std::int64_t i = mode + 1; i <= k; ++i) {
          f *= scaled_odds / static_cast<double>(i) - odds;
        }
      } else if (mode > k) {
        for (std::int64_t i = k + 1; i <= mode; ++i) {
          v *= scaled_odds / static_cast<double>(i) - odds;
        }
      }
      if (v <= f) {
        return static_cast<std::uint32_t>(k);
      }
      continue;
    }
    // Squeezes on log v, then the log pmf ratio by Stirling's series.
    const double km = static_cast<double>(distance);
    v = log(v);
    const double rho = (km / variance) * (((km / 3.0 + 0.625) * km + 1.0 / 6) / variance + 0.5);
    const double t = -km * km / (2.0 * variance);
    if (v < t - rho) {
      return static_cast<std::uint32_t>(k);
    }
    if (v > t + rho) {
      continue;
    }
    const double mode_real = static_cast<double>(mode);
    const double k_double = static_cast<double>(k);
    const double nm = trials - mode_real + 1.0;
    const double h = (mode_real + 0.5) * log((mode_real + 1.0) / (odds * nm)) +
                     stirling_correction(mode) + stirling_correction(n - mode);
    const double nk = trials - k_double + 1.0;
    if (v <= h + (trials + 1.0) * log(nm / nk) +
                 (k_double + 0.5) * log(nk * odds / (k_double + 1.0)) - stirling_correction(k) -
                 stirling_correction(n - k)) {
      return static_cast<std::uint32_t>(k);
    }
  }
}

/// Binomial(n, p) from the slots of `blocks`: 0 at p ≤ 0, n at p ≥ 1; otherwise the draw
/// for min(p, 1 − p) (mirrored, y ↦ n − y, when p > ½) by inversion when
/// n · min(p, 1 − p) < 10, by BTRD above.
template <class Blocks>
ISMC_HD std::uint32_t binomial_from(const Blocks& blocks, std::uint32_t n, double p) {
  if (n == 0 || p <= 0.0) {
    return 0;
  }
  if (p >= 1.0) {
    return n;
  }
  const bool mirrored = p > 0.5;
  const double smaller = mirrored ? 1.0 - p : p;  // exact: 1 − p for p in (½, 1)
  const std::uint32_t y = static_cast<double>(n) * smaller < 10.0
                              ? binomial_inversion(blocks, n, smaller)
                              : binomial_btrd(blocks, n, smaller);
  return mirrored ? n - y : y;
}

/// One attempt's normal and uniform for Marsaglia–Tsang: Box–Muller's first normal with a
/// 53-bit radius uniform (v0, v1) and a 32-bit angle (v2); the acceptance uniform in (0, 1]
/// from v3's 32 bits.
ISMC_HD inline void gamma_attempt_uniforms(const philox_block& b, double* normal, double* uniform) {
  const double radius_uniform = uniform_open_closed(b.v[0], b.v[1]);
  const double angle = two_pi * (static_cast<double>(b.v[2]) * 0x1.0p-32);
  *normal = sqrt(-2.0 * log(radius_uniform)) * cos(angle);
  *uniform = (static_cast<double>(b.v[3]) + 1.0) * 0x1.0p-32;
}

/// Standard gamma of shape ≥ 1 by Marsaglia and Tsang (2000), "A simple method for
/// generating gamma variables", ACM TOMS 26: d = shape − ⅓, c = 1/√(9d), x normal,
/// v = (1 + c x)³, accept d·v when u < 1 − 0.0331 x⁴ or log u < x²/2 + d(1 − v + log v).
/// Attempt t reads slot `first_slot` + t.
template <class Blocks>
ISMC_HD double gamma_marsaglia_tsang(const Blocks& blocks, std::uint32_t first_slot, double shape) {
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / sqrt(9.0 * d);
  for (std::uint32_t slot = first_slot;; ++slot) {
    double x, u;
    gamma_attempt_uniforms(blocks(slot), &x, &u);
    double v = 1.0 + c * x;
    if (v <= 0.0) {
      continue;
    }
    v = v * v * v;
    const double x_squared = x * x;
    if (u < 1.0 - 0.0331 * x_squared * x_squared) {
      return d * v;
    }
    if (log(u) < 0.5 * x_squared + d * (1.0 - v + log(v))) {
      return d * v;
    }
  }
}

/// Standard gamma of any shape > 0 from the slots of `blocks`: Marsaglia–Tsang from slot 1
/// at shape ≥ 1; below, Gamma(shape + 1) · U^{1/shape} with U the first uniform of slot 0
/// (computed as exp(log U / shape), which underflows to 0 only for shape below about 0.02).
template <class Blocks>
ISMC_HD double standard_gamma_from(const Blocks& blocks, double shape) {
  if (shape >= 1.0) {
    return gamma_marsaglia_tsang(blocks, 1, shape);
  }
  const double boost = exp(log(first_uniform(blocks(0))) / shape);
  return gamma_marsaglia_tsang(blocks, 1, shape + 1.0) * boost;
}

}  // namespace detail

/// An exact Binomial(n, p) variate: the number of successes in n independent trials of
/// success probability p.
/// @param s, sim the stream and simulation whose blocks it reads
/// @param first_block the first block of its window of `binomial_variate_blocks` blocks
///        (first_block + 32 ≤ 2^24 in a nonzero domain)
/// @param n trials, 1 ≤ n ≤ 10^6 (n = 0 gives 0)
/// @param p success probability in [0, 1]; p = 0 gives 0 and p = 1 gives n exactly, reading
///        no block
/// @return y in 0 .. n
///
/// Method: with m = min(p, 1 − p) (the draw mirrored, y ↦ n − y, when p > ½), inversion
/// from 0 (the smaller tail) when n·m < 10, reading slot 0 (and a further slot only in the
/// rounding leftover of the summed pmf); BTRD (Hörmann 1993) above, attempt t reading slot
/// t. Slot t < 31 is block first_block + t; later slots are the overflow region keyed by
/// block first_block + 31 (the file's comment). Expected blocks per variate: 1 (inversion),
/// below 1.43 (BTRD; about 1.37 at n·p = 10, 1.05 at n·p = 10^5).
ISMC_HD inline std::uint32_t binomial_variate(random_stream s, std::uint64_t sim,
                                              std::uint32_t first_block, std::uint32_t n,
                                              double p) {
  return detail::binomial_from(variate_window{s, sim, first_block, binomial_variate_blocks}, n, p);
}

/// An exact standard gamma variate: density x^{shape − 1} e^{−x} / Γ(shape), x > 0, mean and
/// variance `shape`.
/// @param s, sim the stream and simulation whose blocks it reads
/// @param first_block the first block of its window of `gamma_variate_blocks` blocks
///        (first_block + 32 ≤ 2^24 in a nonzero domain)
/// @param shape the shape, finite and > 0 (no check: a device function throws nothing)
/// @return a value ≥ 0 (0 only by underflow, for shape below about 0.02)
///
/// Method: Marsaglia–Tsang (2000) at shape ≥ 1; below, the boost Gamma(shape + 1) ·
/// U^{1/shape}. Slot 0 (block first_block) gives U (read only when shape < 1); attempt t of
/// Marsaglia–Tsang reads slot 1 + t: block first_block + 1 + t while t < 30, the overflow
/// region keyed by block first_block + 31 after. Expected attempts below 1.06 at any shape
/// (about 1.05 at shape 1, less away from it).
ISMC_HD inline double standard_gamma_variate(random_stream s, std::uint64_t sim,
                                             std::uint32_t first_block, double shape) {
  return detail::standard_gamma_from(variate_window{s, sim, first_block, gamma_variate_blocks},
                                     shape);
}

/// An exact chi-square variate with `degrees_of_freedom` > 0: 2 · Gamma(df/2), the sum of
/// df squared standard normals for integer df; it reads the window of
/// `standard_gamma_variate` (`gamma_variate_blocks` blocks from `first_block`).
ISMC_HD inline double chi_square_variate(random_stream s, std::uint64_t sim,
                                         std::uint32_t first_block, double degrees_of_freedom) {
  return 2.0 * standard_gamma_variate(s, sim, first_block, 0.5 * degrees_of_freedom);
}

}  // namespace ismc
