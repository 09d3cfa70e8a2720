# Sourced by the study-directory scripts beside it (faults.sh, mpi.sh): their failure
# count, their byte-for-byte comparison, their end, and the one-sided 1-D plain study they
# both run at different sizes.
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
same() {  # same REFERENCE FILE WHAT
  if cmp -s "$1" "$2"; then echo "ok: $3"; else fail "$3: $2 differs from $1"; fi
}
finish() {  # finish WHAT-PASSED: exit 1 with the count if anything failed
  if [ $failures -ne 0 ]; then
    echo "$failures failures"
    exit 1
  fi
  echo "$1"
}
# write_plain_study FILE POINTS SEED CHUNK_TARGETS SIMS: the z-test at 1.96 on θ in
# [−3, 3], plain Monte Carlo, each target its own stream, in chunks.
write_plain_study() {
  cat > "$1" <<TOML
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
seed = $3
common_random_numbers = false
chunk_targets = $4
[plain]
sims = $5
TOML
}
