#!/usr/bin/env bash
# Prints two rates CSVs of the same 1-D targets side by side: exact rate, plain estimate
# and standard error, importance estimate and standard error, ESS per simulation.
# Usage: scripts/side_by_side.sh PLAIN.csv IMPORTANCE.csv
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 PLAIN.csv IMPORTANCE.csv" >&2
  exit 2
fi
awk -F, '
  FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME, $i] = i; next }
  FILENAME == ARGV[1] {
    theta[FNR] = $col[FILENAME, "theta_0"]; exact[FNR] = $col[FILENAME, "exact"]
    plain[FNR] = $col[FILENAME, "estimate"]; plain_se[FNR] = $col[FILENAME, "std_error"]
    rows = FNR; next
  }
  {
    is[FNR] = $col[FILENAME, "estimate"]; is_se[FNR] = $col[FILENAME, "std_error"]
    ess[FNR] = $col[FILENAME, "ess_per_sim"]
  }
  END {
    printf "%8s %12s %12s %11s %12s %11s %12s\n", "theta_0", "exact", "plain", "plain_se",
           "importance", "imp_se", "ess_per_sim"
    for (r = 2; r <= rows; r++)
      printf "%8.3g %12.5g %12.5g %11.3g %12.5g %11.3g %12.4g\n", theta[r], exact[r], plain[r],
             plain_se[r], is[r], is_se[r], ess[r]
  }' "$1" "$2"
