#!/usr/bin/env bash
# The CTest bench_smoke: bench/run_all.sh --tiny against BUILD_DIR with the peers that
# scripts/setup.sh installs, into a temporary folder; passes when the summary (Markdown,
# JSON, PNG) is written, every workload of ours ran, and the peers not installed by the
# set-up script are listed as "skipped: not installed". Installs and builds nothing.
# Usage: bench/run_all_smoke.sh BUILD_DIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "${out}"' EXIT
bash "${here}/run_all.sh" --tiny --no-build --setup-peers-only --build "$1" --out "${out}"
for file in summary.md summary.json summary.png; do
  [[ -s "${out}/${file}" ]] || { echo "run_all_smoke: no ${file}" >&2; exit 1; }
done
head -c 8 "${out}/summary.png" | od -An -tx1 | grep -q "89 50 4e 47" ||
  { echo "run_all_smoke: summary.png is not a PNG" >&2; exit 1; }
grep -q "skipped: not installed" "${out}/summary.md" ||
  { echo "run_all_smoke: no peer listed as skipped: not installed" >&2; exit 1; }
grep -q "the seed's numpy (four-index) | [0-9]" "${out}/summary.md" ||
  { echo "run_all_smoke: the numpy peer did not run" >&2; exit 1; }
echo "run_all_smoke: summary.md, summary.json and summary.png written"
