#!/usr/bin/env bash
# Installs what is missing, builds everything and runs the whole test suite.
# GPU tests (label `gpu`) run too and skip themselves where no CUDA device is usable.
# The Python package: .venv/ (git-ignored) is created once and gets python/requirements.txt
# installed (again only when that file changes); the extension is built in build/ beside
# the program, and its pytest suite (tests/python/) runs as the CTest test `python_tests`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc)
[[ -x .venv/bin/python ]] || python3 -m venv .venv
if ! cmp -s python/requirements.txt .venv/ismc-requirements.txt; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -r python/requirements.txt
  cp python/requirements.txt .venv/ismc-requirements.txt
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DISMC_BUILD_PYTHON=ON \
  -DPython_EXECUTABLE="${PWD}/.venv/bin/python"
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"
