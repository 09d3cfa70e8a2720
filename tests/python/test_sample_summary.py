"""ismc.sample and ismc.summary: the same draws as `ismc sample`, the same table as
`ismc summary`, ArviZ's summary, and a netCDF round trip."""

import numpy as np
import pytest

import ismc
from conftest import EXAMPLES

DATA = EXAMPLES / "eight_schools.json"
SETTINGS = dict(chains=2, warmup=150, draws=200, seed=5)


@pytest.fixture(scope="module")
def idata():
    return ismc.sample("eight_schools_noncentered", DATA, progress=False, **SETTINGS)


@pytest.fixture(scope="module")
def cli_files(run_cli, tmp_path_factory):
    out = tmp_path_factory.mktemp("chains")
    run_cli("sample", "eight_schools_noncentered", "--data", DATA, "--chains", 2, "--warmup",
            150, "--draws", 200, "--seed", 5, "--output-dir", out, "--quiet")
    return [out / f"eight_schools_noncentered-{c}.csv" for c in (1, 2)]


def test_the_container(idata):
    assert set(idata.groups()) >= {"posterior", "sample_stats", "observed_data"}
    assert dict(idata.posterior.sizes)["chain"] == 2 and dict(idata.posterior.sizes)["draw"] == 200
    assert set(idata.posterior.data_vars) == {"mu", "tau", "nu", "theta"}
    assert idata.posterior["theta"].shape == (2, 200, 8)
    stats = set(idata.sample_stats.data_vars)
    assert stats == {"lp", "acceptance_rate", "step_size", "tree_depth", "n_steps", "diverging",
                     "energy"}
    assert idata.sample_stats["diverging"].dtype == bool
    np.testing.assert_array_equal(idata.observed_data["y"], [28, 8, -3, 7, -1, 1, 18, 12])
    # θ_j = μ + τ ν_j, the model's transformed parameter.
    post = idata.posterior
    np.testing.assert_allclose(post["theta"], post["mu"] + post["tau"] * post["nu"], rtol=1e-12,
                               atol=1e-12)


def test_the_same_draws_as_the_cli(idata, cli_files):
    # `ismc summary` of the CLI's files and ismc.summary of the InferenceData: the same
    # draws (the CLI writes every digit), so the same numbers.
    from_files = ismc.summary(cli_files)
    from_idata = ismc.summary(idata)
    assert list(from_files.index) == list(from_idata.index)
    np.testing.assert_array_equal(from_files.to_numpy(), from_idata.to_numpy())
    assert from_files.index[0] == "lp__" and "theta.8" in from_files.index


def test_summary_of_one_path_and_its_problems(cli_files, run_cli):
    one = ismc.summary(cli_files[0])
    assert isinstance(one.attrs["problems"], list)
    printed = run_cli("summary", cli_files[0]).stdout
    # The printed table rounds (%.4g): every mean agrees with it to its digits.
    checked = 0
    for line in printed.splitlines():
        fields = line.split()
        if len(fields) == 10 and fields[0] in one.index:
            checked += 1
            assert float(fields[1]) == pytest.approx(one.loc[fields[0], "mean"], rel=1e-3,
                                                     abs=1e-4)
    assert checked == len(one) == 19  # lp__, mu, tau, nu.1-8, theta.1-8
    with pytest.raises(ValueError, match="missing.csv"):
        ismc.summary(cli_files[0].parent / "missing.csv")


def test_arviz_summary_agrees(idata):
    import arviz as az

    ours = ismc.summary(idata)
    theirs = az.summary(idata, var_names=["mu", "tau", "nu", "theta"], round_to="none",
                        stat_focus="mean", kind="all")
    names = {f"{n}[{i}]": f"{n}.{i + 1}" for n in ("nu", "theta") for i in range(8)}
    theirs = theirs.rename(index=lambda n: names.get(n, n))
    for name in theirs.index:
        mine = ours.loc[name]
        assert mine["mean"] == pytest.approx(theirs.loc[name, "mean"], rel=1e-12), name
        assert mine["sd"] == pytest.approx(theirs.loc[name, "sd"], rel=1e-12), name
        # Both are posterior's rank-normalized split R-hat and bulk/tail ESS (Vehtari et al.
        # 2021); ArviZ and posterior 1.4.0 agree to rounding on these.
        assert mine["rhat"] == pytest.approx(theirs.loc[name, "r_hat"], rel=1e-6), name
        assert mine["ess_bulk"] == pytest.approx(theirs.loc[name, "ess_bulk"], rel=1e-6), name
        assert mine["ess_tail"] == pytest.approx(theirs.loc[name, "ess_tail"], rel=1e-6), name


def test_netcdf_round_trip(idata, tmp_path):
    import arviz as az

    path = tmp_path / "draws.nc"
    idata.to_netcdf(str(path))
    back = az.from_netcdf(str(path))
    for group in ("posterior", "sample_stats", "observed_data"):
        assert getattr(back, group).equals(getattr(idata, group)), group


def test_deterministic_in_the_seed():
    a = ismc.sample("eight_schools_centered", DATA, chains=1, warmup=50, draws=20, seed=9,
                    progress=False)
    b = ismc.sample("eight_schools_centered", DATA, chains=1, warmup=50, draws=20, seed=9,
                    threads=1, progress=False)
    assert a.posterior.equals(b.posterior)
    assert a.attrs["seed"] == 9


def test_bad_arguments():
    with pytest.raises(ValueError, match="chains: got 0"):
        ismc.sample("eight_schools_centered", DATA, chains=0)
    with pytest.raises(ValueError, match="metric: got 'full'|metric: got full"):
        ismc.sample("eight_schools_centered", DATA, metric="full")
    with pytest.raises(ValueError, match="eight_schools_wrong"):
        ismc.sample("eight_schools_wrong", DATA)
    with pytest.raises(ValueError, match="sigma"):
        ismc.sample("eight_schools_centered", {"J": 2, "y": [1.0, 2.0]})
