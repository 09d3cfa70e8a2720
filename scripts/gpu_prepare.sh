#!/usr/bin/env bash
# Fills gpu-debs/ (git-ignored) with the Debian packages that scripts/gpu_check.sh unpacks on
# the GPU machine, which has CUDA, CMake, Ninja, g++ and Python with JAX and numpy but no
# network and none of Debian's -dev packages. Run it here, on a machine that reaches Debian's
# archive, once per checkout (again after scripts/packages.sh changes).
#
# The packages: the libraries among scripts/packages.sh's list (the one list scripts/setup.sh
# installs), without the tools the GPU image has (cmake, g++, ninja-build, pkg-config,
# python3-*, clang-format), and what they depend on (apt-cache depends, recursively), less
# the compiler's and the C library's own packages (gcc-*, libc6*, libstdc++*, ..., which the
# GPU image's compiler brings). So libboost-math-dev brings libboost1.74-dev (the headers),
# libtomlplusplus-dev libtomlplusplus3, libfmt-dev libfmt9, libbenchmark-dev
# libbenchmark1debian, libgtest-dev googletest.
#
# Usage: scripts/gpu_prepare.sh [DIR]   (default: gpu-debs in the repository's root)
# Prints the packages, their number and their size; exits 1 if a download fails.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/packages.sh
source "${root}/scripts/packages.sh"
dir="${1:-${root}/gpu-debs}"

# Tools the GPU image has; and the toolchain's and C library's packages, never carried.
tools='^(cmake|g\+\+|ninja-build|pkg-config|python3-.*|clang-format)$'
toolchain='^(gcc-.*|g\+\+-.*|cpp.*|libc6.*|libc-.*|libgcc.*|libstdc\+\+.*|libasan.*|liblsan.*|libtsan.*|libubsan.*|libhwasan.*|libatomic.*|libgomp.*|libitm.*|libquadmath.*|libcrypt.*|libnsl.*|libtirpc.*|rpcsvc-proto|linux-libc-dev|libcom-err.*|libgssapi.*|libk5crypto.*|libkrb5.*|libkeyutils.*|libssl.*|pkgconf.*|libpkgconf.*|pkg-config)$'

wanted=()
for p in "${packages[@]}"; do
  [[ "${p}" =~ ${tools} ]] || wanted+=("${p}")
done

# Depends and Pre-Depends, first of each alternative, virtual packages skipped; breadth first.
declare -A seen=()
queue=("${wanted[@]}")
chosen=()
while ((${#queue[@]})); do
  p="${queue[0]}"
  queue=("${queue[@]:1}")
  [[ -n "${seen[${p}]:-}" ]] && continue
  seen[${p}]=1
  if [[ "${p}" =~ ${toolchain} ]]; then
    echo "gpu_prepare: not carried (the GPU image's toolchain): ${p}" >&2
    continue
  fi
  chosen+=("${p}")
  while read -r dep; do
    [[ -n "${dep}" && -z "${seen[${dep}]:-}" ]] && queue+=("${dep}")
  done < <(apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks \
             --no-replaces --no-enhances "${p}" |
           awk '/^  (Pre)?Depends:/ && $2 !~ /^</ {print $2}')
done

mkdir -p "${dir}"
rm -f "${dir}"/*.deb
echo "gpu_prepare: downloading ${#chosen[@]} packages into ${dir}: ${chosen[*]}"
(cd "${dir}" && apt-get download -q "${chosen[@]}")
count="$(find "${dir}" -maxdepth 1 -name '*.deb' | wc -l)"
[[ "${count}" -eq "${#chosen[@]}" ]] ||
  { echo "gpu_prepare: ${count} .debs for ${#chosen[@]} packages" >&2; exit 1; }
echo "gpu_prepare: ${count} packages, $(du -sh "${dir}" | cut -f1) in ${dir}" \
  "(carry it: run(carry=[\"gpu-debs\"], command=\"bash scripts/gpu_check.sh\"))"
