#!/usr/bin/env bash
# Installs what is missing, builds the `ismc` program and runs the seed's 1-D z-test
# study (one-sided, c = 1.96, θ = −2, −1.6, …, 2) by plain Monte Carlo and by mixture
# importance sampling, then shows both side by side with the exact rates and draws them
# (out/ztest_1d.png, by `ismc plot`, with the Python package built into build/python).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck source=scripts/python_env.sh
source scripts/python_env.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "${python_cmake_flags[@]}" >/dev/null
cmake --build build -j "$(nproc)" --target ismc_exe ismc_python
mkdir -p out
echo "== plain Monte Carlo: examples/ztest_1d.toml"
./build/ismc rates examples/ztest_1d.toml --out out/ztest_1d.csv --json out/ztest_1d.json
echo
echo "== mixture importance sampling: examples/ztest_1d_importance.toml"
./build/ismc rates examples/ztest_1d_importance.toml --out out/ztest_1d_importance.csv \
  --json out/ztest_1d_importance.json
echo
echo "== side by side (estimate ± standard error; the importance run spends about 2,450"
echo "   simulations per target against plain Monte Carlo's 100,000)"
bash scripts/side_by_side.sh out/ztest_1d.csv out/ztest_1d_importance.csv
echo
./build/ismc plot out/ztest_1d.csv out/ztest_1d_importance.csv -o out/ztest_1d.png
echo "CSV and JSON output: out/; the figure: out/ztest_1d.png"
