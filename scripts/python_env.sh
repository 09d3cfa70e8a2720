# shellcheck shell=bash
# Sourced by scripts/test.sh and scripts/quickstart.sh: makes the project's virtual
# environment .venv/ (git-ignored) when missing and installs python/requirements.txt into it,
# again only when that file changed since (Debian's Python refuses system-wide pip installs).
# Sets `python_cmake_flags`, the CMake flags that build the Python package in build/.
[[ -x .venv/bin/python ]] || python3 -m venv .venv
if ! cmp -s python/requirements.txt .venv/ismc-requirements.txt; then
  echo "python_env: installing python/requirements.txt into .venv/"
  .venv/bin/python -m pip install -q --disable-pip-version-check -r python/requirements.txt
  cp python/requirements.txt .venv/ismc-requirements.txt
fi
# shellcheck disable=SC2034  # read by the sourcing script
python_cmake_flags=(-DISMC_BUILD_PYTHON=ON "-DPython_EXECUTABLE=${PWD}/.venv/bin/python")
