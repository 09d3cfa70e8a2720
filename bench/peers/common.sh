# shellcheck shell=bash disable=SC2154  # `here` and `root` come from the sourcing script
# Sourced (not run) by the bench/peers scripts, after they set `here` (this folder) and
# `root` (the repository): the failure exit, the checks every script makes, and the
# provenance that every result file records (result_file.py reads it back).

# fail MESSAGE...: the message on stderr, after the script's name; exit 1.
fail() {
  echo "${0##*/}: $*" >&2
  exit 1
}

# require_benchmark BUILD_DIR NAME: fails unless BUILD_DIR/bench/NAME is an executable.
require_benchmark() {
  [[ -x "$1/bench/$2" ]] || fail "no benchmark at $1/bench/$2 (build the $2 target first)"
}

# The 1-, 5- and 15-minute load averages, "a b c".
load_average() {
  cut -d' ' -f1-3 /proc/loadavg
}

# The commit measured: ISMC_GIT_COMMIT where set (a copied tree has no .git), else HEAD,
# else "unknown".
git_commit() {
  echo "${ISMC_GIT_COMMIT:-$(git -C "${root}" rev-parse HEAD 2> /dev/null || echo unknown)}"
}

# The number of files changed or untracked in the tree (0 where it has no .git).
git_dirty_files() {
  { git -C "${root}" status --porcelain 2> /dev/null || true; } | wc -l
}

# with_provenance COMMAND...: runs COMMAND (the summarizing Python) with NPROC, CPU_MODEL,
# DATE (UTC), COMMIT and DIRTY (git_dirty_files) in its environment and this folder on its
# PYTHONPATH, so that it can `import result_file`. The caller adds LOAD_BEFORE and
# LOAD_AFTER (load_average) where it records them.
with_provenance() {
  NPROC="$(nproc)" \
  CPU_MODEL="$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)" \
  DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  COMMIT="$(git_commit)" \
  DIRTY="$(git_dirty_files)" \
  PYTHONPATH="${here}${PYTHONPATH:+:${PYTHONPATH}}" \
  "$@"
}
