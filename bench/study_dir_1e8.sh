#!/usr/bin/env bash
# 10^8 targets in a study directory (issue 18): a plain z-test study of 1e8 targets x 10 sims
# run once with --out-dir (the memory limit applies per chunk there; without --out-dir the
# whole-study estimate, 41.7 GiB, refuses it). Records wall seconds, peak resident set size
# (/usr/bin/time -v), the sizes of the log and the CSV, and the load average, under the key
# "targets_1e8_sims_10_out_dir" of bench/results/cpu_study_dir.json (the other figures kept).
# Needs about 20 GB of free disk in WORK (default: a temporary directory under /tmp) and
# several minutes. Usage: bench/study_dir_1e8.sh ISMC [WORK]
set -eu
ismc=$(realpath "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
work=${2:-$(mktemp -d)}
mkdir -p "$work"
cd "$work"
rm -rf dir
cat > big.toml <<'TOML'
[model]
dim = 1
[test]
kind = "one_sided"
critical = 1.96
[grid]
lower = [-3.0]
upper = [3.0]
points = [100000000]
[run]
method = "plain"
seed = 7
common_random_numbers = false
[plain]
sims = 10
TOML
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date +%s.%N)
/usr/bin/time -v "$ismc" rates big.toml --out-dir dir -q > /dev/null 2> time.txt
end=$(date +%s.%N)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
seconds=$(printf "%.1f" "$(echo "$end - $start" | bc -l)")
peak_kb=$(grep 'Maximum resident set size' time.txt | awk '{print $NF}')
log_bytes=$(stat -c %s dir/results.sqlite)
csv_bytes=$(stat -c %s dir/rates.csv)
rows=$(($(wc -l < dir/rates.csv) - 1))
python3 - "$root/bench/results/cpu_study_dir.json" <<PY
import json, sys
path = sys.argv[1]
with open(path) as f:
    results = json.load(f)
results["targets_1e8_sims_10_out_dir"] = {
    "what": "plain z-test, 1e8 targets x 10 sims, chunks of 10000, run once with --out-dir",
    "machine": "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')",
    "load_average_before": "$load_before",
    "load_average_after": "$load_after",
    "wall_seconds": $seconds,
    "peak_rss_kb": $peak_kb,
    "log_bytes": $log_bytes,
    "csv_bytes": $csv_bytes,
    "csv_rows": $rows,
}
with open(path, "w") as f:
    json.dump(results, f, indent=2)
    f.write("\n")
PY
rm -rf dir
cat "$root/bench/results/cpu_study_dir.json"
