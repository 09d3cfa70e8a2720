#!/usr/bin/env Rscript
# The rstan peer of bench/bench_nuts.cpp: Stan's NUTS on the non-centered eight schools
# (bench/peers/eight_schools_noncentered.stan, the same model as ismc's
# `eight_schools_noncentered`), Stan's default settings, chains run one after another.
#
# The model is compiled (or loaded from the cache) before any timing. Then, per seed:
#   sampler time     sum over chains of warmup + sample from rstan::get_elapsed_time
#   ess_bulk_tau     posterior::ess_bulk of the draws x chains matrix of tau
#   gradients        sum of n_leapfrog__ over every iteration, warmup included
#                    (rstan::get_sampler_params(fit, inc_warmup = TRUE))
#   ess_per_second   ess_bulk_tau / sampler time
#   gradients_per_ess  gradients / ess_bulk_tau
# and prints one JSON object (seeds, settings, versions, per-seed rows, averages) on stdout.
#
# Usage: Rscript bench/peers/rstan_eight_schools.R [--seeds 1,2,3,4,5] [--chains 4]
#          [--warmup 1000] [--draws 1000] [--data examples/eight_schools.json]
#          [--cache-dir DIR | --no-cache]
# Needs the set-up of bench/peers/setup_rstan.sh (rstan, posterior, jsonlite and a BH
# package whose include folder holds Boost). The private library it makes
# (ISMC_R_LIB, default build-peer/r-lib) is put first on the library path here.
# The compiled model is cached (saveRDS of the stanmodel, its shared object included) in
# --cache-dir (default build-peer/rstan-cache), keyed by the program's text and the rstan
# version, so repeated runs skip the ~1 minute compilation.

args_all <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args_all[grepl("^--file=", args_all)])
here <- if (length(script) == 1) dirname(normalizePath(script)) else getwd()
root <- normalizePath(file.path(here, "..", ".."))

options_default <- list(seeds = "1,2,3,4,5", chains = "4", warmup = "1000", draws = "1000",
                        data = file.path(root, "examples", "eight_schools.json"),
                        `cache-dir` = file.path(root, "build-peer", "rstan-cache"),
                        `no-cache` = FALSE)
opts <- options_default
args <- commandArgs(trailingOnly = TRUE)
i <- 1
while (i <= length(args)) {
  key <- sub("^--", "", args[i])
  if (!startsWith(args[i], "--") || !(key %in% names(opts)))
    stop("unknown argument: ", args[i], call. = FALSE)
  if (key == "no-cache") {
    opts[["no-cache"]] <- TRUE
    i <- i + 1
  } else {
    if (i == length(args)) stop("missing value after ", args[i], call. = FALSE)
    opts[[key]] <- args[i + 1]
    i <- i + 2
  }
}
seeds <- as.integer(strsplit(opts$seeds, ",", fixed = TRUE)[[1]])
chains <- as.integer(opts$chains)
warmup <- as.integer(opts$warmup)
draws <- as.integer(opts$draws)
if (anyNA(seeds) || is.na(chains) || is.na(warmup) || is.na(draws))
  stop("--seeds, --chains, --warmup and --draws take integers", call. = FALSE)

lib <- Sys.getenv("ISMC_R_LIB", file.path(root, "build-peer", "r-lib"))
if (dir.exists(lib)) .libPaths(c(lib, .libPaths()))

suppressPackageStartupMessages({
  library(rstan)
  library(posterior)
  library(jsonlite)
})
if (!nzchar(system.file("include", package = "BH")))
  stop("the BH package has no include folder: run bench/peers/setup_rstan.sh", call. = FALSE)
rstan_options(auto_write = FALSE)

stan_file <- file.path(here, "eight_schools_noncentered.stan")
data <- jsonlite::read_json(opts$data, simplifyVector = TRUE)

