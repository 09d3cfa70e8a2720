#!/usr/bin/env bash
# Every comparison of ismc with its peers in one command, ours and each peer interleaved
# round by round so that both see the same machine (bench/run_all.py does the runs):
#   importance study (BM_ImportanceScaling, ours alone, against the issue's aim);
#   the seed's dense four-index problem vs the seed's numpy and JAX's jitted imp_est;
#   the population hyper-likelihood vs vectorized numpy and JAX;
#   the seed-000 sampling run (`ismc population`) vs emcee + numpy;
#   NUTS on eight schools vs rstan and numpyro;
#   plain Monte Carlo sims/s (ours alone, against the floor of docs/performance.md).
# A peer this machine cannot run is listed with the reason ("skipped: not installed").
# Writes OUT/summary.md, OUT/summary.json and OUT/summary.png (a bar chart of the ratios).
#
# Usage: bench/run_all.sh [--tiny | --quick | --full] [--build DIR] [--out DIR]
#                         [--rounds N] [--install] [--no-build] [--setup-peers-only]
#   --tiny      a smoke test: the smallest sizes, one round (the CTest bench_smoke)
#   --quick     under 5 minutes on 2 cores: the issue's sizes where they fit (the dense
#               22-target problem at N = 2000, the sampling run at 100 steps), 2 rounds
#   --full      (default) the issue's sizes, 3 rounds: about 25 minutes on 2 cores, most of
#               it the peers (emcee's 500 steps, numpy's 22 x 20000 dense problem, 7.7 GB)
#   --build     the build tree (default: build); its benchmarks and `ismc` are built first
#               unless --no-build
#   --out       where the three files go (default: bench/results)
#   --install   first install what the peers need: Debian packages through
#               scripts/setup.sh and bench/peers/setup_rstan.sh (rstan from Debian), and
#               JAX, numpyro, emcee and matplotlib from PyPI into .venv-peers
#   --setup-peers-only  run only the peers scripts/setup.sh installs (numpy); list the
#               others as "skipped: not installed" (the CTest bench_smoke)
# Without --install nothing is installed: the peers present are run, the others listed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/.." && pwd)"
mode=full
build="${root}/build"
out="${here}/results"
rounds=()
only=()
install=0
do_build=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --tiny) mode=tiny ;;
    --quick) mode=quick ;;
    --full) mode=full ;;
    --build) build="$2"; shift ;;
    --out) out="$2"; shift ;;
    --rounds) rounds=(--rounds "$2"); shift ;;
    --install) install=1 ;;
    --no-build) do_build=0 ;;
    --setup-peers-only) only=(--setup-peers-only) ;;
    -h | --help) sed -n '2,28p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "run_all.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

venv="${root}/.venv-peers"
if [[ "${install}" == 1 ]]; then
  bash "${root}/scripts/setup.sh"
  if [[ ! -x "${venv}/bin/python" ]]; then
    /usr/bin/python3 -m venv "${venv}"
  fi
  if ! "${venv}/bin/python" -m pip install --quiet --upgrade \
      "numpy>=1.24" "jax[cpu]>=0.4.30" "numpyro>=0.15" "emcee>=3.1" "matplotlib>=3.6"; then
    echo "run_all.sh: pip could not install the Python peers into ${venv}; they will be" \
         "listed as skipped" >&2
  fi
  if ! bash "${here}/peers/setup_rstan.sh" >/dev/null; then
    echo "run_all.sh: the rstan set-up failed (bench/peers/setup_rstan.sh); rstan will be" \
         "listed as skipped" >&2
  fi
fi

if [[ "${do_build}" == 1 ]]; then
  [[ -f "${build}/CMakeCache.txt" ]] ||
    { echo "run_all.sh: ${build} is not a configured build tree (see README)" >&2; exit 2; }
  cmake --build "${build}" --target bench_importance bench_population bench_nuts bench_plain \
    ismc_exe
fi

exec /usr/bin/python3 "${here}/run_all.py" --mode "${mode}" --build "${build}" --out "${out}" \
  --peers-venv "${venv}" "${rounds[@]}" "${only[@]}"
