#include "rates/mixture_batch.hpp"

#include "rates/exp_polynomial.hpp"

#include <cmath>
#include <cstring>

namespace ismc::detail {

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
// x86-64-v4: AVX-512 with FMA; v3: AVX2 with FMA; the baseline calls libm's fma (slow, but
// the same bits: every multiply-add is an explicit std::fma, nothing else is contracted).
#define ISMC_VECTOR_CLONES \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define ISMC_VECTOR_CLONES
#endif

namespace {

// The kernel for `Used` rows known at compile time (0 = any number, `used`): per sample, the
// weighted sum of its rows in the order of the rows (a small matrix product; with `Used`
// fixed the inner loop unrolls and the loop over samples vectorizes with the sum in a
// register), one exponential and one division.
template <std::size_t Used>
inline __attribute__((always_inline)) std::size_t terms_kernel(
    std::size_t count, const double* shift, const double* log_ratio_j, const double* const* scaled,
    const double* weight, std::size_t used, double own_weight, double exponent_limit,
    double smallest_sum, double* scratch, double* term) {
  // Blocks of samples small enough that the weighted sums stay in L1 between the two passes.
  constexpr std::size_t block = 512;
  std::size_t unsafe = 0;
  const std::size_t rows = Used > 0 ? Used : used;
  const double* row[Used > 0 ? Used : 1];
  double w[Used > 0 ? Used : 1];
  for (std::size_t u = 0; u < Used; ++u) w[u] = weight[u];
  for (std::size_t first = 0; first < count; first += block) {
    const std::size_t size = count - first < block ? count - first : block;
    double* weighted = scratch;
    const double* block_shift = shift + first;
    const double* block_log_ratio = log_ratio_j + first;
    double* block_term = term + first;
    if constexpr (Used > 0) {
      // One pass: the weighted sum, its exponential and the division per sample.
      for (std::size_t u = 0; u < Used; ++u) row[u] = scaled[u] + first;
      for (std::size_t r = 0; r < size; ++r) {
        double sum = 0.0;
        for (std::size_t u = 0; u < Used; ++u) sum = std::fma(w[u], row[u][r], sum);
        const double exponent = block_shift[r] - block_log_ratio[r];
        const bool in_range = (exponent >= exp_polynomial_lowest) & (exponent < exponent_limit);
        const double safe_exponent = in_range ? exponent : 0.0;
        const double denominator = std::fma(exp_polynomial_fma(safe_exponent), sum, own_weight);
        const bool direct = in_range & (sum > smallest_sum) & (denominator > smallest_sum);
        block_term[r] = direct ? 1.0 / denominator : -1.0;
        unsafe += direct ? 0 : 1;
      }
      continue;
    } else {
      for (std::size_t r = 0; r < size; ++r) weighted[r] = 0.0;
      for (std::size_t u = 0; u < rows; ++u) {
        const double weight_u = weight[u];
        const double* row_u = scaled[u] + first;
        for (std::size_t r = 0; r < size; ++r)
          weighted[r] = std::fma(weight_u, row_u[r], weighted[r]);
      }
    }
    for (std::size_t r = 0; r < size; ++r) {
      const double exponent = block_shift[r] - block_log_ratio[r];
      // Bitwise & and selects, not branches: the loop stays one straight vector body.
      const bool in_range = (exponent >= exp_polynomial_lowest) & (exponent < exponent_limit);
      const double safe_exponent = in_range ? exponent : 0.0;
      const double denominator =
          std::fma(exp_polynomial_fma(safe_exponent), weighted[r], own_weight);
      const bool direct = in_range & (weighted[r] > smallest_sum) & (denominator > smallest_sum);
      block_term[r] = direct ? 1.0 / denominator : -1.0;
      unsafe += direct ? 0 : 1;
    }
  }
  return unsafe;
}

}  // namespace

ISMC_VECTOR_CLONES
std::size_t direct_mixture_terms(std::size_t count, const double* shift, const double* log_ratio_j,
                                 const double* const* scaled, const double* weight,
                                 std::size_t used, double own_weight, double exponent_limit,
                                 double smallest_sum, double* scratch, double* term) {
#define ISMC_TERMS(n)                                                                 \
  return terms_kernel<n>(count, shift, log_ratio_j, scaled, weight, used, own_weight, \
                         exponent_limit, smallest_sum, scratch, term)
  // The usual numbers of clusters unrolled; any other number through the general loop.
  switch (used) {
    case 1:
      ISMC_TERMS(1);
    case 2:
      ISMC_TERMS(2);
    case 3:
      ISMC_TERMS(3);
    case 4:
      ISMC_TERMS(4);
    case 5:
      ISMC_TERMS(5);
    case 6:
      ISMC_TERMS(6);
    case 7:
      ISMC_TERMS(7);
    case 8:
      ISMC_TERMS(8);
    default:
      ISMC_TERMS(0);
  }
#undef ISMC_TERMS
}

ISMC_VECTOR_CLONES
std::size_t own_mixture_terms(std::size_t count, const double* const* log_ratio,
                              const double* weight, std::size_t used, double own_weight,
                              double exponent_limit, double smallest_sum, double* term) {
  // `term` first holds the denominators, summed row by row in the order of the rows (the
  // same order whatever the vector width), then their reciprocals; a ratio at or above the
  // limit (or NaN) marks the sample with +inf, which no later sum brings back.
  constexpr double infinity = __builtin_inf();
  for (std::size_t r = 0; r < count; ++r) term[r] = own_weight;
  for (std::size_t u = 0; u < used; ++u) {
    const double weight_u = weight[u];
    const double* row = log_ratio[u];
    for (std::size_t r = 0; r < count; ++r) {
      const double exponent = row[r];
      const bool below = exponent < exp_polynomial_lowest;
      const bool above = !(exponent < exponent_limit);
      const double safe_exponent = below | above ? 0.0 : exponent;
      const double sum =
          std::fma(below ? 0.0 : weight_u, exp_polynomial_fma(safe_exponent), term[r]);
      term[r] = above ? infinity : sum;
    }
  }
  std::size_t unsafe = 0;
  for (std::size_t r = 0; r < count; ++r) {
    const double denominator = term[r];
    const bool direct = (denominator > smallest_sum) & (denominator < infinity);
    term[r] = direct ? 1.0 / denominator : -1.0;
    unsafe += direct ? 0 : 1;
  }
  return unsafe;
}

ISMC_VECTOR_CLONES
void shifted_exponentials(const double* log_ratio, const double* shift, std::size_t count,
                          double* out) {
  for (std::size_t r = 0; r < count; ++r) {
    const double exponent = log_ratio[r] - shift[r];
    const bool in_range = exponent >= exp_polynomial_lowest;
    const double value = exp_polynomial_fma(in_range ? exponent : 0.0);
    out[r] = in_range ? value : 0.0;
  }
}

ISMC_VECTOR_CLONES
void nearest_centres_1d(const double* points, std::size_t count, const double* centres,
                        std::size_t n_centres, std::uint64_t* label) {
  // The best distance so far in blocks on the stack; labels as 64-bit integers, the width of
  // the distances, so that one vector holds both.
  constexpr std::size_t block = 256;
  double best[block];
  for (std::size_t first = 0; first < count; first += block) {
    const std::size_t size = count - first < block ? count - first : block;
    const double* point = points + first;
    std::uint64_t* block_label = label + first;
    for (std::size_t at = 0; at < size; ++at) {
      const double delta = point[at] - centres[0];
      double distance = 0.0;
      distance += delta * delta;
      best[at] = distance;
      block_label[at] = 0;
    }
    for (std::size_t c = 1; c < n_centres; ++c) {
      const double centre = centres[c];
      for (std::size_t at = 0; at < size; ++at) {
        const double delta = point[at] - centre;
        double distance = 0.0;
        distance += delta * delta;
        const bool closer = distance < best[at];
        best[at] = closer ? distance : best[at];
        block_label[at] = closer ? c : block_label[at];
      }
    }
  }
}

ISMC_VECTOR_CLONES
void sum_and_squares(const double* term, std::size_t count, double* sum, double* sum_squares) {
  // Eight lanes in one vector (GCC's vector extension: one 512-bit register on AVX-512, two
  // or four narrower ones elsewhere, the same element-wise arithmetic); lane l sums the
  // terms l, l + 8, l + 16, … in order, then the lanes are added in order. (Written as a
  // plain loop over eight accumulators, GCC vectorized it across the samples instead, with
  // permutes and one chained sum.)
  typedef double lanes_t __attribute__((vector_size(8 * sizeof(double))));
  constexpr std::size_t lanes = 8;
  lanes_t total = {}, squares = {};
  std::size_t r = 0;
  for (; r + lanes <= count; r += lanes) {
    lanes_t value;
    std::memcpy(&value, term + r, sizeof value);
    total += value;
    squares += value * value;
  }
  double tail[lanes] = {};
  for (std::size_t l = 0; r + l < count; ++l) tail[l] = term[r + l];
  lanes_t value;
  std::memcpy(&value, tail, sizeof value);
  total += value;
  squares += value * value;
  double s = 0.0, q = 0.0;
  for (std::size_t l = 0; l < lanes; ++l) {
    s += total[l];
    q += squares[l];
  }
  *sum = s;
  *sum_squares = q;
}

}  // namespace ismc::detail
