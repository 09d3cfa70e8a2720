#!/usr/bin/env bash
# ismc's NUTS against Stan's (rstan) on the non-centered eight schools, in one run on one
# machine, for the same seeds: 4 chains x (1000 warmup + 1000 draws), default settings,
# chains one after another in one thread. Per seed, one after the other (interleaved, so
# that both see the machine in the same state):
#   1. bench/peers/rstan_eight_schools.R --seeds S (the model compiled, or loaded from its
#      cache, before any timing);
#   2. bench_nuts --benchmark_filter=BM_NutsEightSchools/seed:S/warmup:1000/draws:1000;
# then prints a table (seed, rstan ESS/s, ismc ESS/s, ratio, rstan grad/ESS, ismc grad/ESS)
# with the averages over seeds, and writes every figure with the machine, date and commit
# as JSON.
#
# Per seed and tool: sampler time = Σ over chains of warmup + sampling time (rstan's
# get_elapsed_time; ismc: what run_nuts reports to draw_writer::timing); ESS = bulk-ESS of
# tau (posterior::ess_bulk; ismc::ess_bulk); gradients = Σ n_leapfrog over every iteration,
# warmup included. ESS/s = ESS / sampler time; grad/ESS = gradients / ESS. Averages are the
# means over seeds of the per-seed figures.
# Aims (issue 5): ismc's grad/ESS within 10% of Stan's; ismc's ESS/s at least 5x Stan's.
#
# Usage: bench/peers/compare_rstan.sh [BUILD_DIR] [OUTPUT_JSON]
#   BUILD_DIR    build tree holding bench/bench_nuts (default: build)
#   OUTPUT_JSON  default: bench/results/cpu_nuts_vs_rstan.json
# Environment: ISMC_SEEDS (default 1,2,3,4,5), PYTHON (default /usr/bin/python3),
#   ISMC_R_LIB (the private R library of setup_rstan.sh; default build-peer/r-lib).
# Set-up first: bench/peers/setup_rstan.sh (packages; the BH include work-around).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
# shellcheck source=bench/peers/common.sh
source "${here}/common.sh"
build_dir="${1:-build}"
output="${2:-${root}/bench/results/cpu_nuts_vs_rstan.json}"
python="${PYTHON:-/usr/bin/python3}"
seeds="${ISMC_SEEDS:-1,2,3,4,5}"

[[ "${seeds}" =~ ^[0-9]+(,[0-9]+)*$ ]] || fail "ISMC_SEEDS must be comma-separated integers"
bench="${build_dir}/bench/bench_nuts"
require_benchmark "${build_dir}" bench_nuts
command -v Rscript >/dev/null || fail "no Rscript (run bench/peers/setup_rstan.sh)"
# The BH stub only (no apt-get here): fails with a message when a package is missing.
r_lib="$("${here}/setup_rstan.sh" --no-install | tail -n1)" ||
  fail "rstan is not set up: run bench/peers/setup_rstan.sh"
export ISMC_R_LIB="${r_lib}"

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

load_before="$(load_average)"

# append_json_line FILE JSONL: FILE's JSON document as one line at the end of JSONL.
append_json_line() {
  "${python}" -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))))' "$1" >> "$2"
}

