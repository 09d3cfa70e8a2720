#!/usr/bin/env bash
# Sets up the rstan peer (bench/peers/rstan_eight_schools.R, compare_rstan.sh) on Debian
# bookworm. Idempotent: run it as often as you like.
#
#   1. Installs, with apt-get (as root; through sudo otherwise), what is missing of
#      r-base-core r-cran-rstan r-cran-posterior r-cran-jsonlite r-cran-bh r-cran-codetools
#      and a C++ tool chain (build-essential) plus the Boost headers (libboost-dev).
#   2. Works around Debian's r-cran-bh, which ships no `include` folder (Debian strips
#      Boost from it and relies on libboost-dev): rstan's stan_model() asks
#      system.file("include", package = "BH") for Boost and stops with "Boost not found;
#      call install.packages('BH')" when that is empty. This script makes a private R
#      library (default: build-peer/r-lib in the repository; ignored by git through
#      /build*/) holding a copy of the installed BH package's metadata plus
#      include/boost -> /usr/include/boost. Only `boost` is linked, not all of
#      /usr/include: an -I/usr/include would put the C library headers ahead of libstdc++'s
#      #include_next chain.
#      Scripts that compile Stan programs put that library first on R's library path
#      (R_LIBS=<lib>, or .libPaths() in R); nothing outside the repository is changed.
#
# Usage: bench/peers/setup_rstan.sh [--no-install]
#   --no-install  do not call apt-get; fail if packages are missing
# Environment: ISMC_R_LIB  the private R library (default: <repo>/build-peer/r-lib)
# Prints the library path on its last line of stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
# shellcheck source=bench/peers/common.sh
source "${here}/common.sh"
lib="${ISMC_R_LIB:-${root}/build-peer/r-lib}"
install=1
for arg in "$@"; do
  case "${arg}" in
    --no-install) install=0 ;;
    -h | --help) sed -n '2,24p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "setup_rstan.sh: unknown argument ${arg}" >&2; exit 2 ;;
  esac
done

packages=(r-base-core r-cran-rstan r-cran-posterior r-cran-jsonlite r-cran-bh
          r-cran-codetools build-essential libboost-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "${p}" 2>/dev/null | grep -q 'install ok installed' ||
    missing+=("${p}")
done
if ((${#missing[@]})); then
  ((install)) || fail "missing packages: ${missing[*]} (run without --no-install)"
  sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null || fail "not root and no sudo: apt-get install ${missing[*]}"
    sudo=(sudo)
  fi
  echo "setup_rstan.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q >&2 || true
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
    fail "apt-get install ${missing[*]} failed"
fi

[[ -f /usr/include/boost/version.hpp ]] || fail "no /usr/include/boost (libboost-dev)"
bh_system="$(Rscript -e 'cat(find.package("BH", lib.loc = .Library.site, quiet = TRUE)[1])' 2>/dev/null || true)"
[[ -z "${bh_system}" ]] &&
  bh_system="$(Rscript -e 'cat(system.file(package = "BH"))' 2>/dev/null || true)"
[[ -n "${bh_system}" && -f "${bh_system}/DESCRIPTION" ]] || fail "the R package BH is not installed"

# The BH stub: the installed package's metadata (DESCRIPTION, NAMESPACE, Meta/ so that R
# treats it as an installed package) and include/boost -> /usr/include/boost. Rebuilt only
# when absent or broken, so a second run changes nothing.
stub="${lib}/BH"
if [[ ! -f "${stub}/DESCRIPTION" || ! -f "${stub}/include/boost/version.hpp" ]] ||
     ! cmp -s "${stub}/DESCRIPTION" "${bh_system}/DESCRIPTION"; then
  mkdir -p "${lib}"
  rm -rf "${stub}.tmp"
  mkdir -p "${stub}.tmp/include"
  cp -r "${bh_system}/DESCRIPTION" "${bh_system}/NAMESPACE" "${bh_system}/Meta" "${stub}.tmp/"
  ln -s /usr/include/boost "${stub}.tmp/include/boost"
  rm -rf "${stub}"
  mv "${stub}.tmp" "${stub}"
  echo "setup_rstan.sh: made the BH stub ${stub}" >&2
fi

# Check what rstan will see.
R_LIBS="${lib}${R_LIBS:+:${R_LIBS}}" Rscript --vanilla -e '
  inc <- system.file("include", package = "BH")
  if (!nzchar(inc) || !file.exists(file.path(inc, "boost", "version.hpp")))
    stop("BH include not found: ", inc)
  suppressPackageStartupMessages({ library(rstan); library(posterior); library(jsonlite) })
  cat(sprintf("rstan %s, StanHeaders %s, posterior %s, BH include %s\n",
              packageVersion("rstan"), packageVersion("StanHeaders"),
              packageVersion("posterior"), inc))' >&2 || fail "R check failed"
echo "${lib}"
