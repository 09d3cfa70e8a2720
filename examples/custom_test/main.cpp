// A study of a test that ismc does not ship: in X ~ N(θ, I_2), reject when both
// coordinates exceed c (an intersection-union test). The Gaussian family comes from ismc;
// the test is defined here, against the public headers only.
#include <cmath>
#include <cstdio>
#include <ismc/backend.hpp>
#include <ismc/error.hpp>
#include <ismc/gaussian.hpp>
#include <ismc/rates.hpp>
#include <ismc/study.hpp>
#include <optional>
#include <string>

namespace {

class both_exceed : public ismc::gaussian_family {
 public:
  explicit both_exceed(double critical) : ismc::gaussian_family(2), critical_(critical) {}
  std::string name() const override { return "gaussian/both_exceed"; }
  bool reject(const double* x) const override { return x[0] > critical_ && x[1] > critical_; }
  std::optional<double> exact_rate(const double* theta) const override {
    auto upper = [](double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); };
    return upper(critical_ - theta[0]) * upper(critical_ - theta[1]);
  }

 private:
  double critical_;
};

}  // namespace

int main() {
  try {
    both_exceed test(1.645);
    ismc::rates_study study;
    study.grid.lower = {0.0, 0.0};
    study.grid.upper = {2.0, 2.0};
    study.grid.points = {3, 3};
    study.plain.sims = 200000;
    const auto backend = ismc::make_backend(ismc::backend_kind::automatic);
    const ismc::rates_result result = ismc::run_rates(test, study, *backend);
    std::printf("%8s %8s %12s %12s %12s\n", "theta_0", "theta_1", "estimate", "std_error", "exact");
    int failures = 0;
    for (const ismc::rate_row& row : result.rows) {
      std::printf("%8.3f %8.3f %12.6f %12.6f %12.6f\n", row.theta[0], row.theta[1], row.estimate,
                  row.std_error, *row.exact);
      // The example checks itself: every estimate within 4 standard errors of the exact rate.
      if (std::fabs(row.estimate - *row.exact) > 4.0 * row.std_error + 1e-12) ++failures;
    }
    // On a CUDA backend this test, which has no device form, runs on the host: the result
    // says so (result.stages, and once in result.warnings).
    for (const std::string& warning : result.warnings) {
      std::fprintf(stderr, "custom_test: warning: %s\n", warning.c_str());
    }
    if (failures > 0) {
      std::fprintf(stderr, "custom_test: %d estimates off by more than 4 standard errors\n", failures);
      return 1;
    }
    return 0;
  } catch (const ismc::error& e) {
    std::fprintf(stderr, "custom_test: error: %s\n", e.what());
    return 1;
  }
}
