#!/usr/bin/env bash
# Population inference on the GPU, in one run on the GPU machine: the figures issue 6 asks
# for and the CPU/GPU crossovers that `--backend auto` should use.
#   1. bench_population: the hyper-likelihood on the device (terms/s at 1000 x 4000 x 64,
#      aim >= 1e11; 1 and 1024 thetas), the fixed cost of one call (aim < 50 us), and the
#      crossover sweep (CPU and device wall clock per call at 1e3 ... 1e8 terms);
#   2. bench_nuts: one gradient of the 1000-object partial-pooling model (batch 1, 64, 1024)
#      and NUTS's single-q calls at 1e3 ... 1e6 objects, CPU and device; NUTS on the
#      1000-object model with the CPU and with the device gradient (ESS/s of theta_sigma).
# Prints a table and writes the figures with the device (nvidia-smi), the date and the git
# commit to bench/results/gpu_population.json (summarized by population_gpu_summary.py).
# Fails (exit 1, with the reason) without a GPU or without the benchmark binaries.
#
# Usage: bench/peers/population_gpu.sh [BUILD_DIR] [OUTPUT_JSON]
#   BUILD_DIR    build tree holding bench/bench_population and bench/bench_nuts, built with
#                CUDA for the device (default: build-gpu)
#   OUTPUT_JSON  default: bench/results/gpu_population.json
# Environment: PYTHON (default python3), ISMC_REPETITIONS (default 3), ISMC_POPULATION_FILTER
#   and ISMC_NUTS_FILTER (bench_population's and bench_nuts's --benchmark_filter; defaults:
#   the figures above), ISMC_GIT_COMMIT (the commit, where the tree has no .git).
#
# On the lent GPU machine, scripts/gpu_check.sh builds the benchmarks and runs this script at
# small stated sizes; run it there at full size with the build that check leaves in
# build-gpu/:  bash scripts/gpu_check.sh; LD_LIBRARY_PATH=/tmp/ismc-prefix/usr/lib/x86_64-linux-gnu \
#   bench/peers/population_gpu.sh build-gpu
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
# shellcheck source=bench/peers/common.sh
source "${here}/common.sh"
build_dir="${1:-build-gpu}"
output="${2:-${root}/bench/results/gpu_population.json}"
python="${PYTHON:-python3}"
repetitions="${ISMC_REPETITIONS:-3}"

require_benchmark "${build_dir}" bench_population
require_benchmark "${build_dir}" bench_nuts
command -v nvidia-smi > /dev/null || fail "no nvidia-smi: this script runs on a machine with a GPU"
device="$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1)" ||
  fail "nvidia-smi lists no GPU"
[[ -n "${device}" ]] || fail "nvidia-smi lists no GPU"
if "${build_dir}/bench/bench_nuts" --benchmark_list_tests | grep -q BM_PartialPoolingCudaNoDevice; then
  fail "the benchmarks see no CUDA device (built without CUDA, or the device is not usable)"
fi

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

echo "bench_population (hyper-likelihood, call overhead, crossover) ..." >&2
"${build_dir}/bench/bench_population" \
  --benchmark_filter="${ISMC_POPULATION_FILTER:-^BM_HyperLikelihood(Cpu/objects:1000/samples:4000/thetas:64/threads:0|Cuda|CudaCallOverhead|Crossover)}" \
  --benchmark_repetitions="${repetitions}" --benchmark_report_aggregates_only=true \
  --benchmark_format=json --benchmark_out="${work}/population.json" --benchmark_out_format=json \
  > /dev/null
echo "bench_nuts (partial-pooling gradients, NUTS on 1000 objects) ..." >&2
"${build_dir}/bench/bench_nuts" \
  --benchmark_filter="${ISMC_NUTS_FILTER:-^BM_(PartialPoolingGradient(Cpu|Cuda)|NutsPartialPooling(Cuda)?/seed:1/warmup:1000/)}" \
  --benchmark_format=json --benchmark_out="${work}/nuts.json" --benchmark_out_format=json \
  > /dev/null

"${python}" "${here}/population_gpu_summary.py" "${work}/population.json" "${work}/nuts.json" \
  --device "${device}" --commit "$(git_commit)" --output "${output}"
