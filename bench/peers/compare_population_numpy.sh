#!/usr/bin/env bash
# The hyper-likelihood ln L(theta) of population inference: vectorized numpy
# (bench/peers/population_numpy.py) against ismc on the CPU (bench_population's
# BM_HyperLikelihoodCpu), in one run on one machine, at the same sizes
# (objects x samples x thetas per call: 1000 x 4000 x 64 and 100 x 400 x 8). ismc runs with
# all hardware threads and with one thread (numpy's array operations use one core).
# Prints a table with the speed-ups and writes the figures with the machine, date and
# commit as JSON.
#
# Usage: bench/peers/compare_population_numpy.sh [BUILD_DIR] [OUTPUT_JSON]
#   BUILD_DIR    build tree holding bench/bench_population (default: build)
#   OUTPUT_JSON  default: bench/results/cpu_population_numpy.json
# Environment: ISMC_REPETITIONS (default 5), NUMPY_MIN_SECONDS (default 10), PYTHON (default
# /usr/bin/python3, which must have numpy).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
# shellcheck source=bench/peers/common.sh
source "${here}/common.sh"
build_dir="${1:-build}"
output="${2:-${root}/bench/results/cpu_population_numpy.json}"
python="${PYTHON:-/usr/bin/python3}"
repetitions="${ISMC_REPETITIONS:-5}"
numpy_min_seconds="${NUMPY_MIN_SECONDS:-10}"
sizes="1000:4000:64,100:400:8"

bench="${build_dir}/bench/bench_population"
require_benchmark "${build_dir}" bench_population
"${python}" -c 'import numpy' 2>/dev/null || fail "${python} has no numpy (try PYTHON=/usr/bin/python3)"

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

load_before="$(load_average)"

echo "numpy: population_numpy.py --sizes ${sizes} ..." >&2
"${python}" "${here}/population_numpy.py" --sizes "${sizes}" --min-seconds "${numpy_min_seconds}" \
  > "${work}/numpy.jsonl" || fail "population_numpy.py failed"

echo "ismc: BM_HyperLikelihoodCpu (${repetitions} repetitions) ..." >&2
"${bench}" --benchmark_filter='^BM_HyperLikelihoodCpu/' --benchmark_format=json \
  --benchmark_repetitions="${repetitions}" > "${work}/ismc.json" ||
  fail "bench_population failed"

load_after="$(load_average)"
mkdir -p "$(dirname "${output}")"

LOAD_BEFORE="${load_before}" LOAD_AFTER="${load_after}" \
with_provenance "${python}" - "${work}/numpy.jsonl" "${work}/ismc.json" "${output}" <<'EOF'
import json, sys

from result_file import UNIT_SECONDS, provenance, write

numpy_path, ismc_path, output = sys.argv[1:4]
numpy_rows = [json.loads(line) for line in open(numpy_path) if line.strip()]
ismc = json.load(open(ismc_path))

# The median over repetitions of each (size, threads) (Google Benchmark's aggregate).
ismc_rows = {}
for b in ismc["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    key = (int(b["objects"]), int(b["samples"]), int(b["thetas"]), int(b["threads"]))
    to_seconds = UNIT_SECONDS[b["time_unit"]]
    ismc_rows[key] = {
        "seconds": b["real_time"] * to_seconds,
        "cpu_seconds": b["cpu_time"] * to_seconds,
        "terms_per_second": b["terms_per_second"],
        "threads_used": int(b["threads_used"]),
        "name": b["run_name"],
    }

rows = []
for n in numpy_rows:
    size = (n["objects"], n["samples"], n["thetas"])
    row = {"objects": size[0], "samples": size[1], "thetas": size[2], "terms": n["terms"],
           "numpy": n}
    for threads, label in ((0, "ismc_all_threads"), (1, "ismc_one_thread")):
        ours = ismc_rows.get(size + (threads,))
        if ours is None:
            sys.exit(f"compare_population_numpy.sh: bench_population did not run {size} "
                     f"with threads = {threads}")
        row[label] = ours
        row["speedup_" + label[5:]] = n["seconds"] / ours["seconds"]
    rows.append(row)

result = {
    "what": "ln L(theta) of population inference with per-object ESS and the variance of "
            "ln L: vectorized numpy (bench/peers/population_numpy.py, one process, data "
            "drawn outside the timing, every term evaluated) vs ismc's hyper-likelihood on "
            "the CPU (bench_population BM_HyperLikelihoodCpu, make_hyper_likelihood(cpu), "
            "all hardware threads and one thread); seconds per call of all the thetas, "
            "medians over repeats; terms = objects x samples x thetas",
    **provenance(),
    "ismc_context": ismc["context"],
    "rows": rows,
}
write(result, output)

print(f"{'objects':>7} {'samples':>7} {'thetas':>6} {'numpy s':>10} {'ismc s':>10} "
      f"{'1-thr s':>10} {'speed-up':>9} {'per core':>9} {'ismc terms/s':>13}")
for row in rows:
    n, ours, one = row["numpy"], row["ismc_all_threads"], row["ismc_one_thread"]
    print(f"{row['objects']:>7} {row['samples']:>7} {row['thetas']:>6} {n['seconds']:>10.4f} "
          f"{ours['seconds']:>10.4f} {one['seconds']:>10.4f} "
          f"{row['speedup_all_threads']:>8.1f}x {row['speedup_one_thread']:>8.1f}x "
          f"{ours['terms_per_second']:>13.3e}")
print(f"written: {output}")
EOF
