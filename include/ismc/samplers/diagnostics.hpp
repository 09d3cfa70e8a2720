#pragma once
/// @file diagnostics.hpp
/// @brief MCMC convergence diagnostics as the R package posterior 1.4.0 computes them
/// (Vehtari, Gelman, Simpson, Carpenter & Bürkner 2021): rank-normalized split R-hat,
/// bulk and tail effective sample sizes, Monte Carlo standard errors, quantiles, and the
/// energy Bayesian fraction of missing information (E-BFMI) of a Hamiltonian chain.
///
/// Every function takes the draws of one scalar quantity as `draws[chain][iteration]`
/// (equal lengths). Where posterior returns `NA` this returns a quiet NaN: any NaN draw;
/// draws constant to within 2.2e-16 (an absolute tolerance, as posterior's `is_constant`);
/// an infinite draw where posterior treats it as missing; split chains too short for the
/// estimator. Empty or ragged input is an error (`ismc::usage_error`).

#include <string>
#include <vector>

namespace ismc {

/// Draws of one scalar quantity, `draws[chain][iteration]`; all chains of equal length.
using chains = std::vector<std::vector<double>>;

/// Rank-normalized split R-hat, posterior::rhat: the larger of the split R-hat of the
/// rank-normalized draws and of the rank-normalized folded draws |x − median(x)|.
/// Near 1 at convergence; above 1.01 is posterior's warning level. NaN when constant,
/// when any draw is NaN, or with fewer than 4 draws per chain.
double rhat(const chains& draws);

/// Bulk effective sample size, posterior::ess_bulk: the ESS of the rank-normalized split
/// chains (Geyer's initial monotone sequence, FFT autocovariances). In draws; capped at
/// S·log10(S) for S draws in all. NaN when constant, when any draw is NaN, or with fewer
/// than 3 draws per split chain (6 per chain).
double ess_bulk(const chains& draws);

/// Tail effective sample size, posterior::ess_tail: the smaller of ess_quantile at 0.05
/// and at 0.95. In draws; NaN when either is.
double ess_tail(const chains& draws);

/// Effective sample size of the indicator x ≤ q̂(prob) on split chains,
/// posterior::ess_quantile (q̂ the type-7 quantile of all draws). In draws. NaN when the
/// draws are constant or non-finite, or when the indicator is constant.
/// @param prob in [0, 1]; 1 is replaced by (S − 1/2)/S as posterior does.
double ess_quantile(const chains& draws, double prob);

/// Effective sample size of the mean on split chains without rank normalization,
/// posterior::ess_mean (= ess_basic with split = TRUE). In draws. NaN when the draws are
/// constant or non-finite.
double ess_mean(const chains& draws);

/// Monte Carlo standard error of the mean, posterior::mcse_mean: sd / sqrt(ess_mean).
/// In the units of the draws.
double mcse_mean(const chains& draws);

/// Monte Carlo standard error of the standard deviation, posterior 1.4.0's mcse_sd:
/// with c = x − mean(x), Var(c²) = mean(c⁴) − mean(c²)² (Kenney & Keeping) divided by
/// ess_mean(c²), then the delta method sqrt(Var / (4 mean(c²))). In the units of the
/// draws. (posterior before 1.4.0 used a normal approximation with ess_sd instead.)
double mcse_sd(const chains& draws);

/// Monte Carlo standard error of the prob-quantile, posterior::mcse_quantile: half the
/// width of the ±1σ interval of the order statistics implied by a Beta posterior of the
/// indicator with ess_quantile effective draws. In the units of the draws.
/// @param prob in [0, 1]
double mcse_quantile(const chains& draws, double prob);

/// The prob-quantile of all draws pooled, R's quantile type 7 (linear interpolation
/// between order statistics), as posterior's summarise_draws (quantile2) reports it.
/// NaN when any draw is NaN.
/// @param prob in [0, 1]
double quantile(const chains& draws, double prob);

/// Energy Bayesian fraction of missing information of one chain (Betancourt 2016):
/// Σₙ (Eₙ − Eₙ₋₁)² / Σₙ (Eₙ − Ē)², the value of Stan's check_energy and ArviZ's bfmi.
/// Below 0.3 CmdStan's diagnose warns. NaN for constant energy.
/// @param energy the chain's Hamiltonian energies (energy__), at least 2 of them
double ebfmi(const std::vector<double>& energy);

/// One row of the summary a user sees: the column set of CmdStan's and posterior's
/// default summaries. Statistics are over all draws pooled; NaN where posterior gives NA.
struct parameter_summary {
  std::string name;  ///< the parameter's name as Stan writes it, e.g. `theta.1`
  double mean;       ///< mean of all draws
  double mcse_mean;  ///< Monte Carlo standard error of the mean
  double sd;         ///< standard deviation of all draws (denominator S − 1)
  double mcse_sd;    ///< Monte Carlo standard error of sd
  double q5;         ///< 5% quantile (type 7)
  double q50;        ///< median (type 7)
  double q95;        ///< 95% quantile (type 7)
  double ess_bulk;   ///< bulk effective sample size
  double ess_tail;   ///< tail effective sample size
  double rhat;       ///< rank-normalized split R-hat
};

/// All of parameter_summary for the draws of one parameter.
parameter_summary summarize(const std::string& name, const chains& draws);

}  // namespace ismc
