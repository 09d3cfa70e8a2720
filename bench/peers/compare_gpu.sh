#!/usr/bin/env bash
# ismc's CUDA backend against the device's peak and against the seed's jitted JAX imp_est on
# the same GPU, in one run on the GPU machine:
#   1. bench/peers/jax_imp_est.py: the seed's imp_est at the seed's scale (J = 11, N = 1000)
#      and at growing J (N = 20000) until the device runs out of memory;
#   2. bench_cuda_rates (built with -DISMC_ENABLE_CUDA=ON): plain Monte Carlo (sims/s and the
#      fraction of the integer/FP64 peak), the four-index stage (log-density ratios/s against
#      the exp-and-FMA limit), the dense seed problem at every size JAX fitted, and the whole
#      J = 1e5, N = 1e4 importance study (time and device memory);
# then prints the figures and the ratios and writes them, with the device (nvidia-smi), the
# date and the git commit, to bench/results/gpu_rates.json. Fails (exit 1, with the reason)
# on a machine without a GPU, without the benchmark binary, or where JAX sees no GPU; exits 2
# after writing the file if a benchmark reported an error.
#
# Usage: bench/peers/compare_gpu.sh [BUILD_DIR] [OUTPUT_JSON]
#   BUILD_DIR    build tree holding bench/bench_cuda_rates (default: build-gpu)
#   OUTPUT_JSON  default: bench/results/gpu_rates.json
# Environment: PYTHON (default python3: on the lent GPU machines the one with JAX and numpy),
#   ISMC_REPETITIONS (default 3), JAX_SIMS (N while JAX grows J, default 20000), JAX_X64=1 (JAX
#   in float64, as ismc computes; the notebook's default is float32), JAX_BUDGET_SECONDS (JAX
#   starts no new size after this, default 180, so that the whole run fits a 600 s call),
#   JAX_ARGS (more arguments for jax_imp_est.py), ISMC_BENCHMARK_FILTER (bench_cuda_rates's
#   --benchmark_filter; default: every benchmark), ISMC_GIT_COMMIT (the commit, where the
#   tree has no .git).
#
# On the lent GPU machine, scripts/gpu_check.sh builds the benchmark (from the .debs that
# scripts/gpu_prepare.sh downloads) and runs this script at small stated sizes; run it there
# at full size with the build that check leaves in build-gpu/:
#   bash scripts/gpu_check.sh; LD_LIBRARY_PATH=/tmp/ismc-prefix/usr/lib/x86_64-linux-gnu \
#     bench/peers/compare_gpu.sh build-gpu
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
# shellcheck source=bench/peers/common.sh
source "${here}/common.sh"
build_dir="${1:-build-gpu}"
output="${2:-${root}/bench/results/gpu_rates.json}"
python="${PYTHON:-python3}"
repetitions="${ISMC_REPETITIONS:-3}"
jax_sims="${JAX_SIMS:-20000}"

# A GPU, or nothing to do.
command -v nvidia-smi > /dev/null 2>&1 ||
  fail "no GPU: nvidia-smi is not installed here (this script is for the GPU machine)"
gpu_name="$(nvidia-smi --query-gpu=name --format=csv,noheader 2> /dev/null | head -n1 || true)"
[[ -n "${gpu_name}" ]] || fail "no GPU: nvidia-smi lists no device"
gpu_driver="$(nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -n1)"
gpu_memory="$(nvidia-smi --query-gpu=memory.total --format=csv,noheader | head -n1)"

bench="${build_dir}/bench/bench_cuda_rates"
[[ -x "${bench}" ]] ||
  fail "no benchmark at ${bench} (configure with -DISMC_ENABLE_CUDA=ON and build bench_cuda_rates)"
listed="$("${bench}" --benchmark_list_tests)" || fail "${bench} --benchmark_list_tests failed"
grep -q '^BM_CudaPlainOneSided' <<< "${listed}" ||
  fail "bench_cuda_rates registered no CUDA benchmark: $("${bench}" --benchmark_min_time=0.001 2>&1 | grep -o "no CUDA device[^']*" | head -n1)"
"${python}" -c 'import jax, numpy' 2> /dev/null || fail "${python} has no jax or numpy (set PYTHON)"
jax_platform="$(XLA_PYTHON_CLIENT_PREALLOCATE=false "${python}" -c \
  'import jax; print(jax.devices()[0].platform)' 2> /dev/null || true)"
[[ "${jax_platform}" == "gpu" ]] || fail "JAX sees no GPU (its first device is '${jax_platform}')"

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

# JAX first, on an otherwise idle device: its growth stops where the device's memory does.
jax_args=(--sims "${jax_sims}" --budget-seconds "${JAX_BUDGET_SECONDS:-180}")
if [[ "${JAX_X64:-0}" == "1" ]]; then jax_args+=(--x64); fi
# shellcheck disable=SC2206
if [[ -n "${JAX_ARGS:-}" ]]; then jax_args+=(${JAX_ARGS}); fi
echo "jax: jax_imp_est.py ${jax_args[*]} ..." >&2
"${python}" "${here}/jax_imp_est.py" "${jax_args[@]}" | tee "${work}/jax.jsonl" >&2 ||
  fail "jax_imp_est.py failed"

# Every N = JAX_SIMS size that JAX fitted, for BM_CudaDenseSeedProblem (11 x 1000 and
# 41 x 20000 are registered already).
dense_sizes="$("${python}" - "${work}/jax.jsonl" "${jax_sims}" <<'EOF'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
sims = int(sys.argv[2])
sizes = sorted({(r["J"], r["N"]) for r in rows if r.get("fit") and r.get("scale") != "largest"})
print(",".join(f"{j}:{n}" for j, n in sizes if (j, n) not in {(11, 1000), (41, 20000)}))
EOF
)"

