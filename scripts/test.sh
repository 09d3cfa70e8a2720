#!/usr/bin/env bash
# Installs what is missing, builds everything and runs the whole test suite.
# GPU tests (label `gpu`) run too and skip themselves where no CUDA device is usable.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"
