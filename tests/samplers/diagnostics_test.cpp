#include "ismc/samplers/diagnostics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/core/rng.hpp"

namespace ismc {
namespace {

const std::string data_dir = std::string(ISMC_TEST_DATA_DIR) + "/diagnostics/";

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream stream(line);
  std::string field;
  while (std::getline(stream, field, ',')) fields.push_back(field);
  return fields;
}

double parse_double(const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);  // reads NaN, Inf, -Inf too
  EXPECT_TRUE(end != text.c_str() && *end == '\0') << "not a number: '" << text << "'";
  return value;
}

/// reference.csv: one row per case, the values posterior 1.4.0 computed
/// (make_reference.R).
std::vector<std::map<std::string, std::string>> read_reference() {
  std::ifstream file(data_dir + "reference.csv");
  EXPECT_TRUE(file.good()) << "cannot open " << data_dir << "reference.csv";
  std::string line;
  std::getline(file, line);
  const std::vector<std::string> header = split_csv_line(line);
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(file, line)) {
    if (line.empty()) continue;
    const std::vector<std::string> fields = split_csv_line(line);
    EXPECT_EQ(fields.size(), header.size()) << line;
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < header.size() && i < fields.size(); ++i) row[header[i]] = fields[i];
    rows.push_back(row);
  }
  return rows;
}

/// A draws file: integers k, one row per iteration and one column per chain; the draw is
/// k / divisor (a power of two, so the division is exact).
chains read_draws(const std::string& name, double divisor) {
  std::ifstream file(data_dir + name);
  EXPECT_TRUE(file.good()) << "cannot open " << data_dir << name;
  std::string line;
  std::getline(file, line);
  chains draws(split_csv_line(line).size());
  while (std::getline(file, line)) {
    if (line.empty()) continue;
    const std::vector<std::string> fields = split_csv_line(line);
    EXPECT_EQ(fields.size(), draws.size()) << line;
    for (std::size_t chain = 0; chain < draws.size() && chain < fields.size(); ++chain) {
      draws[chain].push_back(parse_double(fields[chain]) / divisor);
    }
  }
  return draws;
}

/// Relative agreement with R. A reference of exactly 0 must be matched exactly; NaN
/// (posterior's NA) by NaN.
constexpr double relative_tolerance = 1e-12;

void expect_matches(double actual, double expected, const std::string& what) {
  if (std::isnan(expected)) {
    EXPECT_TRUE(std::isnan(actual)) << what << ": expected NaN (NA in R), got " << actual;
    return;
  }
  if (std::isinf(expected)) {
    EXPECT_EQ(actual, expected) << what;
    return;
  }
  const double error = std::abs(actual - expected);
  EXPECT_LE(error, relative_tolerance * std::abs(expected))
      << what << ": got " << actual << ", posterior 1.4.0 gives " << expected << " (relative error "
      << error / std::abs(expected) << ")";
}

TEST(DiagnosticsReference, AgreesWithPosterior140) {
  const auto rows = read_reference();
  ASSERT_EQ(rows.size(), 15u) << "reference.csv should hold the 15 cases of make_reference.R";
  for (const auto& row : rows) {
    const std::string name = row.at("case");
    SCOPED_TRACE("case " + name);
    const chains draws = read_draws(row.at("file"), parse_double(row.at("divisor")));
    ASSERT_EQ(draws.size(), static_cast<std::size_t>(std::stoi(row.at("n_chains"))));
    ASSERT_EQ(draws.front().size(), static_cast<std::size_t>(std::stoi(row.at("n_draws"))));
    const auto expected = [&](const char* column) {
      return parse_double(row.at(column));
    };

    expect_matches(rhat(draws), expected("rhat"), "rhat");
    expect_matches(ess_bulk(draws), expected("ess_bulk"), "ess_bulk");
    expect_matches(ess_tail(draws), expected("ess_tail"), "ess_tail");
    expect_matches(ess_mean(draws), expected("ess_mean"), "ess_mean");
    expect_matches(ess_quantile(draws, 0.05), expected("ess_q5"), "ess_quantile(0.05)");
    expect_matches(ess_quantile(draws, 0.95), expected("ess_q95"), "ess_quantile(0.95)");
    expect_matches(mcse_mean(draws), expected("mcse_mean"), "mcse_mean");
    expect_matches(mcse_sd(draws), expected("mcse_sd"), "mcse_sd");
    expect_matches(mcse_quantile(draws, 0.05), expected("mcse_q5"), "mcse_quantile(0.05)");
    expect_matches(mcse_quantile(draws, 0.5), expected("mcse_q50"), "mcse_quantile(0.5)");
    expect_matches(mcse_quantile(draws, 0.95), expected("mcse_q95"), "mcse_quantile(0.95)");
    expect_matches(quantile(draws, 0.05), expected("q5"), "quantile(0.05)");
    expect_matches(quantile(draws, 0.5), expected("q50"), "quantile(0.5)");
    expect_matches(quantile(draws, 0.95), expected("q95"), "quantile(0.95)");

    const parameter_summary summary = summarize(name, draws);
    EXPECT_EQ(summary.name, name);
    expect_matches(summary.mean, expected("mean"), "summary.mean");
    expect_matches(summary.mcse_mean, expected("mcse_mean"), "summary.mcse_mean");
    expect_matches(summary.sd, expected("sd"), "summary.sd");
    expect_matches(summary.mcse_sd, expected("mcse_sd"), "summary.mcse_sd");
    expect_matches(summary.q5, expected("q5"), "summary.q5");
    expect_matches(summary.q50, expected("q50"), "summary.q50");
    expect_matches(summary.q95, expected("q95"), "summary.q95");
    expect_matches(summary.ess_bulk, expected("ess_bulk"), "summary.ess_bulk");
    expect_matches(summary.ess_tail, expected("ess_tail"), "summary.ess_tail");
    expect_matches(summary.rhat, expected("rhat"), "summary.rhat");
  }
}