echo "ismc: bench_cuda_rates (${repetitions} repetitions; extra dense sizes '${dense_sizes}') ..." >&2
filter=()
if [[ -n "${ISMC_BENCHMARK_FILTER:-}" ]]; then filter=(--benchmark_filter="${ISMC_BENCHMARK_FILTER}"); fi
ISMC_CUDA_DENSE_SIZES="${dense_sizes}" "${bench}" --benchmark_format=json "${filter[@]}" \
  --benchmark_repetitions="${repetitions}" > "${work}/ismc.json" ||
  fail "bench_cuda_rates failed"

mkdir -p "$(dirname "${output}")"

GPU_NAME="${gpu_name}" GPU_DRIVER="${gpu_driver}" GPU_MEMORY="${gpu_memory}" \
REPETITIONS="${repetitions}" \
with_provenance "${python}" - "${work}/jax.jsonl" "${work}/ismc.json" "${output}" <<'EOF'
import json, os, statistics, sys

from result_file import UNIT_SECONDS, write

jax_path, ismc_path, output = sys.argv[1:4]
jax_rows = [json.loads(line) for line in open(jax_path) if line.startswith("{")]
ismc = json.load(open(ismc_path))
fixed = {"name", "family_index", "per_family_instance_index", "run_name", "run_type",
         "repetitions", "repetition_index", "threads", "iterations", "real_time", "cpu_time",
         "time_unit", "label", "error_occurred", "error_message", "aggregate_name",
         "aggregate_unit"}

# Per benchmark: the median over repetitions of its time and of every counter, and the fastest.
runs, errors = {}, []
for b in ismc["benchmarks"]:
    if b.get("error_occurred"):
        errors.append({"name": b.get("run_name", b["name"]), "error": b.get("error_message")})
        continue
    if b.get("run_type") != "iteration":
        continue
    runs.setdefault(b["run_name"], []).append(b)
medians = {}
for name, reps in runs.items():
    seconds = [r["real_time"] * UNIT_SECONDS[r["time_unit"]] for r in reps]
    row = {"name": name, "repetitions": len(reps), "seconds": statistics.median(seconds),
           "seconds_min": min(seconds), "label": reps[0].get("label", "")}
    for key in reps[0]:
        if key not in fixed and isinstance(reps[0][key], (int, float)):
            row[key] = statistics.median(r[key] for r in reps)
    medians[name] = row

def family(prefix):
    return [row for name, row in medians.items() if name.startswith(prefix + "/")]

def pick(row, keys):
    return {k: row[k] for k in keys if k in row}

plain = [dict(pick(r, ["name", "seconds", "seconds_min", "sims_per_second",
                       "fraction_of_fp64_or_int_peak", "fraction_of_int_peak",
                       "fraction_of_fp64_peak", "fraction_of_issue_limit",
                       "model_limit_sims_per_second", "rate_first_target",
                       "exact_rate_first_target", "sm_count", "sm_clock_mhz"]),
              aim_sims_per_second=1e11, meets_aim=r.get("sims_per_second", 0) > 1e11)
         for r in family("BM_CudaPlainOneSided")]
accumulate = [pick(r, ["name", "J", "K", "N", "seconds", "seconds_min",
                       "log_density_ratios_per_second", "rejected_draw_ratios_per_second",
                       "fraction_of_exp_fma_limit", "fraction_of_exp_fma_limit_rejected_only",
                       "model_limit_ratios_per_second"])
              for r in family("BM_CudaMixtureAccumulate")]
for r in accumulate:
    if int(r.get("J", 0)) == 100000:
        r["aim_fraction"] = 0.30
        r["meets_aim"] = r.get("fraction_of_exp_fma_limit", 0) >= 0.30
study = [pick(r, ["name", "J", "seconds", "targets_per_second", "log_density_ratios_per_second",
                  "device_memory_peak_increase_mb", "device_memory_retained_mb",
                  "device_memory_used_before_mb", "device_memory_used_after_mb",
                  "device_memory_total_mb", "peak_rss_mb"])
         for r in family("BM_CudaImportanceStudy")]

