#!/usr/bin/env bash
# Study directories across MPI ranks (CTest study_dir_mpi): mpiexec -n 2 and -n 3 against
# one process, plain and importance (the importance pilot spread over the ranks; a second
# study whose pilot doubles first), byte-identical CSVs (cmp); a run killed under MPI and
# resumed with another number of ranks. Usage: mpi.sh ISMC MPIEXEC
set -u
ismc=$1
mpiexec=$2
# shellcheck source=tests/cli/study_dir/checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

write_plain_study plain.toml 1001 3 50 1000
cat > importance.toml <<'TOML'
[model]
dim = 2
[test]
kind = "norm"
critical = 9.0
[grid]
lower = [-1.0, -1.0]
upper = [1.0, 1.0]
points = [9, 9]
[run]
method = "importance"
seed = 3
chunk_targets = 10
[importance]
pilot_sims = 400
clusters = 3
sims_per_proposal = 300
TOML

# Rare rejections: the pilot of 20 simulations per target sees none and doubles (the
# decision follows the totals over every rank), then collects again.
cat > doubling.toml <<'TOML'
[model]
dim = 1
[test]
kind = "one_sided"
critical = 4.0
[grid]
lower = [-1.0]
upper = [1.0]
points = [23]
[run]
method = "importance"
seed = 7
chunk_targets = 5
[importance]
pilot_sims = 20
clusters = 2
sims_per_proposal = 200
TOML

for study in plain importance doubling; do
  "$ismc" rates $study.toml --out $study.one.csv --json $study.one.json -q > /dev/null 2>&1 ||
    fail "$study: one process"
  for ranks in 2 3; do
    timeout 60 "$mpiexec" -n $ranks "$ismc" rates $study.toml --out-dir $study.$ranks --threads 1 -q \
      > /dev/null 2>&1 || fail "$study: mpiexec -n $ranks"
    same $study.one.csv $study.$ranks/rates.csv "$study: mpiexec -n $ranks equals one process"
  done
done
grep -q "saw no rejection; doubled" doubling.one.json ||
  fail "doubling: the pilot did not double (the case tests nothing)"
grep -q "saw no rejection; doubled" importance.one.json &&
  fail "importance: the pilot doubled (expected rejections at once)"

# Killed under MPI (rank 0 after 4 chunks), resumed with 3 ranks, then with one process.
ISMC_TEST_FAULT=kill_after_chunk:4 timeout 60 "$mpiexec" -n 2 "$ismc" rates plain.toml \
  --out-dir killed --threads 1 -q > /dev/null 2>&1
[ -e killed/rates.csv ] && fail "killed under MPI: rates.csv exists"
timeout 60 "$mpiexec" -n 3 "$ismc" rates --resume killed --threads 1 -q > /dev/null 2>&1 ||
  fail "resume under mpiexec -n 3"
same plain.one.csv killed/rates.csv "killed under mpiexec -n 2, resumed under -n 3"

# A bad study ends every rank with exit 2 and one message.
timeout 60 "$mpiexec" -n 2 "$ismc" rates plain.toml --out-dir plain.2 -q > out.txt 2> err.txt
code=$?
[ $code -eq 2 ] || fail "a directory holding a study under MPI: exit $code, expected 2"
grep -q "continue it with --resume" err.txt || fail "a directory holding a study: message"

finish "all MPI cases passed"
