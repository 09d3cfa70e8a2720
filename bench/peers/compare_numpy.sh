#!/usr/bin/env bash
# The seed's numpy four-index computation against ismc's streamed estimator on the same
# dense problem, in one run on one machine:
#   1. bench/peers/seed_numpy.py at the seed's scale (J = 11, N = 1000) and at the largest J
#      whose dense arrays numpy fits in the memory budget (N = 20000);
#   2. bench_importance --benchmark_filter=BM_DenseSeedProblem at those two sizes (and at the
#      41 x 20000 of its own registration, where the seed's numpy ran out of 24 GB);
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
build_dir="${1:-build}"
output="${2:-${root}/bench/results/cpu_numpy_comparison.json}"
python="${PYTHON:-/usr/bin/python3}"
memory_gb="${NUMPY_MEMORY_GB:-8}"
repetitions="${ISMC_REPETITIONS:-5}"

fail() {
  echo "compare_numpy.sh: $*" >&2
  exit 1
}

bench="${build_dir}/bench/bench_importance"
[[ -x "${bench}" ]] || fail "no benchmark at ${bench} (build the bench_importance target first)"
"${python}" -c 'import numpy' 2>/dev/null || fail "${python} has no numpy (try PYTHON=/usr/bin/python3)"

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

echo "numpy: seed_numpy.py (memory budget ${memory_gb} GB) ..." >&2
"${python}" "${here}/seed_numpy.py" --memory-gb "${memory_gb}" > "${work}/numpy.jsonl" ||
  fail "seed_numpy.py failed"
large_j="$("${python}" -c '
import json, sys
for line in open(sys.argv[1]):
    row = json.loads(line)
    if row["scale"] == "largest":
        print(row["J"], row["N"], sep=":")
' "${work}/numpy.jsonl")"
[[ -n "${large_j}" ]] || fail "seed_numpy.py reported no largest scale"

echo "ismc: BM_DenseSeedProblem (${repetitions} repetitions, extra size ${large_j}) ..." >&2
ISMC_DENSE_SIZES="${large_j}" "${bench}" --benchmark_filter=BM_DenseSeedProblem \
  --benchmark_format=json --benchmark_repetitions="${repetitions}" \
  > "${work}/ismc.json" || fail "bench_importance failed"

load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p "$(dirname "${output}")"

NPROC="$(nproc)" \
CPU_MODEL="$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)" \
DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
COMMIT="$(git -C "${root}" rev-parse HEAD)" \
DIRTY="$(git -C "${root}" status --porcelain | wc -l)" \
LOAD_BEFORE="${load_before}" LOAD_AFTER="${load_after}" MEMORY_GB="${memory_gb}" \
"${python}" - "${work}/numpy.jsonl" "${work}/ismc.json" "${output}" <<'EOF'
import json, os, sys

numpy_path, ismc_path, output = sys.argv[1:4]
numpy_rows = [json.loads(line) for line in open(numpy_path) if line.strip()]
ismc = json.load(open(ismc_path))

# The median over repetitions of each size (Google Benchmark's aggregate).
ismc_rows = {}
for b in ismc["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    size = (int(b["J"]), int(b["N"]))
    to_seconds = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
    ismc_rows[size] = {
        "seconds": b["real_time"] * to_seconds,
        "cpu_seconds": b["cpu_time"] * to_seconds,
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
    rows.append(row)

result = {
    "what": "seed notebook's numpy four-index estimate (bench/peers/seed_numpy.py, one process, "
            "draws generated outside the timing) vs ismc::estimate_mixture on the CPU backend "
            "(BM_DenseSeedProblem, all threads, the N draws of every proposal simulated inside "
            "the timing); seconds are medians over repeats",
    "machine": {"nproc": int(os.environ["NPROC"]), "cpu_model": os.environ["CPU_MODEL"],
                "load_average_before": os.environ["LOAD_BEFORE"],
                "load_average_after": os.environ["LOAD_AFTER"]},
    "date": os.environ["DATE"],
    "git_commit": os.environ["COMMIT"],
    "git_tree_dirty": os.environ["DIRTY"].strip() != "0",
    "numpy_memory_budget_gb": float(os.environ["MEMORY_GB"]),
    "ismc_context": ismc["context"],
    "rows": rows,
}
tmp = output + ".tmp"
with open(tmp, "w") as f:
    json.dump(result, f, indent=2)
    f.write("\n")
os.replace(tmp, output)

print(f"{'scale':<20} {'J':>4} {'K':>4} {'N':>6} {'numpy s':>10} {'ismc s':>10} {'speed-up':>9}")
for row in rows:
    n, ours = row["numpy"], row["ismc"]
    numpy_seconds = f"{n['seconds']:.4f}" if n["run"] else "OOM"
    speedup = f"{row['speedup']:.1f}x" if "speedup" in row else "-"
    print(f"{row['scale']:<20} {row['J']:>4} {row['K']:>4} {row['N']:>6} {numpy_seconds:>10} "
          f"{ours['seconds']:>10.4f} {speedup:>9}")
    if not n["run"]:
        print(f"{'':<20} numpy: {n['why']}")
print(f"written: {output}")
EOF
