"""Fixtures of the Python package's tests: the `ismc` program of the same build (ISMC_EXE,
set by CTest) and the repository (ISMC_SOURCE_DIR)."""

import os
import pathlib
import shutil
import subprocess

import matplotlib
import pytest

matplotlib.use("Agg")

SOURCE_DIR = pathlib.Path(os.environ.get("ISMC_SOURCE_DIR",
                                         pathlib.Path(__file__).resolve().parents[2]))
EXAMPLES = SOURCE_DIR / "examples"


@pytest.fixture(scope="session")
def ismc_exe():
    exe = os.environ.get("ISMC_EXE") or shutil.which("ismc")
    if not exe:
        candidate = SOURCE_DIR / "build" / "ismc"
        exe = str(candidate) if candidate.exists() else None
    assert exe, "set ISMC_EXE to the ismc program (CTest does)"
    return exe


@pytest.fixture(scope="session")
def run_cli(ismc_exe):
    def run(*args, check=True, **kwargs):
        result = subprocess.run([ismc_exe, *map(str, args)], capture_output=True, text=True,
                                **kwargs)
        if check:
            assert result.returncode == 0, result.stderr
        return result
    return run
