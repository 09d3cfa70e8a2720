"""ismc.population against `ismc population`: the same summary, number for number, and the
draws as InferenceData."""

import numpy as np
import pytest

import ismc
from ismc._api import read_csv

STUDY = """
[data]
simulate = true
objects = 100
theta_mu = 0.5
theta_sigma = 0.8
alpha = 1.0
samples_per_object = 100
[run]
seed = 3
[ensemble]
walkers = 8
steps = 300
burn = 100
[nuts]
chains = 2
warmup = 150
draws = 150
"""


def test_population_equals_the_cli(run_cli, tmp_path):
    study = tmp_path / "population.toml"
    study.write_text(STUDY)
    run_cli("population", study, "--out-dir", tmp_path / "out", "--quiet")
    expected = read_csv(tmp_path / "out" / "summary.csv")
    result = ismc.population(study, progress=False)
    got = result.summary[expected.columns]
    assert list(got.method) == ["point", "point", "importance", "importance", "nuts", "nuts"]
    for column in expected.columns:
        if column in ("method", "parameter"):
            assert list(got[column]) == list(expected[column])
        else:
            np.testing.assert_array_equal(got[column].to_numpy(), expected[column].to_numpy(),
                                          err_msg=column)
    # The draws behind the summary: the CLI's NUTS draws file, chain by chain.
    nuts = read_csv(tmp_path / "out" / "nuts_draws.csv")
    posterior = result.methods["nuts"].posterior
    for chain in range(2):
        rows = nuts[nuts.chain == chain + 1]
        np.testing.assert_array_equal(posterior["theta_sigma"].values[chain],
                                      rows.theta_sigma.to_numpy())
    assert result.truth == (0.5, 0.8) and result.alpha == 1.0 and len(result.x) == 100
    assert result.exact["theta_mu"]["mean"] == expected.exact_mean[0]


def test_bad_population_study():
    with pytest.raises(ValueError, match=r"field 'ensemble.walkers': got 7"):
        ismc.population(STUDY.replace("walkers = 8", "walkers = 7"))
