#!/usr/bin/env bash
# The study directory's cost (issue 18): the log's overhead against today's --out run at the
# seed study's scale and at 10^6 targets, and peak memory (maximum resident set size, from
# /usr/bin/time -v) at 10^6 and 10^7 targets, with and without --out-dir. Writes
# bench/results/cpu_study_dir.json. Times are wall seconds, best of REPEATS runs; the
# machine's load average is recorded beside them (a shared machine's numbers are noisy).
# Usage: bench/study_dir.sh ISMC [REPEATS]
set -eu
ismc=$(realpath "$1")
repeats=${2:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

study() {  # study NAME POINTS SIMS: a one-dimensional plain z-test study
  cat > "$1.toml" <<TOML
[model]
dim = 1
[test]
kind = "one_sided"
critical = 1.96
[grid]
lower = [-3.0]
upper = [3.0]
points = [$2]
[run]
method = "plain"
seed = 7
[plain]
sims = $3
TOML
}

# best_of MODE STUDY: the least wall time of $repeats runs, in seconds.
best_of() {
  local best=""
  for _ in $(seq "$repeats"); do
    rm -rf dir out.csv
    local start end
    start=$(date +%s.%N)
    if [ "$1" = out ]; then
      "$ismc" rates "$2.toml" --out out.csv -q > /dev/null
    else
      "$ismc" rates "$2.toml" --out-dir dir -q > /dev/null
    fi
    end=$(date +%s.%N)
    local t
    t=$(printf "%.6f" "$(echo "$end - $start" | bc -l)")  # 0.04, not bc's .04 (JSON)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  echo "$best"
}

# peak_kb MODE STUDY: maximum resident set size in kB.
peak_kb() {
  rm -rf dir out.csv
  if [ "$1" = out ]; then
    /usr/bin/time -v "$ismc" rates "$2.toml" --out out.csv -q 2> time.txt > /dev/null
  else
    /usr/bin/time -v "$ismc" rates "$2.toml" --out-dir dir -q 2> time.txt > /dev/null
  fi
  grep 'Maximum resident set size' time.txt | awk '{print $NF}'
}

cp "$root/examples/ztest_1d.toml" seed.toml
study million 1000000 1000
study million_memory 1000000 10
study ten_million 10000000 10

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
seed_out=$(best_of out seed)
seed_dir=$(best_of dir seed)
million_out=$(best_of out million)
million_dir=$(best_of dir million)
mem_1e6_out=$(peak_kb out million_memory)
mem_1e6_dir=$(peak_kb dir million_memory)
mem_1e7_out=$(peak_kb out ten_million)
mem_1e7_dir=$(peak_kb dir ten_million)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

mkdir -p "$root/bench/results"
cat > "$root/bench/results/cpu_study_dir.json" <<JSON
{
  "what": "ismc rates --out FILE (all rows held) against --out-dir DIR (SQLite log, one fsync'd transaction per chunk of 10000 targets, CSV and JSON streamed from the log); plain z-test, 1 dimension",
  "machine": "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')",
  "load_average_before": "$load_before",
  "load_average_after": "$load_after",
  "repeats": $repeats,
  "seed_study_11_targets_1e5_sims": {"out_seconds": $seed_out, "out_dir_seconds": $seed_dir},
  "targets_1e6_sims_1000": {"out_seconds": $million_out, "out_dir_seconds": $million_dir},
  "peak_rss_kb_targets_1e6_sims_10": {"out": $mem_1e6_out, "out_dir": $mem_1e6_dir},
  "peak_rss_kb_targets_1e7_sims_10": {"out": $mem_1e7_out, "out_dir": $mem_1e7_dir}
}
JSON
cat "$root/bench/results/cpu_study_dir.json"
