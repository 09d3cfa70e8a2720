#!/usr/bin/env bash
# mpiexec scaling of a study directory (issue 18): one process against mpiexec -n 1, 2 and 3
# (rank 0 hands out chunks and logs them from its main thread and computes chunks on a
# thread of its own; ranks 1..N-1 compute; one computing thread each), wall seconds, best of
# REPEATS. Writes bench/results/cpu_mpi_scaling.json with the load average: on a 2-core
# machine shared with other work, -n 2 (two computing ranks) can show at most 2x over -n 1,
# -n 3 (three computing threads on two cores) nothing more, and less while other processes
# take the cores.
# Usage: bench/mpi_scaling.sh ISMC [REPEATS]
set -eu
ismc=$(realpath "$1")
repeats=${2:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > study.toml <<'TOML'
[model]
dim = 1
[test]
kind = "one_sided"
critical = 1.96
[grid]
lower = [-3.0]
upper = [3.0]
points = [20000]
[run]
method = "plain"
seed = 7
chunk_targets = 500
[plain]
sims = 20000
TOML
best_of() {  # best_of COMMAND...: least wall seconds of $repeats runs
  local best=""
  for _ in $(seq "$repeats"); do
    rm -rf dir
    local start end t
    start=$(date +%s.%N)
    "$@" > /dev/null 2>&1
    end=$(date +%s.%N)
    t=$(printf "%.6f" "$(echo "$end - $start" | bc -l)")  # 0.04, not bc's .04 (JSON)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  echo "$best"
}
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
one=$(best_of "$ismc" rates study.toml --out-dir dir --threads 1 -q)
one_2threads=$(best_of "$ismc" rates study.toml --out-dir dir --threads 2 -q)
n1=$(best_of mpiexec -n 1 "$ismc" rates study.toml --out-dir dir --threads 1 -q)
n2=$(best_of mpiexec -n 2 "$ismc" rates study.toml --out-dir dir --threads 1 -q)
n3=$(best_of mpiexec -n 3 "$ismc" rates study.toml --out-dir dir --threads 1 -q)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$root/bench/results"
cat > "$root/bench/results/cpu_mpi_scaling.json" <<JSON
{
  "what": "ismc rates --out-dir, 20000 targets x 20000 plain sims (4e8 sims), chunks of 500; wall seconds, best of $repeats; mpiexec -n N: rank 0 dispatches and logs and computes on a thread of its own, N ranks compute with 1 thread each",
  "machine": "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')",
  "load_average_before": "$load_before",
  "load_average_after": "$load_after",
  "one_process_1_thread": $one,
  "one_process_2_threads": $one_2threads,
  "mpiexec_n1": $n1,
  "mpiexec_n2": $n2,
  "mpiexec_n3": $n3
}
JSON
cat "$root/bench/results/cpu_mpi_scaling.json"
