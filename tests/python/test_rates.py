"""ismc.rates against `ismc rates`: the same numbers, every digit; the three ways to give a
study; bad studies and arguments."""

import json
import tomllib

import numpy as np
import pandas as pd
import pytest

import ismc
from conftest import EXAMPLES

SMALL = """
[model]
dim = 1
[test]
kind = "two_sided"
critical = 1.96
[grid]
lower = [-1.0]
upper = [1.0]
points = [5]
[run]
seed = 7
[plain]
sims = 20000
"""


from ismc._api import read_csv


@pytest.mark.parametrize("study", ["ztest_1d.toml", "ztest_1d_importance.toml"])
def test_rates_equals_the_cli_number_for_number(study, run_cli, tmp_path):
    out, report = tmp_path / "rates.csv", tmp_path / "rates.json"
    run_cli("rates", EXAMPLES / study, "--out", out, "--json", report, "--quiet", "--seed", 11)
    frame = ismc.rates(EXAMPLES / study, seed=11, progress=False)
    expected = read_csv(out)
    assert list(frame.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(frame, expected, check_exact=True)
    # The text too: the frame's numbers print as the file's (shortest round-trip digits).
    assert frame.to_csv(index=False, lineterminator="\n") == expected.to_csv(
        index=False, lineterminator="\n")
    cli_report = json.loads(report.read_text())
    attrs = frame.attrs["ismc"]
    for key in ("study", "rows", "seed", "stages", "warnings", "ismc_version", "backend"):
        assert attrs[key] == cli_report[key], key
    if "importance" in study:
        assert attrs["importance"] == cli_report["importance"]
        assert {"ess", "ess_per_sim"} <= set(frame.columns)


def test_path_text_and_dict_agree(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    by_path = ismc.rates(path, progress=False)
    by_str_path = ismc.rates(str(path), progress=False)
    by_text = ismc.rates(SMALL, progress=False)
    by_dict = ismc.rates(tomllib.loads(SMALL), progress=False)
    for other in (by_str_path, by_text, by_dict):
        pd.testing.assert_frame_equal(by_path, other, check_exact=True)
        assert other.attrs["ismc"]["study"] == by_path.attrs["ismc"]["study"]
    # The exact two-sided rate at θ = 0 is 0.05 (c = 1.96): within 4 standard errors.
    row = by_path[by_path.theta_0 == 0.0].iloc[0]
    assert abs(row.estimate - row.exact) < 4 * row.std_error
    assert row.exact == pytest.approx(0.04999579029644087, rel=1e-12)


def test_seed_overrides_the_study():
    a = ismc.rates(SMALL, seed=8, progress=False)
    b = ismc.rates(SMALL, progress=False)
    assert a.attrs["ismc"]["seed"] == 8 and b.attrs["ismc"]["seed"] == 7
    assert not np.array_equal(a.estimate.to_numpy(), b.estimate.to_numpy())


def test_bad_studies_name_the_field(tmp_path):
    study = tomllib.loads(SMALL)
    study["plain"]["sims"] = -5
    with pytest.raises(ValueError, match=r"^study \(dict\): field 'plain.sims': got -5, "
                                         r"expected an integer > 0$"):
        ismc.rates(study)
    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL.replace('"two_sided"', '"three_sided"'))
    with pytest.raises(ValueError,
                       match=r"bad.toml:5: field .test.kind.: got \"three_sided\", expected one of"):
        ismc.rates(bad)
    study = tomllib.loads(SMALL)
    study["grid"]["typo"] = 1
    with pytest.raises(ValueError, match="grid.typo"):
        ismc.rates(study)
    with pytest.raises(ValueError, match="cannot|no such|open"):
        ismc.rates(tmp_path / "missing.toml")


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"backend: got 'gpu', expected auto, cpu or cuda"):
        ismc.rates(SMALL, backend="gpu")
    with pytest.raises(ValueError, match=r"seed: got -1, expected an integer >= 0"):
        ismc.rates(SMALL, seed=-1)
    with pytest.raises(ValueError, match=r"threads: got 1.5"):
        ismc.rates(SMALL, threads=1.5)
    with pytest.raises(ValueError, match=r"progress: got 'yes'"):
        ismc.rates(SMALL, progress="yes")
    with pytest.raises(ValueError, match=r"study: got a value of type int"):
        ismc.rates(3)


def test_cuda_without_a_device_is_a_runtime_error():
    if ismc.rates(SMALL, progress=False).attrs["ismc"]["backend"] == "cuda":
        pytest.skip("a CUDA device is present")
    with pytest.raises(RuntimeError, match="cuda|CUDA"):
        ismc.rates(SMALL, backend="cuda")
