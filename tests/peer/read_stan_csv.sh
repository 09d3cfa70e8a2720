#!/usr/bin/env bash
# Peer test (label `peer`): a real client, rstan's read_stan_csv, reads the Stan CSV that
# `ismc sample` writes.
#
# Usage: tests/peer/read_stan_csv.sh ISMC_EXE [SOURCE_DIR]
#   ISMC_EXE    the ismc executable
#   SOURCE_DIR  the repository root (default: two folders up from this script)
# Exit status: 0 when rstan reads the files and every check holds; 77 (CTest's
# SKIP_RETURN_CODE) when Rscript is missing or library(rstan) fails; 1 otherwise.
#
# Runs `ismc sample eight_schools_noncentered --chains 2 --warmup 200 --draws 100 --seed 1`
# into a temporary folder, then in R: fit <- rstan::read_stan_csv(files) and checks
#   - 100 draws x 2 chains (as.array(fit));
#   - the parameter names as rstan names them: mu, tau, nu[1..8], theta[1..8], lp__
#     (our theta.1 becomes theta[1]);
#   - rstan::get_sampler_params(fit) gives, per chain, 100 rows of Stan's six sampler columns,
#     n_leapfrog__ equal to the CSV's; rstan::get_elapsed_time(fit) is finite;
#   - mean(mu) from rstan equals the mean of the mu column read with plain
#     read.csv(comment.char = "#"), to 1e-10.
set -euo pipefail

if (($# < 1)); then
  echo "usage: read_stan_csv.sh ISMC_EXE [SOURCE_DIR]" >&2
  exit 2
fi
exe="$1"
root="${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

if ! command -v Rscript >/dev/null 2>&1; then
  echo "SKIP: Rscript not found" >&2
  exit 77
fi
if ! Rscript --vanilla -e 'suppressPackageStartupMessages(library(rstan))' >/dev/null 2>&1; then
  echo "SKIP: library(rstan) fails in R (Debian: apt-get install r-cran-rstan)" >&2
  exit 77
fi
[[ -x "${exe}" ]] || { echo "FAIL: no executable ${exe}" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

status=0
"${exe}" sample eight_schools_noncentered --data "${root}/examples/eight_schools.json" \
  --chains 2 --warmup 200 --draws 100 --seed 1 --output-dir "${work}/out" --quiet \
  > "${work}/sample.log" 2>&1 || status=$?
if ((status != 0)); then
  cat "${work}/sample.log" >&2
  echo "FAIL: ismc sample exited with ${status}" >&2
  exit 1
fi

cat > "${work}/check.R" <<'EOF'
files <- sort(list.files(commandArgs(trailingOnly = TRUE)[1], pattern = "\\.csv$",
                         full.names = TRUE))
failures <- character()
check <- function(ok, what) {
  if (!isTRUE(ok)) failures <<- c(failures, what)
  invisible(ok)
}
if (length(files) != 2) {
  cat("FAIL: expected 2 CSV files, found", length(files), "\n")
  quit(status = 1)
}
suppressPackageStartupMessages(library(rstan))
fit <- tryCatch(rstan::read_stan_csv(files), error = function(e) {
  cat("FAIL: rstan::read_stan_csv:", conditionMessage(e), "\n")
  quit(status = 1)
})

# Dimensions: iterations x chains x parameters.
a <- as.array(fit)
check(identical(dim(a)[1:2], c(100L, 2L)),
      sprintf("as.array(fit) is %s, expected 100 x 2 x ...", paste(dim(a), collapse = " x ")))

# Names as rstan writes them.
expected <- c("mu", "tau", sprintf("nu[%d]", 1:8), sprintf("theta[%d]", 1:8), "lp__")
check(identical(names(fit), expected),
      paste0("names(fit) = ", paste(names(fit), collapse = ", ")))
check(identical(fit@model_pars, c("mu", "tau", "nu", "theta", "lp__")),
      paste0("fit@model_pars = ", paste(fit@model_pars, collapse = ", ")))

# Plain read of the same files.
plain <- lapply(files, function(f) utils::read.csv(f, comment.char = "#"))

# Sampler values.
sp <- tryCatch(rstan::get_sampler_params(fit, inc_warmup = FALSE), error = function(e) {
  check(FALSE, paste("get_sampler_params:", conditionMessage(e)))
  NULL
})
if (!is.null(sp)) {
  cols <- c("accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__",
            "energy__")
  check(length(sp) == 2, "get_sampler_params: not 2 chains")
  for (k in seq_along(sp)) {
    # (read_stan_csv orders them accept_stat__, treedepth__, stepsize__, divergent__, ...)
    check(identical(dim(sp[[k]]), c(100L, 6L)) && setequal(colnames(sp[[k]]), cols),
          sprintf("get_sampler_params chain %d: %s, columns %s", k,
                  paste(dim(sp[[k]]), collapse = " x "), paste(colnames(sp[[k]]), collapse = ",")))
    check(isTRUE(all(sp[[k]][, "n_leapfrog__"] == plain[[k]]$n_leapfrog__)) &&
            all(sp[[k]][, "n_leapfrog__"] >= 1),
          sprintf("get_sampler_params chain %d: n_leapfrog__ differs from the CSV", k))
  }
}
elapsed <- tryCatch(rstan::get_elapsed_time(fit), error = function(e) NULL)
check(!is.null(elapsed) && identical(dim(elapsed), c(2L, 2L)) && all(is.finite(elapsed)) &&
        all(elapsed >= 0),
      "get_elapsed_time(fit) is not a finite 2 x 2 matrix (timing block)")

# The mean of mu, by rstan and by plain R.
mu_rstan <- mean(as.array(fit, pars = "mu"))
mu_summary <- rstan::summary(fit, pars = "mu")$summary[1, "mean"]
mu_plain <- mean(unlist(lapply(plain, function(d) d$mu)))
check(isTRUE(abs(mu_rstan - mu_plain) <= 1e-10),
      sprintf("mean(mu): rstan %.17g, read.csv %.17g", mu_rstan, mu_plain))
check(isTRUE(abs(mu_summary - mu_plain) <= 1e-10),
      sprintf("mean(mu): rstan summary %.17g, read.csv %.17g", mu_summary, mu_plain))

if (length(failures)) {
  cat(paste0("FAIL: ", failures, "\n"), sep = "")
  quit(status = 1)
}
cat(sprintf("OK: rstan %s read %d files: %d draws x %d chains, mean(mu) = %.6f\n",
            packageVersion("rstan"), length(files), dim(a)[1], dim(a)[2], mu_rstan))
EOF

Rscript --vanilla "${work}/check.R" "${work}/out"
