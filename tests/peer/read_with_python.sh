#!/usr/bin/env bash
# Peer test: ArviZ (from_cmdstan) and CmdStanPy (from_csv) read the Stan CSV that
# `ismc sample` writes as CmdStan output. Exits 77 (skipped) where the Python given by
# ISMC_PEER_PYTHON (default python3) lacks arviz or cmdstanpy (pip install arviz cmdstanpy).
# Usage: read_with_python.sh ISMC_EXE SOURCE_DIR
set -euo pipefail
ismc="$1"
source_dir="$2"
python="${ISMC_PEER_PYTHON:-python3}"
if ! "$python" -c "import arviz, cmdstanpy" >/dev/null 2>&1; then
  echo "skipped: $python has no arviz and cmdstanpy"
  exit 77
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$ismc" sample eight_schools_noncentered --data "$source_dir/examples/eight_schools.json" \
  --chains 2 --warmup 200 --draws 100 --seed 1 --output-dir "$out" --quiet > "$out/log.txt"
"$python" - "$out" <<'PY'
import glob, sys, warnings
warnings.simplefilter("ignore")
import numpy as np, arviz as az, cmdstanpy

files = sorted(glob.glob(sys.argv[1] + "/*.csv"))
assert len(files) == 2, files
def column(path, name):
    rows = [line.strip().split(",") for line in open(path) if line.strip() and not line.startswith("#")]
    index = rows[0].index(name)
    return [float(row[index]) for row in rows[1:]]

mu_ours = np.array([value for f in files for value in column(f, "mu")])
assert mu_ours.size == 200

idata = az.from_cmdstan(posterior=files)
assert dict(idata.posterior.sizes)["chain"] == 2 and dict(idata.posterior.sizes)["draw"] == 100
assert set(["mu", "tau", "nu", "theta"]) <= set(idata.posterior.data_vars)
assert "diverging" in idata.sample_stats and "energy" in idata.sample_stats
assert abs(float(idata.posterior["mu"].mean()) - mu_ours.mean()) < 1e-10

fit = cmdstanpy.from_csv(files)
assert fit.draws().shape == (100, 2, 7 + 2 + 8 + 8), fit.draws().shape
assert fit.stan_variable("theta").shape == (200, 8)
assert abs(fit.stan_variable("mu").mean() - mu_ours.mean()) < 1e-10
assert np.all(np.isfinite(fit.step_size))
print("arviz", az.__version__, "and cmdstanpy", cmdstanpy.__version__, "read our Stan CSV")
PY
