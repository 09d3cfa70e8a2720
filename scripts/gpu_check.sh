#!/usr/bin/env bash
# The whole check on a machine with a GPU, in one command of at most 6 minutes: build for
# sm_90, the `gpu`-labelled tests, compute-sanitizer on one test per kernel, the benchmarks
# and the JAX peer at small sizes; a short table of the figures last.
#
# For a machine with the GPU, the CUDA toolkit, CMake, Ninja and Python with JAX and numpy,
# but no network and none of Debian's -dev packages (the lent GPU machines): the libraries
# come as .debs in gpu-debs/ (git-ignored; scripts/gpu_prepare.sh fills it on a machine that
# reaches Debian's archive), unpacked here with `dpkg-deb -x` into a scratch prefix (never
# into /). Without gpu-debs/ the system's packages are used (a developer's own GPU machine).
#
# Usage: bash scripts/gpu_check.sh
#   With the device tool, from the CPU machine (after scripts/gpu_prepare.sh):
#     run(carry=["gpu-debs"], timeout_s=480,
#         command="ISMC_GIT_COMMIT=<git rev-parse HEAD, here> bash scripts/gpu_check.sh")
#
# Phases, each under its own time budget (`timeout`; a phase that reaches it is stopped with
# a line saying so), each writing OUT/<phase>.log and OUT/<phase>.json (status, seconds,
# budget, figures) as it finishes:
#   build      configure (-DISMC_ENABLE_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90) and build, with
#              all cores, the gpu-labelled tests, cuda_check_test and the three CUDA
#              benchmarks                                                     (120 s)
#   tests      ctest -L gpu, every gpu-labelled test, each with a timeout      (60 s)
#   sanitizer  compute-sanitizer --tool memcheck and --tool racecheck on one test per kernel
#              (cuda_backend, importance, hyper_likelihood, partial_pooling); where the
#              machine's runtime refuses the sanitizer, the JSON and the table say so (60 s)
#   bench      bench/peers/compare_gpu.sh (JAX at the seed's scale J = 11, N = 1000 alone;
#              bench_cuda_rates at its smoke sizes and the seed's dense problem, once) and
#              bench/peers/population_gpu.sh (the hyper-likelihood at 100 x 400 x 8 and
#              1000 x 4000 x 64, the call overhead, the 1000-object gradient at batch 1, NUTS
#              on 1000 objects at 150 warm-up draws), their JSON folded into bench.json (120 s)
# and OUT/device.json first (device, driver, date, commit). At most 360 s in all (a phase
# gets what is left when less is left than its budget). When all phases are done the four
# logs are joined into OUT/gpu_check.log (6 files: the device tool brings back 8 at most).
#
# Without a GPU (nvidia-smi missing or listing no device, or CUDA_VISIBLE_DEVICES empty or
# -1) it prints "gpu_check: no GPU: <reason>" and exits 1 at once, before anything else (the
# CPU test tests/scripts/gpu_check_without_device.sh checks that). Exits 0 when every phase
# ended ok, else 2.
#
# Environment: OUT (default gpu-out/ in the repository), ISMC_GIT_COMMIT (the commit, where
#   the tree has no .git), ISMC_GPU_BUILD_DIR (default build-gpu), ISMC_GPU_PREFIX (default
#   /tmp/ismc-prefix), PYTHON (default python3), ISMC_GPU_BUDGET_{BUILD,TESTS,SANITIZER,BENCH}
#   and ISMC_GPU_BUDGET_TOTAL (seconds: 120, 60, 60, 120 and 360).
# shellcheck disable=SC2317  # the phase_* functions are called indirectly ("phase_$2")
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
self="${root}/scripts/gpu_check.sh"

no_gpu() {
  echo "gpu_check: no GPU: $*"
  exit 1
}

