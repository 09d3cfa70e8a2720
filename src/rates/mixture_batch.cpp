#include "rates/mixture_batch.hpp"

#include "rates/exp_polynomial.hpp"

namespace ismc::detail {

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define ISMC_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define ISMC_VECTOR_CLONES
#endif

ISMC_VECTOR_CLONES
void direct_mixture_terms(std::size_t count, const double* shift, const double* log_ratio_j,
                          const double* const* scaled, const double* weight, std::size_t used,
                          double own_weight, double exponent_limit, double smallest_sum,
                          double* scratch, double* term) {
  // The weighted sums, one row at a time in the order of the rows (a small matrix product).
  double* weighted = scratch;
  for (std::size_t r = 0; r < count; ++r) weighted[r] = 0.0;
  for (std::size_t u = 0; u < used; ++u) {
    const double w = weight[u];
    const double* row = scaled[u];
    for (std::size_t r = 0; r < count; ++r) weighted[r] += w * row[r];
  }
  for (std::size_t r = 0; r < count; ++r) {
    const double exponent = shift[r] - log_ratio_j[r];
    // Bitwise & and selects, not branches: the loop stays one straight vector body.
    const bool in_range = (exponent >= exp_polynomial_lowest) & (exponent < exponent_limit);
    const double safe_exponent = in_range ? exponent : 0.0;
    const double denominator = own_weight + exp_polynomial(safe_exponent) * weighted[r];
    const bool direct = in_range & (weighted[r] > smallest_sum) & (denominator > smallest_sum);
    term[r] = direct ? 1.0 / denominator : -1.0;
  }
}

ISMC_VECTOR_CLONES
void sum_and_squares(const double* term, std::size_t count, double* sum, double* sum_squares) {
  constexpr std::size_t lanes = 8;
  double total[lanes] = {}, squares[lanes] = {};
  std::size_t r = 0;
  for (; r + lanes <= count; r += lanes) {
    for (std::size_t l = 0; l < lanes; ++l) {
      total[l] += term[r + l];
      squares[l] += term[r + l] * term[r + l];
    }
  }
  for (std::size_t l = 0; r + l < count; ++l) {
    total[l] += term[r + l];
    squares[l] += term[r + l] * term[r + l];
  }
  double s = 0.0, q = 0.0;
  for (std::size_t l = 0; l < lanes; ++l) {
    s += total[l];
    q += squares[l];
  }
  *sum = s;
  *sum_squares = q;
}

}  // namespace ismc::detail
