#!/usr/bin/env bash
# CTest gpu_check_without_device: scripts/gpu_check.sh with no device visible (a PATH without
# nvidia-smi, CUDA_VISIBLE_DEVICES empty) must print "gpu_check: no GPU: ..." and exit 1 at
# once, writing nothing: the full check never starts from inside ctest.
# Usage: gpu_check_without_device.sh REPOSITORY_ROOT
set -uo pipefail
root="$1"
scratch="$(mktemp -d)"
trap 'rm -rf "${scratch}"' EXIT
mkdir -p "${scratch}/bin"
# The commands the script's first lines may use, and no nvidia-smi.
for tool in bash dirname env timeout head mkdir cat; do
  found="$(command -v "${tool}")" && ln -s "${found}" "${scratch}/bin/${tool}"
done
started=${SECONDS}
output="$(env -i HOME="${scratch}" PATH="${scratch}/bin" CUDA_VISIBLE_DEVICES= \
  OUT="${scratch}/out" timeout 20 bash "${root}/scripts/gpu_check.sh" 2>&1)"
rc=$?
echo "${output}"
status=0
if ((rc != 1)); then echo "FAIL: exit ${rc}, expected 1"; status=1; fi
grep -q '^gpu_check: no GPU: ' <<< "${output}" || { echo "FAIL: no 'gpu_check: no GPU:' line"; status=1; }
if [[ -e "${scratch}/out" ]]; then echo "FAIL: it wrote ${scratch}/out (the check started)"; status=1; fi
# And with nvidia-smi hidden alone (CUDA_VISIBLE_DEVICES unset).
output="$(env -i HOME="${scratch}" PATH="${scratch}/bin" OUT="${scratch}/out" \
  timeout 20 bash "${root}/scripts/gpu_check.sh" 2>&1)"
rc=$?
echo "${output}"
if ((rc != 1)) || ! grep -q '^gpu_check: no GPU: nvidia-smi' <<< "${output}"; then
  echo "FAIL: without nvidia-smi: exit ${rc}"; status=1
fi
if ((SECONDS - started > 10)); then echo "FAIL: took $((SECONDS - started)) s"; status=1; fi
exit "${status}"
