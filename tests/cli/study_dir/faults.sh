#!/usr/bin/env bash
# Study directories under faults (CTest study_dir_faults): every interrupted run, resumed,
# gives a final CSV byte-identical (cmp) to an uninterrupted run's, which is itself the
# CSV of a plain `--out` run of the same study. Deterministic kills through
# ISMC_TEST_FAULT (after chunk K, inside a chunk's transaction, while the CSV is written),
# one SIGKILL at a fixed delay, a finished study resumed, shards 0/3, 1/3, 2/3 merged; the
# table and the JSON report of large studies.
# Usage: faults.sh ISMC
set -u
ismc=$1
# shellcheck source=tests/cli/study_dir/checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# 2001 targets in 21 chunks, without common random numbers (each target its own stream).
write_plain_study plain.toml 2001 7 100 2000
# 301 targets in 8 chunks, importance sampling (pilot, clusters, weights in the log).
cat > importance.toml <<'TOML'
[model]
dim = 1
[test]
kind = "one_sided"
critical = 1.96
[grid]
lower = [-3.0]
upper = [3.0]
points = [301]
[run]
method = "importance"
seed = 7
chunk_targets = 40
[importance]
pilot_sims = 500
clusters = 4
sims_per_proposal = 500
TOML

for study in plain importance; do
  "$ismc" rates $study.toml --out $study.ref.csv -q > /dev/null 2>&1 || fail "$study: --out run"
  "$ismc" rates $study.toml --out-dir $study.whole -q > $study.table 2> /dev/null ||
    fail "$study: --out-dir run"
  same $study.ref.csv $study.whole/rates.csv "$study: chunked --out-dir CSV equals --out CSV"

  for fault in kill_after_chunk:0 kill_after_chunk:5 kill_in_transaction:0 kill_in_transaction:3 \
               kill_in_csv:0 kill_in_csv:4; do
    dir=$study.${fault/:/_}
    ISMC_TEST_FAULT=$fault "$ismc" rates $study.toml --out-dir $dir -q > /dev/null 2>&1
    code=$?
    [ $code -eq 137 ] || fail "$study $fault: exit $code, expected 137 (SIGKILL)"
    [ -e $dir/rates.csv ] && fail "$study $fault: rates.csv exists after the kill"
    "$ismc" rates --resume $dir -q > /dev/null 2>&1 || fail "$study $fault: resume failed"
    same $study.ref.csv $dir/rates.csv "$study $fault, resumed"
    ls $dir | grep -q '\.tmp\.' && fail "$study $fault: a temporary is left in $dir"
  done
done

# Above 100 targets the table shows the first and last five rows and a summary (the heading,
# the column names, 5 rows, the elision, 5 rows, the summary).
[ "$(wc -l < plain.table)" -eq 14 ] || fail "table of 2001 targets: $(wc -l < plain.table) lines"
grep -q '^  \.\.\. 1991 more targets (every row is in the CSV) \.\.\.$' plain.table ||
  fail "table of 2001 targets: no elision line"
tail -n 1 plain.table | grep -q '^# 2001 targets: estimate from .* largest std_error ' ||
  fail "table of 2001 targets: no summary"
# The JSON report lists the rows up to 10^5 targets, beyond that it names the CSV.
for points in 100000 100001; do
  sed -e "s/points = \[2001\]/points = [$points]/" -e 's/chunk_targets = 100/chunk_targets = 50000/' \
      -e 's/sims = 2000/sims = 10/' plain.toml > rows$points.toml
  "$ismc" rates rows$points.toml --out-dir rows$points -q > /dev/null 2>&1 || fail "$points targets"
done
grep -q '"rows": \[' rows100000/report.json && ! grep -q '"rows_csv"' rows100000/report.json ||
  fail "10^5 targets: the JSON does not list the rows"
[ "$(grep -c '"theta"' rows100000/report.json)" -eq 100000 ] || fail "10^5 targets: not 10^5 rows"
grep -q '"rows_csv": "rates.csv"' rows100001/report.json && ! grep -q '"rows": ' rows100001/report.json ||
  fail "10^5 + 1 targets: the JSON does not point to the CSV"
