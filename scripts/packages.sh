# shellcheck shell=bash disable=SC2034  # sourced: `packages` is read by the sourcing script
# Debian's packages that ismc needs: the one list, sourced by scripts/setup.sh (installs them)
# and scripts/gpu_prepare.sh (downloads the libraries among them for the GPU machine).
packages=(
  cmake g++ ninja-build pkg-config
  libeigen3-dev libcli11-dev libtomlplusplus-dev nlohmann-json3-dev
  librandom123-dev libboost-math-dev libfmt-dev
  libsqlite3-dev libmpich-dev mpich
  libgtest-dev libgmock-dev libbenchmark-dev
  python3-numpy python3-sklearn python3-dev python3-venv
  clang-format
)
