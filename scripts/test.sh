#!/usr/bin/env bash
# Installs what is missing, builds everything and runs the whole test suite.
# GPU tests (label `gpu`) run too and skip themselves where no CUDA device is usable.
# The Python package: scripts/python_env.sh makes .venv/ once; the extension is built in
# build/ beside the program, and its pytest suite (tests/python/) runs as the CTest test
# `python_tests`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck source=scripts/python_env.sh
source scripts/python_env.sh
jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "${python_cmake_flags[@]}"
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"