/// Stationary AR(1) chains with unit innovations from ismc's Philox normals: chain c is
/// stream c of `seed`. rho = 0 gives iid standard normals.
chains ar1_chains(std::uint64_t seed, int chain_count, int length, double rho) {
  chains draws(static_cast<std::size_t>(chain_count));
  for (int chain = 0; chain < chain_count; ++chain) {
    std::vector<double> z(static_cast<std::size_t>(length));
    standard_normals(random_stream{seed, static_cast<std::uint32_t>(chain)}, 0, z.data(), length);
    std::vector<double>& x = draws[static_cast<std::size_t>(chain)];
    x.resize(z.size());
    x[0] = z[0] / std::sqrt(1.0 - rho * rho);
    for (std::size_t t = 1; t < z.size(); ++t) x[t] = rho * x[t - 1] + z[t];
  }
  return draws;
}

// Independent draws: R-hat near 1 and every ESS near S. With S = 100000 the estimates'
// relative standard deviation is about 1.3% (40 seeds), so 10% is beyond 7 sigma.
TEST(DiagnosticsProperties, IndependentDrawsHaveRhatOneAndEssS) {
  for (std::uint64_t seed : {11u, 12u, 13u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const chains draws = ar1_chains(seed, 4, 25000, 0.0);
    const double total = 100000.0;
    EXPECT_LT(rhat(draws), 1.01);
    EXPECT_GT(rhat(draws), 0.99);
    EXPECT_NEAR(ess_bulk(draws) / total, 1.0, 0.10);
    EXPECT_NEAR(ess_mean(draws) / total, 1.0, 0.10);
    EXPECT_NEAR(ess_tail(draws) / total, 1.0, 0.10);
    // MCSE of the mean of iid N(0, 1): 1/sqrt(S).
    EXPECT_NEAR(mcse_mean(draws) * std::sqrt(total), 1.0, 0.10);
  }
}

// AR(1) with rho = 0.9: the integrated autocorrelation time is (1 + rho)/(1 - rho) = 19,
// so ESS = S/19. For 4 x 100000 draws the estimate's relative sd is about 2% (20 seeds);
// 15% is beyond 7 sigma.
TEST(DiagnosticsProperties, Ar1EssMatchesIntegratedAutocorrelationTime) {
  const double rho = 0.9;
  for (std::uint64_t seed : {21u, 22u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const chains draws = ar1_chains(seed, 4, 100000, rho);
    const double expected = 400000.0 * (1.0 - rho) / (1.0 + rho);
    EXPECT_NEAR(ess_mean(draws) / expected, 1.0, 0.15);
    EXPECT_NEAR(ess_bulk(draws) / expected, 1.0, 0.15);
    EXPECT_LT(rhat(draws), 1.01);
  }
}

TEST(DiagnosticsProperties, ShiftedChainRaisesRhat) {
  chains draws = ar1_chains(31, 4, 1000, 0.0);
  for (double& x : draws[3]) x += 2.0;
  EXPECT_GT(rhat(draws), 1.1);
}

// E-BFMI = sum (E_n - E_{n-1})^2 / sum (E_n - mean E)^2.
TEST(Ebfmi, HandComputedValues) {
  // Steps 1, 1, 1; deviations -1.5, -0.5, 0.5, 1.5: 3 / 5.
  EXPECT_DOUBLE_EQ(ebfmi({1, 2, 3, 4}), 0.6);
  // Energies of a 10-dimensional Cauchy (MCMCDiagnosticTools' bfmi test, 0.2406937229 by
  // ArviZ): sum of squared steps 237; sum E = 881, sum E^2 = 30837, so
  // sum (E - mean)^2 = 30837 - 881^2/26 = 25601/26 and E-BFMI = 237 * 26 / 25601.
  const std::vector<double> energy = {42, 44, 45, 46, 42, 43, 36, 36, 31, 36, 36, 32, 36,
                                      31, 31, 29, 29, 30, 25, 26, 29, 29, 27, 30, 31, 29};
  EXPECT_NEAR(ebfmi(energy), 6162.0 / 25601.0, 1e-15);
  EXPECT_NEAR(ebfmi(energy), 0.2406937229, 1e-10);
}

// For a stationary AR(1) energy, E[(E_n - E_{n-1})^2] = 2 var (1 - rho), so E-BFMI tends
// to 2 (1 - rho). With 200000 draws the estimate's relative sd is below 0.5% (10 seeds
// for each rho); 3% is beyond 6 sigma.
TEST(Ebfmi, Ar1EnergyGivesTwiceOneMinusRho) {
  for (double rho : {0.0, 0.5, 0.9}) {
    const std::vector<double> energy = ar1_chains(41, 1, 200000, rho).front();
    EXPECT_NEAR(ebfmi(energy) / (2.0 * (1.0 - rho)), 1.0, 0.03) << "rho " << rho;
  }
}

TEST(Ebfmi, ConstantEnergyIsNaNAndTooFewIsAnError) {
  EXPECT_TRUE(std::isnan(ebfmi({3.0, 3.0, 3.0})));
  EXPECT_THROW(ebfmi({1.0}), usage_error);
  EXPECT_THROW(ebfmi({}), usage_error);
}

TEST(Diagnostics, QuantileIsType7) {
  const chains draws = {{4.0, 1.0}, {3.0, 2.0}};
  EXPECT_DOUBLE_EQ(quantile(draws, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(quantile(draws, 0.05), 1.15);  // 1 + 0.05 * 3 = 1.15 -> 1 + 0.15
  EXPECT_DOUBLE_EQ(quantile(draws, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(quantile(draws, 1.0), 4.0);
}

TEST(Diagnostics, ConstantAndNanDrawsGiveNaN) {
  const chains constant(4, std::vector<double>(100, 1.5));
  EXPECT_TRUE(std::isnan(rhat(constant)));
  EXPECT_TRUE(std::isnan(ess_bulk(constant)));
  EXPECT_TRUE(std::isnan(ess_tail(constant)));
  EXPECT_TRUE(std::isnan(mcse_mean(constant)));
  EXPECT_DOUBLE_EQ(quantile(constant, 0.5), 1.5);

  chains with_nan = ar1_chains(51, 4, 100, 0.0);
  with_nan[2][7] = std::nan("");
  const parameter_summary summary = summarize("x", with_nan);
  for (double value :
       {summary.mean, summary.mcse_mean, summary.sd, summary.mcse_sd, summary.q5, summary.q50,
        summary.q95, summary.ess_bulk, summary.ess_tail, summary.rhat}) {
    EXPECT_TRUE(std::isnan(value));
  }
}

TEST(Diagnostics, BadInputIsAnError) {
  EXPECT_THROW(rhat(chains{}), usage_error);
  EXPECT_THROW(rhat(chains{{}, {}}), usage_error);
  EXPECT_THROW(ess_bulk(chains{{1.0, 2.0, 3.0}, {1.0, 2.0}}), usage_error);
  const chains draws = ar1_chains(61, 2, 50, 0.0);
  EXPECT_THROW(quantile(draws, 1.5), usage_error);
  EXPECT_THROW(mcse_quantile(draws, -0.1), usage_error);
  EXPECT_THROW(ess_quantile(draws, std::nan("")), usage_error);
}

}  // namespace
}  // namespace ismc
