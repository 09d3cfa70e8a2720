#!/usr/bin/env bash
# The house style stays applied: every C++ and CUDA file outside examples/ is as
# clang-format (with the repository's .clang-format) would write it.
# Usage: format_test.sh CLANG_FORMAT ROOT. Prints each file that differs; exit 1 if any.
set -euo pipefail
clang_format=$1
cd "$2"
status=0
while IFS= read -r -d '' file; do
  if ! "$clang_format" --dry-run --Werror "$file" > /dev/null 2>&1; then
    echo "not formatted: $file (run: $clang_format -i $file)"
    status=1
  fi
done < <(find include src kernels tests bench \
           \( -name '*.hpp' -o -name '*.cpp' -o -name '*.cu' -o -name '*.cuh' \) -print0)
exit $status