# Compilation (or the cache), outside every timing.
compile_start <- Sys.time()
model <- NULL
cache_file <- NULL
if (!isTRUE(opts[["no-cache"]])) {
  key <- paste(unname(tools::md5sum(stan_file)), packageVersion("rstan"),
               packageVersion("StanHeaders"), R.version$platform, sep = "-")
  cache_file <- file.path(opts[["cache-dir"]], paste0("eight_schools_noncentered-", key, ".rds"))
  if (file.exists(cache_file)) model <- tryCatch(readRDS(cache_file), error = function(e) NULL)
}
compiled <- is.null(model)
if (compiled) {
  model <- stan_model(stan_file, model_name = "eight_schools_noncentered", save_dso = TRUE)
  if (!is.null(cache_file)) {
    dir.create(dirname(cache_file), recursive = TRUE, showWarnings = FALSE)
    saveRDS(model, cache_file)
  }
}
compile_seconds <- as.numeric(difftime(Sys.time(), compile_start, units = "secs"))
message(sprintf("rstan_eight_schools.R: model %s in %.1f s", if (compiled) "compiled" else "loaded from cache",
                compile_seconds))

rows <- list()
for (seed in seeds) {
  wall_start <- Sys.time()
  fit <- suppressWarnings(sampling(model, data = data, chains = chains, cores = 1,
                                   iter = warmup + draws, warmup = warmup, thin = 1,
                                   seed = seed, refresh = 0, show_messages = FALSE))
  wall <- as.numeric(difftime(Sys.time(), wall_start, units = "secs"))
  elapsed <- get_elapsed_time(fit)  # chains x (warmup, sample), seconds
  sampler_seconds <- sum(elapsed)
  tau <- as.array(fit, pars = "tau")[, , 1, drop = TRUE]  # draws x chains
  if (chains == 1) tau <- matrix(tau, ncol = 1)
  ess <- posterior::ess_bulk(tau)
  params <- get_sampler_params(fit, inc_warmup = TRUE)
  gradients <- sum(vapply(params, function(p) sum(p[, "n_leapfrog__"]), numeric(1)))
  divergent <- sum(vapply(params, function(p) sum(p[-seq_len(warmup), "divergent__"]), numeric(1)))
  stepsizes <- vapply(params, function(p) p[warmup + 1, "stepsize__"], numeric(1))
  row <- list(seed = seed,
              warmup_seconds = sum(elapsed[, "warmup"]),
              sampling_seconds = sum(elapsed[, "sample"]),
              sampler_seconds = sampler_seconds,
              wall_seconds = wall,
              ess_bulk_tau = ess,
              gradients = gradients,
              ess_per_second = ess / sampler_seconds,
              gradients_per_ess = gradients / ess,
              divergent = divergent,
              rhat_tau = posterior::rhat(tau),
              mean_tau = mean(tau),
              stepsize = stepsizes)
  message(sprintf("rstan seed %d: %.4f s, ESS_bulk(tau) %.1f, %d gradients, %.0f ESS/s, %.1f grad/ESS",
                  seed, sampler_seconds, ess, as.integer(gradients), row$ess_per_second,
                  row$gradients_per_ess))
  rows[[length(rows) + 1]] <- row
}

mean_of <- function(field) mean(vapply(rows, function(r) as.numeric(r[[field]]), numeric(1)))
result <- list(
  tool = "rstan",
  model = "eight_schools_noncentered",
  stan_file = "bench/peers/eight_schools_noncentered.stan",
  chains = chains, warmup = warmup, draws = draws, seeds = seeds,
  settings = "rstan::sampling defaults (adapt_delta 0.8, max_treedepth 10, diag_e), cores = 1",
  versions = list(R = paste(R.version$major, R.version$minor, sep = "."),
                  rstan = as.character(packageVersion("rstan")),
                  StanHeaders = as.character(packageVersion("StanHeaders")),
                  posterior = as.character(packageVersion("posterior"))),
  compile_seconds = compile_seconds,
  model_compiled_in_this_run = compiled,
  per_seed = rows,
  mean = list(sampler_seconds = mean_of("sampler_seconds"),
              ess_bulk_tau = mean_of("ess_bulk_tau"),
              gradients = mean_of("gradients"),
              ess_per_second = mean_of("ess_per_second"),
              gradients_per_ess = mean_of("gradients_per_ess")))
cat(jsonlite::toJSON(result, auto_unbox = TRUE, digits = NA, pretty = TRUE), "\n")
