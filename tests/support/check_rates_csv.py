#!/usr/bin/env python3
"""Checks a rates CSV (ismc rates --out) against its `exact` column, or against another
run's CSV.

  check_rates_csv.py exact CSV MIN_RATE
      every row within 4 standard errors of its exact rate, and every exact rate at least
      MIN_RATE (the study reaches down that far): plain rows by the exact SE
      sqrt(f (1 - f) / sims) (an estimated SE is biased low where rejections are few),
      importance rows by their reported SE, which must be positive;
  check_rates_csv.py same CPU_CSV DEVICE_CSV
      the same targets, and estimates equal within 1e-9 relative (plain: identical counts,
      so equal estimates).
Exit 0 when the check holds, 1 otherwise (each failing row printed).
"""

import csv
import math
import sys


def rows_of(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def check_exact(path, min_rate):
    rows = rows_of(path)
    failures = 0
    reached = math.inf
    for row in rows:
        estimate = float(row["estimate"])
        exact = float(row["exact"])
        reached = min(reached, exact)
        if row["method"] == "plain":
            se = math.sqrt(exact * (1.0 - exact) / float(row["sims"]))
        else:
            se = float(row["std_error"])
            if not se > 0.0:
                print("%s: theta %s: importance SE %s, expected > 0" % (path, row["theta_0"], se))
                failures += 1
                continue
        z = (estimate - exact) / se
        print("%s: theta %s: estimate %.6g exact %.6g se %.3g z %+.2f"
              % (path, row["theta_0"], estimate, exact, se, z))
        if abs(z) > 4.0:
            failures += 1
    if not rows:
        print("%s: no rows" % path)
        return 1
    if reached > min_rate:
        print("%s: smallest exact rate %.3g, expected the study to reach %.3g"
              % (path, reached, min_rate))
        failures += 1
    return 1 if failures else 0


def check_same(cpu_path, device_path):
    cpu, device = rows_of(cpu_path), rows_of(device_path)
    if len(cpu) != len(device):
        print("%d rows on the CPU, %d on the device" % (len(cpu), len(device)))
        return 1
    failures = 0
    for a, b in zip(cpu, device):
        thetas = [k for k in a if k.startswith("theta_")]
        if any(a[k] != b[k] for k in thetas):
            print("targets differ: %s vs %s" % ([a[k] for k in thetas], [b[k] for k in thetas]))
            failures += 1
            continue
        x, y = float(a["estimate"]), float(b["estimate"])
        same = x == y if a["method"] == "plain" else abs(x - y) <= 1e-9 * max(abs(x), abs(y))
        print("theta %s: cpu %.17g device %.17g %s" % (a["theta_0"], x, y, "ok" if same else "DIFFER"))
        failures += 0 if same else 1
    return 1 if failures else 0


def main(argv):
    if len(argv) == 4 and argv[1] == "exact":
        return check_exact(argv[2], float(argv[3]))
    if len(argv) == 4 and argv[1] == "same":
        return check_same(argv[2], argv[3])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
