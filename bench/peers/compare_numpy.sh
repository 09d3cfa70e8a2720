#!/usr/bin/env bash
# The seed's numpy four-index computation against ismc's streamed estimator on the same
# dense problem, in one run on one machine:
#   1. bench_importance --benchmark_filter=BM_DenseSeedProblem at the seed's scale (J = 11,
#      N = 1000), at the largest J whose dense arrays numpy fits in the memory budget
#      (N = 20000), and at the 41 x 20000 where the seed's numpy ran out of 24 GB;
#   2. bench/peers/seed_numpy.py at the first two;
# then prints a table and writes the figures with the machine, date and commit as JSON.
#
# Usage: bench/peers/compare_numpy.sh [BUILD_DIR] [OUTPUT_JSON]
#   BUILD_DIR    build tree holding bench/bench_importance (default: build)
#   OUTPUT_JSON  default: bench/results/cpu_numpy_comparison.json
# Environment: NUMPY_MEMORY_GB (default 8), ISMC_REPETITIONS (default 5), PYTHON (default
# /usr/bin/python3, which must have numpy).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
# shellcheck source=bench/peers/common.sh
source "${here}/common.sh"
build_dir="${1:-build}"
output="${2:-${root}/bench/results/cpu_numpy_comparison.json}"
python="${PYTHON:-/usr/bin/python3}"
memory_gb="${NUMPY_MEMORY_GB:-8}"
repetitions="${ISMC_REPETITIONS:-5}"

bench="${build_dir}/bench/bench_importance"
require_benchmark "${build_dir}" bench_importance
"${python}" -c 'import numpy' 2>/dev/null || fail "${python} has no numpy (try PYTHON=/usr/bin/python3)"

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

load_before="$(load_average)"

# The largest size numpy fits, from the memory model alone (runs nothing).
large_size="$("${python}" "${here}/seed_numpy.py" --memory-gb "${memory_gb}" --print-largest)" ||
  fail "seed_numpy.py found no size that fits ${memory_gb} GB"

# ismc first: run right after numpy had freed its gigabytes, the two-thread ismc runs came out
# up to 2x slower than alone (the kernel reclaiming that memory, presumably).
echo "ismc: BM_DenseSeedProblem (${repetitions} repetitions, extra size ${large_size}) ..." >&2
ISMC_DENSE_SIZES="${large_size}" "${bench}" --benchmark_filter=BM_DenseSeedProblem \
  --benchmark_format=json --benchmark_repetitions="${repetitions}" \
  > "${work}/ismc.json" || fail "bench_importance failed"

echo "numpy: seed_numpy.py (memory budget ${memory_gb} GB, largest ${large_size}) ..." >&2
"${python}" "${here}/seed_numpy.py" --memory-gb "${memory_gb}" > "${work}/numpy.jsonl" ||
  fail "seed_numpy.py failed"

load_after="$(load_average)"
mkdir -p "$(dirname "${output}")"

LOAD_BEFORE="${load_before}" LOAD_AFTER="${load_after}" MEMORY_GB="${memory_gb}" \
with_provenance "${python}" - "${work}/numpy.jsonl" "${work}/ismc.json" "${output}" <<'EOF'
import json, os, sys

from result_file import UNIT_SECONDS, provenance, write

numpy_path, ismc_path, output = sys.argv[1:4]
numpy_rows = [json.loads(line) for line in open(numpy_path) if line.strip()]
ismc = json.load(open(ismc_path))

# The median over repetitions of each size (Google Benchmark's aggregate), and the fastest.
fastest = {}
for b in ismc["benchmarks"]:
    if b.get("run_type") == "iteration":
        size = (int(b["J"]), int(b["N"]))
        seconds = b["real_time"] * UNIT_SECONDS[b["time_unit"]]
        fastest[size] = min(seconds, fastest.get(size, seconds))
ismc_rows = {}
for b in ismc["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    size = (int(b["J"]), int(b["N"]))
    ismc_rows[size] = {
        "seconds_min": fastest[size],
        "repetitions": int(b["repetitions"]),
        "seconds": b["real_time"] * UNIT_SECONDS[b["time_unit"]],
        "cpu_seconds_main_thread": b["cpu_time"] * UNIT_SECONDS[b["time_unit"]],
        "dense_ratios": b["dense_ratios"],
        "sparse_ratios": b["sparse_ratios"],
        "log_density_ratios_per_second": b["log_density_ratios_per_second"],
        "dense_ratios_per_second": b["dense_ratios_per_second"],
        "peak_rss_mb": b["peak_rss_mb"],
        "name": b["run_name"],
    }

rows = []
for n in numpy_rows:
    size = (n["J"], n["N"])
    ours = ismc_rows.get(size)
    if ours is None:
        sys.exit(f"compare_numpy.sh: bench_importance did not run J = {size[0]}, N = {size[1]}")
    row = {"scale": n["scale"], "J": n["J"], "K": n["K"], "M": n["K"], "N": n["N"],
           "dense_ratios": n["dense_ratios"], "sparse_ratios": ours["sparse_ratios"],
           "numpy": n, "ismc": ours}
    if n["run"]:
        row["speedup"] = n["seconds"] / ours["seconds"]
        row["speedup_fastest"] = n["seconds_min"] / ours["seconds_min"]
    rows.append(row)

result = {
    "what": "seed notebook's numpy four-index estimate (bench/peers/seed_numpy.py, one process, "
            "draws generated outside the timing) vs ismc::estimate_mixture on the CPU backend "
            "(BM_DenseSeedProblem, all threads, the N draws of every proposal simulated inside "
            "the timing); seconds are medians over repeats, seconds_min the fastest repeat; "
            "speedup = numpy median / ismc median, speedup_fastest = numpy fastest / ismc fastest",
    **provenance(),
    "numpy_memory_budget_gb": float(os.environ["MEMORY_GB"]),
    "ismc_context": ismc["context"],
    "rows": rows,
}
write(result, output)

print("seconds: median over repeats (fastest repeat)")
print(f"{'scale':<20} {'J':>4} {'K':>4} {'N':>6} {'numpy s':>18} {'ismc s':>18} {'speed-up':>15}")
for row in rows:
    n, ours = row["numpy"], row["ismc"]
    numpy_seconds = f"{n['seconds']:.4f} ({n['seconds_min']:.4f})" if n["run"] else "OOM"
    ismc_seconds = f"{ours['seconds']:.4f} ({ours['seconds_min']:.4f})"
    speedup = (f"{row['speedup']:.1f}x ({row['speedup_fastest']:.1f}x)" if "speedup" in row
               else "-")
    print(f"{row['scale']:<20} {row['J']:>4} {row['K']:>4} {row['N']:>6} {numpy_seconds:>18} "
          f"{ismc_seconds:>18} {speedup:>15}")
    if not n["run"]:
        print(f"{'':<20} numpy: {n['why']}")
print(f"written: {output}")
EOF