# Interleaved per seed (rstan then ismc), so that both see the machine in the same state.
# The first rstan call compiles the model (or loads it from the cache), outside the timing.
: > "${work}/rstan.jsonl"
: > "${work}/ismc.jsonl"
for seed in ${seeds//,/ }; do
  echo "seed ${seed}: rstan ..." >&2
  Rscript "${here}/rstan_eight_schools.R" --seeds "${seed}" --chains 4 --warmup 1000 \
    --draws 1000 --data "${root}/examples/eight_schools.json" > "${work}/rstan.json" ||
    fail "rstan_eight_schools.R failed"
  append_json_line "${work}/rstan.json" "${work}/rstan.jsonl"
  echo "seed ${seed}: ismc ..." >&2
  ISMC_NUTS_SEEDS="${seed}" "${bench}" \
    "--benchmark_filter=^BM_NutsEightSchools/seed:${seed}/warmup:1000/draws:1000/" \
    --benchmark_format=json > "${work}/ismc.json" || fail "bench_nuts failed"
  append_json_line "${work}/ismc.json" "${work}/ismc.jsonl"
done

load_after="$(load_average)"
mkdir -p "$(dirname "${output}")"

LOAD_BEFORE="${load_before}" LOAD_AFTER="${load_after}" SEEDS="${seeds}" \
BUILD_TYPE="$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "${build_dir}/CMakeCache.txt" 2>/dev/null || true)" \
with_provenance "${python}" - "${work}/rstan.jsonl" "${work}/ismc.jsonl" "${output}" <<'EOF'
import json, os, re, statistics, sys

from result_file import provenance, write

rstan_path, ismc_path, output = sys.argv[1:4]
rstan_runs = [json.loads(line) for line in open(rstan_path) if line.strip()]
ismc_runs = [json.loads(line) for line in open(ismc_path) if line.strip()]
rstan = rstan_runs[0]
ismc = ismc_runs[0]
seeds = [int(s) for s in os.environ["SEEDS"].split(",")]

fields = ["sampler_seconds", "warmup_seconds", "sampling_seconds", "ess_bulk_tau", "gradients",
          "ess_per_second", "gradients_per_ess", "divergent"]
ismc_rows = {}
for b in (b for run in ismc_runs for b in run["benchmarks"]):
    m = re.match(r"BM_NutsEightSchools/seed:(\d+)/warmup:1000/draws:1000/", b["name"])
    if not m or b.get("run_type") == "aggregate":
        continue
    if "error_occurred" in b and b["error_occurred"]:
        sys.exit(f"compare_rstan.sh: {b['name']}: {b.get('error_message')}")
    ismc_rows[int(m.group(1))] = {k: b[k] for k in fields}
rstan_rows = {int(r["seed"]): r for run in rstan_runs for r in run["per_seed"]}

rows = []
for seed in seeds:
    if seed not in rstan_rows:
        sys.exit(f"compare_rstan.sh: rstan did not run seed {seed}")
    if seed not in ismc_rows:
        sys.exit(f"compare_rstan.sh: bench_nuts did not run seed {seed}")
    r, i = rstan_rows[seed], ismc_rows[seed]
    rows.append({"seed": seed,
                 "rstan": {k: r[k] for k in fields},
                 "ismc": i,
                 "ess_per_second_ratio": i["ess_per_second"] / r["ess_per_second"],
                 "gradients_per_ess_ratio": i["gradients_per_ess"] / r["gradients_per_ess"]})

def mean(tool, key):
    return statistics.fmean(row[tool][key] for row in rows)

averages = {tool: {k: mean(tool, k) for k in fields} for tool in ("rstan", "ismc")}
ess_ratio = averages["ismc"]["ess_per_second"] / averages["rstan"]["ess_per_second"]
grad_ratio = averages["ismc"]["gradients_per_ess"] / averages["rstan"]["gradients_per_ess"]
averages["ess_per_second_ratio"] = ess_ratio
averages["gradients_per_ess_ratio"] = grad_ratio
averages["per_seed_ess_per_second_ratio_mean"] = statistics.fmean(
    row["ess_per_second_ratio"] for row in rows)

result = {
    "what": "NUTS on eight schools non-centered, 4 chains x (1000 warmup + 1000 draws), default "
            "settings, chains sequential in one thread: ismc (bench/bench_nuts.cpp) vs rstan "
            "(bench/peers/rstan_eight_schools.R, compiled outside the timing). sampler_seconds = "
            "sum over chains of warmup + sampling time (rstan: get_elapsed_time); ess_bulk_tau = "
            "bulk-ESS of tau over the 1000 x 4 draws; gradients = sum of n_leapfrog over all "
            "iterations incl. warmup; averages are means over seeds of the per-seed figures; "
            "ratios are ismc / rstan",
    **provenance(),
    "seeds": seeds,
    "rstan_versions": rstan["versions"],
    "rstan_model_compiled_in_this_run": rstan["model_compiled_in_this_run"],
    "rstan_compile_or_load_seconds_untimed": rstan["compile_seconds"],
    "ismc_build_type": os.environ["BUILD_TYPE"],
    "ismc_context": ismc["context"],  # library_build_type there is Google Benchmark's
    "aims": {
        "gradients_per_ess_within_10_percent_of_stan": abs(grad_ratio - 1.0) <= 0.10,
        "ess_per_second_at_least_5x_stan": ess_ratio >= 5.0,
    },
    "averages": averages,
    "per_seed": rows,
    "rstan_raw": rstan_runs,
}
write(result, output)

print(f"{'seed':>6} {'rstan ESS/s':>12} {'ismc ESS/s':>12} {'ratio':>7} "
      f"{'rstan grad/ESS':>15} {'ismc grad/ESS':>14} {'ratio':>7}")
for row in rows:
    r, i = row["rstan"], row["ismc"]
    print(f"{row['seed']:>6} {r['ess_per_second']:>12.0f} {i['ess_per_second']:>12.0f} "
          f"{row['ess_per_second_ratio']:>6.2f}x {r['gradients_per_ess']:>15.1f} "
          f"{i['gradients_per_ess']:>14.1f} {row['gradients_per_ess_ratio']:>6.2f}x")
r, i = averages["rstan"], averages["ismc"]
print(f"{'mean':>6} {r['ess_per_second']:>12.0f} {i['ess_per_second']:>12.0f} "
      f"{ess_ratio:>6.2f}x {r['gradients_per_ess']:>15.1f} {i['gradients_per_ess']:>14.1f} "
      f"{grad_ratio:>6.2f}x")
print(f"aim ESS/s >= 5x Stan: {'met' if result['aims']['ess_per_second_at_least_5x_stan'] else 'MISSED'}"
      f" ({ess_ratio:.2f}x); aim grad/ESS within 10% of Stan: "
      f"{'met' if result['aims']['gradients_per_ess_within_10_percent_of_stan'] else 'MISSED'}"
      f" ({(grad_ratio - 1) * 100:+.1f}%)")
print(f"written: {output}")
EOF