dense = {(int(r["J"]), int(r["N"])): r for r in family("BM_CudaDenseSeedProblem")}
versus = []
for j in jax_rows:
    if not j.get("fit") or j.get("scale") == "largest":
        continue
    ours = dense.get((j["J"], j["N"]))
    row = {"scale": j["scale"], "J": j["J"], "K": j["K"], "N": j["N"],
           "dense_ratios": j["dense_ratios"], "jax_dtype": j.get("dtype"),
           "jax_seconds": j["seconds"], "jax_seconds_min": j["seconds_min"],
           "jax_ratios_per_second": j["ratios_per_second"],
           "jax_device_peak_gb": j.get("device_peak_gb")}
    if ours is not None:
        row.update({"ismc_seconds": ours["seconds"], "ismc_seconds_min": ours["seconds_min"],
                    "ismc_dense_ratios_per_second": ours.get("dense_ratios_per_second"),
                    "speedup": j["seconds"] / ours["seconds"],
                    "speedup_fastest": j["seconds_min"] / ours["seconds_min"]})
    versus.append(row)
largest = next((j for j in jax_rows if j.get("scale") == "largest"), None)
seed_row = next((v for v in versus if v["scale"] == "seed"), None)
largest_row = next((v for v in versus if largest and largest.get("fit")
                    and (v["J"], v["N"]) == (largest["J"], largest["N"])), None)

result = {
    "what": "ismc's CUDA backend (bench/bench_cuda_rates.cpp) against the device's peak and "
            "against the seed's jitted JAX imp_est (bench/peers/jax_imp_est.py) on the same GPU "
            "in the same run; seconds are medians over repetitions, *_min the fastest; speedup = "
            "JAX median / ismc median on the same dense problem (JAX's inputs on the device "
            "before timing, its draws untimed; ismc simulates its draws inside the timing); "
            "operation models and counting rules are in bench_cuda_rates.cpp's header",
    "device": {"name": os.environ["GPU_NAME"], "driver": os.environ["GPU_DRIVER"],
               "memory_total": os.environ["GPU_MEMORY"]},
    "date": os.environ["DATE"],
    "git_commit": os.environ["COMMIT"],
    "git_tree_dirty_files": int(os.environ["DIRTY"] or 0),
    "repetitions": int(os.environ["REPETITIONS"]),
    "figures": {
        "plain_sims_per_second": plain,
        "mixture_accumulate": accumulate,
        "dense_vs_jax": versus,
        "jax_largest_fit": largest,
        "speedup_at_seed_scale": seed_row.get("speedup") if seed_row else None,
        "speedup_at_largest_jax_scale": largest_row.get("speedup") if largest_row else None,
        "aim_speedup": 20,
        "importance_study": study,
    },
    "errors": errors,
    "jax_rows": jax_rows,
    "ismc_benchmarks": list(medians.values()),
    "ismc_context": ismc["context"],
}
write(result, output)

def g(value, spec=".3g"):
    return "-" if value is None else format(value, spec)

print(f"device: {os.environ['GPU_NAME']} (driver {os.environ['GPU_DRIVER']})")
print("\nplain Monte Carlo, 1-D one-sided (aim: > 1e11 sims/s)")
print(f"{'benchmark':<58} {'sims/s':>9} {'int|fp64 peak':>13} {'issue limit':>11}")
for r in plain:
    print(f"{r['name']:<58} {g(r.get('sims_per_second')):>9} "
          f"{g(r.get('fraction_of_fp64_or_int_peak')):>13} {g(r.get('fraction_of_issue_limit')):>11}")
print("\nfour-index stage, 8 clusters, N = 1e4 (aim: >= 0.30 of the exp-and-FMA limit at J = 1e5)")
print(f"{'benchmark':<50} {'ratios/s':>9} {'of limit':>9} {'rejected only':>13}")
for r in accumulate:
    print(f"{r['name']:<50} {g(r.get('log_density_ratios_per_second')):>9} "
          f"{g(r.get('fraction_of_exp_fma_limit')):>9} "
          f"{g(r.get('fraction_of_exp_fma_limit_rejected_only')):>13}")
print("\ndense seed problem: JAX imp_est vs ismc (aim: >= 20x); seconds median (fastest)")
print(f"{'scale':<8} {'J':>6} {'K':>6} {'N':>6} {'JAX s':>20} {'ismc s':>20} {'speed-up':>9}")
for v in versus:
    jax_s = f"{v['jax_seconds']:.4g} ({v['jax_seconds_min']:.4g})"
    ours = (f"{v['ismc_seconds']:.4g} ({v['ismc_seconds_min']:.4g})" if "ismc_seconds" in v
            else "-")
    print(f"{v['scale']:<8} {v['J']:>6} {v['K']:>6} {v['N']:>6} {jax_s:>20} {ours:>20} "
          f"{g(v.get('speedup')):>9}")
if largest is not None:
    print(f"JAX's largest fit: J = {largest.get('J')}, N = {largest.get('N')} ({largest.get('why')})")
print("\nimportance study end to end, 1e4 pilot, 1e4 per proposal, 8 clusters")
for r in study:
    print(f"{r['name']:<50} {g(r.get('seconds'))} s, device memory peak +"
          f"{g(r.get('device_memory_peak_increase_mb'))} MB (sampled), retained "
          f"{g(r.get('device_memory_retained_mb'))} MB")
for e in errors:
    print(f"ERROR in {e['name']}: {e['error']}")
print(f"\nwritten: {output}")
sys.exit(2 if errors else 0)
EOF