[ "$(wc -l < rows100001/rates.csv)" -eq 100002 ] || fail "10^5 + 1 targets: CSV rows"

# A kill at a fixed delay, wherever the run is (a slower study: 60 chunks of 50 targets).
sed -e 's/points = \[2001\]/points = [3000]/' -e 's/chunk_targets = 100/chunk_targets = 50/' \
    -e 's/sims = 2000/sims = 20000/' plain.toml > slow.toml
"$ismc" rates slow.toml --out slow.ref.csv -q > /dev/null 2>&1 || fail "slow: --out run"
"$ismc" rates slow.toml --out-dir slow.killed --threads 1 -q > /dev/null 2>&1 &
runner=$!
sleep 0.5
kill -KILL $runner 2> /dev/null
wait $runner 2> /dev/null
"$ismc" status slow.killed | grep 'chunks done' || fail "slow: status"
"$ismc" rates --resume slow.killed -q > /dev/null 2>&1 || fail "slow: resume after the delayed kill"
same slow.ref.csv slow.killed/rates.csv "SIGKILL after 0.5 s, resumed"

# A process killed inside a transaction after SQLite had written some of its pages into the
# log (a spilled cache, or a commit under way) leaves a journal that must be played back
# before the log can be read: status and --resume roll it back to the last committed chunk.
ISMC_TEST_FAULT=kill_after_chunk:5 "$ismc" rates plain.toml --out-dir plain.spilled -q \
  > /dev/null 2>&1
committed=$("$ismc" status plain.spilled | sed -n 's/^chunks done *//p')
python3 - plain.spilled/results.sqlite <<'PY' || fail "spilled: making the journal"
import os, sqlite3, sys
log = sqlite3.connect(sys.argv[1], isolation_level=None)
log.execute("PRAGMA journal_mode=TRUNCATE")
log.execute("PRAGMA cache_size=2")  # spill the transaction's pages into the file
log.execute("BEGIN")
for chunk in range(1000, 1300):
    log.execute("INSERT INTO chunks VALUES (?, 0, 1, 0, 0, 0, ?)", (chunk, os.urandom(3000)))
os._exit(0)  # killed: no commit, no rollback
PY
[ -s plain.spilled/results.sqlite-journal ] || fail "spilled: no journal left"
[ "$("$ismc" status plain.spilled | sed -n 's/^chunks done *//p')" = "$committed" ] ||
  fail "spilled: status after a spilled transaction (expected $committed chunks done)"
"$ismc" rates --resume plain.spilled -q > /dev/null 2>&1 || fail "spilled: resume"
same plain.ref.csv plain.spilled/rates.csv "a transaction spilled into the log, killed, resumed"

# A finished study resumed: its outputs written again, exit 0.
rm plain.whole/rates.csv
"$ismc" rates --resume plain.whole -q > /dev/null 2>&1 || fail "finished study: resume exit"
same plain.ref.csv plain.whole/rates.csv "finished study resumed, outputs rewritten"

# Shards of a job array, merged: the CSV of one run.
for study in plain importance; do
  for shard in 0 1 2; do
    "$ismc" rates $study.toml --out-dir $study.shard$shard --shard $shard/3 -q > /dev/null 2>&1 ||
      fail "$study: shard $shard/3"
  done
  "$ismc" merge $study.shard0 $study.shard1 $study.shard2 --out-dir $study.merged -q > /dev/null 2>&1 ||
    fail "$study: merge"
  same $study.ref.csv $study.merged/rates.csv "$study: shards 0/3, 1/3, 2/3 merged"
done
# An importance shard reusing another shard's pilot (--pilot) gives the same rows.
"$ismc" rates importance.toml --out-dir importance.p1 --shard 1/3 --pilot importance.shard0 -q \
  > /dev/null 2>&1 || fail "importance: shard with --pilot"
"$ismc" merge importance.shard0 importance.p1 importance.shard2 --out-dir importance.pmerged -q \
  > /dev/null 2>&1 || fail "importance: merge with a --pilot shard"
same importance.ref.csv importance.pmerged/rates.csv "importance: a shard with --pilot, merged"

finish "all study directory fault cases passed"
