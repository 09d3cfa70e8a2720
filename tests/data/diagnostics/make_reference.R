#!/usr/bin/env Rscript
# Reference values for tests/diagnostics_test.cpp, computed by the R package posterior
# 1.4.0 (Debian bookworm: r-base-core 4.2.2, r-cran-posterior 1.4.0+dfsg-1).
#
#   cd tests/data/diagnostics && Rscript make_reference.R
#
# Writes, next to this script, one draws file per case (<case>.csv) and reference.csv.
# A draws file holds integers k, one row per iteration and one column per chain; the draw
# is k / divisor with divisor a power of two (column `divisor` of reference.csv), so R and
# C++ see bit-identical doubles without relying on either one's decimal parser. k is the
# generated value rounded to a grid of 1 / resolution.
# reference.csv holds every value with 17 significant digits; NA is written as NaN.

suppressPackageStartupMessages(library(posterior))
stopifnot(packageVersion("posterior") == "1.4.0")

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grepl("^--file=", args)])
out_dir <- if (length(script) == 1) dirname(normalizePath(script)) else getwd()

set.seed(20240601, kind = "Mersenne-Twister", normal.kind = "Inversion",
         sample.kind = "Rejection")

ar1 <- function(n_draws, n_chains, rho) {
  # Stationary AR(1) with unit innovations: x_1 ~ N(0, 1 / (1 - rho^2)).
  sapply(seq_len(n_chains), function(chain) {
    x <- numeric(n_draws)
    x[1] <- rnorm(1, sd = 1 / sqrt(1 - rho^2))
    for (t in seq_len(n_draws)[-1]) x[t] <- rho * x[t - 1] + rnorm(1)
    x
  })
}
normals <- function(n_draws, n_chains) matrix(rnorm(n_draws * n_chains), n_draws, n_chains)

cases <- list()
add <- function(name, x, divisor, resolution = divisor) {
  k <- round(x * resolution)  # Inf stays Inf
  cases[[name]] <<- list(k = k, divisor = divisor)
}
two16 <- 2^16
add("iid_normal", normals(1000, 4), two16)
add("ar1_rho09", ar1(1000, 4, 0.9), two16)
add("cauchy", matrix(rcauchy(4 * 500), 500, 4), 2^10)
shifted <- normals(500, 4)
shifted[, 4] <- shifted[, 4] + 1.5
add("shifted_chain", shifted, two16)
add("short", normals(50, 4), two16)
add("short_odd", ar1(51, 4, 0.5), two16)          # odd length: the middle draw is dropped
add("tiny", normals(7, 4), two16)                  # 3 draws per split chain
add("too_short", normals(5, 4), two16)             # 2 draws per split chain: no ESS
add("discrete_ties", matrix(rpois(4 * 500, 3), 500, 4), 1)
add("binary", matrix(rbinom(4 * 200, 1, 0.3), 200, 4), 1)
add("constant", matrix(2.5, 100, 4), 2)
add("single_chain", ar1(1000, 1, 0.5), two16)
add("antithetic", ar1(500, 4, -0.9), two16)        # ESS capped at S log10(S)
with_inf <- normals(100, 4)
with_inf[10, 2] <- Inf
with_inf[50, 3] <- -Inf
add("with_inf", with_inf, two16)
add("tiny_scale", normals(200, 4), 2^96, two16)   # |x| ~ 1e-24: constant to is_constant

fmt <- function(v) {
  out <- sprintf("%.17g", v)
  out[is.na(v)] <- "NaN"
  out[!is.na(v) & is.infinite(v)] <- ifelse(v[!is.na(v) & is.infinite(v)] > 0, "Inf", "-Inf")
  out
}

rows <- list()
for (name in names(cases)) {
  k <- cases[[name]]$k
  divisor <- cases[[name]]$divisor
  file <- paste0(name, ".csv")
  body <- apply(k, 1, function(r) paste(ifelse(is.infinite(r), ifelse(r > 0, "Inf", "-Inf"),
                                               sprintf("%.0f", r)), collapse = ","))
  writeLines(c(paste0("chain_", seq_len(ncol(k)), collapse = ","), body),
             file.path(out_dir, file))

  # Compute on what was written, read back as R would read it.
  k_read <- as.matrix(read.csv(file.path(out_dir, file)))
  stopifnot(identical(unname(k_read) + 0, unname(k) + 0))
  x <- unname(k_read) / divisor

  probs <- c(0.05, 0.5, 0.95)
  v <- suppressWarnings(list(
    rhat = rhat(x), ess_bulk = ess_bulk(x), ess_tail = ess_tail(x), ess_mean = ess_mean(x),
    ess_q5 = unname(ess_quantile(x, 0.05)), ess_q95 = unname(ess_quantile(x, 0.95)),
    mcse_mean = mcse_mean(x), mcse_sd = mcse_sd(x),
    mcse_q5 = unname(mcse_quantile(x, 0.05)), mcse_q50 = unname(mcse_quantile(x, 0.5)),
    mcse_q95 = unname(mcse_quantile(x, 0.95)),
    q5 = unname(quantile2(x, 0.05)), q50 = unname(quantile2(x, 0.5)),
    q95 = unname(quantile2(x, 0.95)), mean = mean(x), sd = sd(x)))

  # The same numbers as summarise_draws reports them.
  draws <- as_draws_array(array(x, dim = c(nrow(x), ncol(x), 1),
                                dimnames = list(NULL, NULL, "theta")))
  s <- suppressWarnings(summarise_draws(draws, "mean", "sd", "rhat", "ess_bulk", "ess_tail",
                                        "mcse_mean", "mcse_sd", "quantile2"))
  same <- function(column, value) {
    column <- unclass(column)
    attributes(column) <- NULL  # summarise_draws wraps numbers in pillar_num
    identical(column, value)
  }
  stopifnot(same(s$mean, v$mean), same(s$sd, v$sd), same(s$rhat, v$rhat),
            same(s$ess_bulk, v$ess_bulk), same(s$ess_tail, v$ess_tail),
            same(s$mcse_mean, v$mcse_mean), same(s$mcse_sd, v$mcse_sd),
            same(s$q5, v$q5), same(s$q95, v$q95))

  rows[[name]] <- c(case = name, file = file, divisor = fmt(divisor),
                    n_chains = ncol(x), n_draws = nrow(x), sapply(v, fmt))
}
table <- do.call(rbind, rows)
write.csv(table, file.path(out_dir, "reference.csv"), row.names = FALSE, quote = FALSE)
