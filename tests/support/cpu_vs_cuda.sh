#!/usr/bin/env bash
# A rates program (the `ismc` command line, or one with models of its own) on both backends:
# each study on --backend cpu and --backend cuda, the estimates the same (plain: identical
# counts; importance: within 1e-9 relative; check_rates_csv.py same), and the device run
# against the exact rate within 4 SE. Exit 77 (skipped) where the program has no usable CUDA
# device.
# Usage: cpu_vs_cuda.sh PYTHON PROGRAM WORK_DIR MIN_RATE:STUDY.toml...
set -euo pipefail
python=$1 program=$2 work=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
devices=$("$program" devices)
if ! grep -Eq '^CUDA: [0-9]+' <<< "$devices"; then
  echo "skipped: no usable CUDA device ($devices)"
  exit 77
fi
mkdir -p "$work"
for case in "$@"; do
  min_rate=${case%%:*} study=${case#*:}
  name=$(basename "$study" .toml)
  for backend in cpu cuda; do
    "$program" rates "$study" --backend "$backend" --quiet --out "$work/$name.$backend.csv"
  done
  "$python" "$here/check_rates_csv.py" same "$work/$name.cpu.csv" "$work/$name.cuda.csv"
  "$python" "$here/check_rates_csv.py" exact "$work/$name.cuda.csv" "$min_rate"
done