# ---------------------------------------------------------------------------------------
# The phases' bodies: run as `gpu_check.sh --phase NAME` under `timeout` (which stops the
# whole process group), with WORK (scratch), BUILD, PHASE_BUDGET and OUT in the environment;
# each may write WORK/NAME.figures.json and WORK/NAME.status (a status other than ok).

phase_build() {
  local prefix="${ISMC_GPU_PREFIX:-/tmp/ismc-prefix}" debs=() args=() targets=()
  shopt -s nullglob
  debs=("${root}"/gpu-debs/*.deb)
  shopt -u nullglob
  if ((${#debs[@]})); then
    echo "unpacking ${#debs[@]} .debs from gpu-debs/ into ${prefix}"
    rm -rf "${prefix}" && mkdir -p "${prefix}" || return 1
    for f in "${debs[@]}"; do dpkg-deb -x "${f}" "${prefix}" || return 1; done
    args=(-DCMAKE_PREFIX_PATH="${prefix}/usr" -DRANDOM123_INCLUDE_DIR="${prefix}/usr/include"
          "-DCMAKE_CXX_FLAGS=-isystem ${prefix}/usr/include"
          "-DCMAKE_CUDA_FLAGS=-isystem ${prefix}/usr/include")
  else
    echo "no gpu-debs/*.deb: using the system's packages"
  fi
  # The gpu-labelled tests, read from tests/CMakeLists.txt.
  mapfile -t targets < <("${PYTHON}" - "${root}/tests/CMakeLists.txt" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
for m in re.finditer(r"ismc_add_test\((\w+)([^)]*)\)", text):
    if re.search(r"\bLABELS\b[^)]*\bgpu\b", m.group(2)):
        print(m.group(1))
EOF
  )
  targets+=(cuda_check_test bench_cuda_rates bench_population bench_nuts)
  echo "targets: ${targets[*]}"
  local t0=${SECONDS}
  cmake -S "${root}" -B "${BUILD}" -G Ninja -DCMAKE_BUILD_TYPE=Release -DISMC_ENABLE_CUDA=ON \
    -DCMAKE_CUDA_ARCHITECTURES=90 -DISMC_BUILD_EXAMPLES=OFF "${args[@]}" || return 1
  grep -E '_DIR:(PATH|INTERNAL)=' "${BUILD}/CMakeCache.txt" | grep -v -- '-NOTFOUND' || true
  local configure_seconds=$((SECONDS - t0)) rc=0
  cmake --build "${BUILD}" -j "$(nproc)" --target "${targets[@]}" -- -k 0 || rc=$?
  local built=()
  for t in "${targets[@]}"; do
    if [[ -x "${BUILD}/tests/${t}" || -x "${BUILD}/bench/${t}" ]]; then built+=("${t}"); fi
  done
  printf '{"configure_seconds": %d, "build_seconds": %d, "targets": %d, "built": %d, "prefix": "%s"}\n' \
    "${configure_seconds}" $((SECONDS - t0 - configure_seconds)) "${#targets[@]}" \
    "${#built[@]}" "$( ((${#debs[@]})) && echo "${prefix}" || echo system)" \
    > "${WORK}/build.figures.json"
  return "${rc}"
}

phase_tests() {
  local per_test=$((PHASE_BUDGET > 20 ? PHASE_BUDGET - 10 : PHASE_BUDGET))
  ctest --test-dir "${BUILD}" -L gpu --timeout "${per_test}" --output-on-failure \
    -j "${ISMC_GPU_TEST_JOBS:-4}" --output-junit "${WORK}/tests.xml"
  local rc=$?
  "${PYTHON}" - "${WORK}/tests.xml" "${WORK}" <<'EOF'
import json, os, sys
import xml.etree.ElementTree as ET
cases = ET.parse(sys.argv[1]).getroot().iter("testcase") if os.path.exists(sys.argv[1]) else []
total, failed, skipped = 0, [], []
for case in cases:
    total += 1
    if case.find("failure") is not None or case.get("status") == "fail":
        failed.append(case.get("name"))
    elif case.find("skipped") is not None or case.get("status") in ("notrun", "disabled"):
        skipped.append(case.get("name"))
figures = {"total": total, "passed": total - len(failed) - len(skipped),
           "failed": len(failed), "skipped": len(skipped), "failed_tests": failed,
           "skipped_tests": skipped}
json.dump(figures, open(os.path.join(sys.argv[2], "tests.figures.json"), "w"))
status = None
if total == 0:
    status = "failed: ctest found no gpu-labelled test"
elif skipped and len(skipped) == total:
    status = "failed: every gpu test skipped (the tests see no device)"
if status:
    open(os.path.join(sys.argv[2], "tests.status"), "w").write(status)
EOF
  return "${rc}"
}

phase_sanitizer() {
  local sanitizer
  sanitizer="$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)"
  if [[ ! -x "${sanitizer}" ]]; then
    echo "compute-sanitizer: not found"
    echo "failed: compute-sanitizer not found" > "${WORK}/sanitizer.status"
    return 1
  fi
  # kernel test-executable gtest-filter: one test per kernel file in kernels/.
  local cases=(
    "cuda_backend backend_cuda_test CudaBackend.SimulateIsEquivalentToCpu"
    "importance backend_cuda_test CudaBackend.MixtureAccumulateIsEquivalentToCpu"
    "hyper_likelihood hyper_likelihood_cuda_test PopulationCuda.HyperLikelihoodIsEquivalentToCpu"
    "partial_pooling partial_pooling_cuda_test PartialPoolingCuda.GradientIsEquivalentToCpu"
  )
  local runs_left=$((2 * ${#cases[@]})) phase_end=$((SECONDS + PHASE_BUDGET - 2)) rc=0
  : > "${WORK}/sanitizer.jsonl"
  for tool in memcheck racecheck; do
    for c in "${cases[@]}"; do
      read -r kernel exe filter <<< "${c}"
      local limit=$(((phase_end - SECONDS) / runs_left)) t0=${SECONDS} run_rc=0 outcome
      runs_left=$((runs_left - 1))
      ((limit < 3)) && limit=3
      echo "=== ${tool} ${kernel}: ${exe} --gtest_filter=${filter} (limit ${limit} s)"
      if [[ ! -x "${BUILD}/tests/${exe}" ]]; then
        outcome="not built"
        run_rc=1
      else
        timeout -k 2 "${limit}" "${sanitizer}" --tool "${tool}" --error-exitcode 3 \
          --print-limit 20 "${BUILD}/tests/${exe}" --gtest_filter="${filter}" \
          > "${WORK}/run.log" 2>&1 || run_rc=$?
        cat "${WORK}/run.log"
        if grep -qiE 'device not supported|not supported on this|unable to (initialize|attach)|error 999|CUDA_ERROR_NOT_SUPPORTED' "${WORK}/run.log"; then
          outcome="refused by the runtime"
        elif ((run_rc == 124 || run_rc == 137)); then
          outcome="stopped at ${limit} s"
        elif grep -q '\[  SKIPPED \]' "${WORK}/run.log"; then
          outcome="skipped (the test saw no device)"
        elif ((run_rc == 0)) && grep -q '\[  PASSED  \] 1 test' "${WORK}/run.log"; then
          outcome="clean"
        else
          outcome="errors (rc ${run_rc})"
        fi
      fi
      [[ "${outcome}" == clean ]] || rc=1
      local summary
      summary="$(grep -E '(ERROR|RACECHECK) SUMMARY' "${WORK}/run.log" 2> /dev/null | tail -n1)"
      "${PYTHON}" -c 'import json, sys; print(json.dumps(dict(zip(
          ["tool", "kernel", "test", "filter", "rc", "seconds", "outcome", "summary"],
          sys.argv[1:5] + [int(sys.argv[5]), int(sys.argv[6])] + sys.argv[7:]))))' \
        "${tool}" "${kernel}" "${exe}" "${filter}" "${run_rc}" $((SECONDS - t0)) \
        "${outcome}" "${summary}" >> "${WORK}/sanitizer.jsonl"
      echo "=== ${tool} ${kernel}: ${outcome} ${summary}"
    done
  done
  "${PYTHON}" - "${WORK}" <<'EOF'
import json, os, sys
runs = [json.loads(l) for l in open(os.path.join(sys.argv[1], "sanitizer.jsonl")) if l.strip()]
figures = {"runs": runs, "clean": sum(r["outcome"] == "clean" for r in runs),
           "refused": sum(r["outcome"].startswith("refused") for r in runs), "total": len(runs)}
json.dump(figures, open(os.path.join(sys.argv[1], "sanitizer.figures.json"), "w"))
if runs and figures["refused"] == len(runs):
    open(os.path.join(sys.argv[1], "sanitizer.status"), "w").write(
        "refused: this machine's runtime refuses compute-sanitizer")
EOF
  return "${rc}"
}

phase_bench() {
  local compare_budget=$((PHASE_BUDGET * 6 / 10)) rc=0 t0=${SECONDS}
  local population_budget
  echo "=== bench/peers/compare_gpu.sh (limit ${compare_budget} s)"
  ISMC_REPETITIONS=1 JAX_ARGS="--seed-only" JAX_BUDGET_SECONDS=$((compare_budget / 2)) \
  ISMC_BENCHMARK_FILTER='^BM_Cuda(CalibrateZTest/sims:16777216/|PlainOneSided/targets:64/sims:16777216/|PlainOneSided/targets:11/sims:1000000/|MixtureAccumulate/J:1000/|DenseSeedProblem/J:11/N:1000/|ImportanceStudy/J:100/)' \
  PYTHONUNBUFFERED=1 timeout -k 2 "${compare_budget}" bash "${root}/bench/peers/compare_gpu.sh" \
    "${BUILD}" "${WORK}/gpu_rates.json" || rc=$?
  echo "compare_gpu.sh: rc ${rc}, $((SECONDS - t0)) s"
  echo "${rc} $((SECONDS - t0))" > "${WORK}/compare.rc"
  population_budget=$((PHASE_BUDGET - (SECONDS - t0) - 2))
  t0=${SECONDS}
  local prc=0
  echo "=== bench/peers/population_gpu.sh (limit ${population_budget} s)"
  ISMC_REPETITIONS=1 \
  ISMC_POPULATION_FILTER='^BM_HyperLikelihood(Cpu/objects:100/samples:400/thetas:8/threads:0|Cuda/objects:100/|Cuda/objects:1000/samples:4000/thetas:64/|CudaCallOverhead)' \
  ISMC_NUTS_FILTER='^BM_(PartialPoolingGradient(Cpu|Cuda)/batch:1/objects:1000/|NutsPartialPooling(Cuda)?/seed:1/warmup:150/)' \
  timeout -k 2 "${population_budget}" bash "${root}/bench/peers/population_gpu.sh" \
    "${BUILD}" "${WORK}/gpu_population.json" || prc=$?
  echo "population_gpu.sh: rc ${prc}, $((SECONDS - t0)) s"
  echo "${prc} $((SECONDS - t0))" > "${WORK}/population.rc"
  "${PYTHON}" - "${WORK}" <<'EOF'
import json, os, sys
work = sys.argv[1]
figures = {}
for name, rc_file, result in (("compare_gpu", "compare.rc", "gpu_rates.json"),
                              ("population_gpu", "population.rc", "gpu_population.json")):
    entry = {}
    if os.path.exists(os.path.join(work, rc_file)):
        rc, seconds = open(os.path.join(work, rc_file)).read().split()
        entry.update(rc=int(rc), seconds=int(seconds))
    path = os.path.join(work, result)
    if os.path.exists(path):
        data = json.load(open(path))
        entry["result"] = data.get("figures", data)
    figures[name] = entry
json.dump(figures, open(os.path.join(work, "bench.figures.json"), "w"))
EOF
  ((rc == 0 && prc == 0))
}

if [[ "${1:-}" == "--phase" ]]; then
  "phase_$2"
  exit $?
fi

# ---------------------------------------------------------------------------------------
# A GPU, or nothing to do: before anything else.
if [[ -n "${CUDA_VISIBLE_DEVICES+set}" && ( -z "${CUDA_VISIBLE_DEVICES}" ||
      "${CUDA_VISIBLE_DEVICES}" == "-1" ) ]]; then
  no_gpu "CUDA_VISIBLE_DEVICES='${CUDA_VISIBLE_DEVICES}' hides every device"
fi
command -v nvidia-smi > /dev/null 2>&1 || no_gpu "nvidia-smi is not on the PATH"
device="$(timeout 30 nvidia-smi --query-gpu=name,driver_version,memory.total \
  --format=csv,noheader 2> /dev/null | head -n1)"
[[ -n "${device}" ]] || no_gpu "nvidia-smi lists no device"

export PYTHON="${PYTHON:-python3}"
export OUT="${OUT:-${root}/gpu-out}"
export BUILD="${ISMC_GPU_BUILD_DIR:-${root}/build-gpu}"
[[ "${BUILD}" == /* ]] || BUILD="${root}/${BUILD}"
mkdir -p "${OUT}" || exit 2
WORK="$(mktemp -d)" || exit 2
export WORK
trap 'rm -rf "${WORK}"' EXIT
prefix="${ISMC_GPU_PREFIX:-/tmp/ismc-prefix}"
export LD_LIBRARY_PATH="${prefix}/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:${LD_LIBRARY_PATH}}"
cd "${root}" || exit 2

commit="${ISMC_GIT_COMMIT:-}"
if [[ -z "${commit}" && -e "${root}/.git" ]]; then
  commit="$(git -C "${root}" rev-parse HEAD 2> /dev/null || true)"
fi
commit="${commit:-unknown}"
IFS=',' read -r gpu_name gpu_driver gpu_memory <<< "${device}"
"${PYTHON}" -c 'import json, sys
keys = ["name", "driver", "memory_total", "date", "commit", "nvcc", "cmake", "nproc"]
values = [a.strip() for a in sys.argv[2:]]
json.dump(dict(zip(keys, values)), open(sys.argv[1], "w"), indent=1)' "${OUT}/device.json" \
  "${gpu_name}" "${gpu_driver}" "${gpu_memory}" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${commit}" \
  "$(nvcc --version 2> /dev/null | tail -n1 || echo none)" \
  "$(cmake --version 2> /dev/null | head -n1 || echo none)" "$(nproc)"
echo "gpu_check: ${device}; commit ${commit}; OUT=${OUT}"

total="${ISMC_GPU_BUDGET_TOTAL:-360}"
started=${SECONDS}
overall=0
phases=(build tests sanitizer bench)
declare -A budget=([build]="${ISMC_GPU_BUDGET_BUILD:-120}" [tests]="${ISMC_GPU_BUDGET_TESTS:-60}"
                   [sanitizer]="${ISMC_GPU_BUDGET_SANITIZER:-60}" [bench]="${ISMC_GPU_BUDGET_BENCH:-120}")
for phase in "${phases[@]}"; do
  b="${budget[${phase}]}"
  left=$((total - (SECONDS - started)))
  ((left < b)) && b=${left}
  t0=${SECONDS}
  rc=0
  if ((b < 5)); then
    status="not run: the total budget of ${total} s is spent"
    echo "${status}" > "${OUT}/${phase}.log"
  elif [[ "${phase}" != build && ! -f "${BUILD}/build.ninja" ]]; then
    status="not run: no build"
    echo "${status}" > "${OUT}/${phase}.log"
  else
    echo "gpu_check: ${phase} (budget ${b} s) ..."
    PHASE_BUDGET="${b}" timeout -k 5 "${b}" bash "${self}" --phase "${phase}" \
      > "${OUT}/${phase}.log" 2>&1 || rc=$?
    if ((rc == 124 || rc == 137)); then
      status="stopped at its budget of ${b} s"
      echo "gpu_check: ${phase} stopped at its budget of ${b} s" | tee -a "${OUT}/${phase}.log"
    elif [[ -f "${WORK}/${phase}.status" ]]; then
      status="$(cat "${WORK}/${phase}.status")"
    elif ((rc == 0)); then
      status=ok
    else
      status="failed (exit ${rc})"
    fi
  fi
  [[ "${status}" == ok ]] || overall=2
  "${PYTHON}" - "${OUT}/${phase}.json" "${phase}" "${status}" $((SECONDS - t0)) "${b}" \
    "${WORK}/${phase}.figures.json" <<'EOF'
import json, os, sys
out, phase, status, seconds, budget, figures = sys.argv[1:7]
result = {"phase": phase, "status": status, "seconds": int(seconds), "budget_seconds": int(budget),
          "figures": json.load(open(figures)) if os.path.exists(figures) else None}
json.dump(result, open(out, "w"), indent=1)
EOF
  echo "gpu_check: ${phase}: ${status} ($((SECONDS - t0)) s)"
done

# The logs in one file, so that OUT holds 6 files (the device tool brings back 8 at most).
for phase in "${phases[@]}"; do
  echo "======== ${phase}.log"
  cat "${OUT}/${phase}.log"
done > "${OUT}/gpu_check.log" && for phase in "${phases[@]}"; do rm -f "${OUT}/${phase}.log"; done

"${PYTHON}" - "${OUT}" "${phases[@]}" <<'EOF'
import json, os, sys
out, phases = sys.argv[1], sys.argv[2:]
device = json.load(open(os.path.join(out, "device.json")))
def g(v):
    return "-" if v is None else format(v, ".3g") if isinstance(v, float) else str(v)
def first(rows, key):
    for r in rows or []:
        if r.get(key) is not None:
            return r[key]
rows = []
for phase in phases:
    p = json.load(open(os.path.join(out, phase + ".json")))
    f = p.get("figures") or {}
    if phase == "build":
        text = f"{f.get('built', '-')}/{f.get('targets', '-')} targets built ({f.get('prefix', '-')})"
    elif phase == "tests":
        text = (f"{f.get('passed', '-')} passed, {f.get('failed', '-')} failed, "
                f"{f.get('skipped', '-')} skipped of {f.get('total', '-')}")
    elif phase == "sanitizer":
        text = (f"{f.get('clean', '-')}/{f.get('total', '-')} clean, "
                f"{f.get('refused', '-')} refused")
    else:
        c = (f.get("compare_gpu") or {}).get("result") or {}
        q = (f.get("population_gpu") or {}).get("result") or {}
        hl = q.get("hyper_likelihood") or {}
        text = (f"plain sims/s {g(first(c.get('plain_sims_per_second'), 'sims_per_second'))}; "
                f"seed speed-up vs JAX {g(c.get('speedup_at_seed_scale'))}; "
                f"hyper-likelihood terms/s {g(hl.get('device_terms_per_second'))}; "
                f"call overhead us {g(hl.get('device_call_overhead_us'))}")
    rows.append((phase, p["status"], p["seconds"], p["budget_seconds"], text))
print(f"\ngpu_check: {device.get('name')} (driver {device.get('driver')}), commit {device.get('commit')}")
print(f"{'phase':<10} {'status':<40} {'s':>4} {'of':>4}  figures")
for phase, status, seconds, budget, text in rows:
    print(f"{phase:<10} {status[:40]:<40} {seconds:>4} {budget:>4}  {text}")
EOF
exit "${overall}"
