"""ismc.plot: every figure has the expected axes and artists and matches its stored
reference image (matplotlib's compare_images). After a deliberate change of a figure, run
with ISMC_UPDATE_BASELINE=1 to rewrite tests/python/baseline/, and look at the images
before committing them."""

import os
import pathlib
import shutil
import subprocess
import sys

import matplotlib
import numpy as np
import pytest
from matplotlib.collections import PathCollection, PolyCollection, QuadMesh
from matplotlib.testing.compare import compare_images

import ismc
import ismc.plot
from conftest import EXAMPLES

BASELINE = pathlib.Path(__file__).parent / "baseline"
TOLERANCE = 2.0  # RMS over 0-255 pixel values


def matches_baseline(fig, name, tmp_path):
    matplotlib.rcParams["svg.hashsalt"] = "ismc"
    actual = tmp_path / f"{name}.png"
    fig.savefig(actual, dpi=72)
    expected = BASELINE / f"{name}.png"
    if os.environ.get("ISMC_UPDATE_BASELINE"):
        BASELINE.mkdir(exist_ok=True)
        shutil.copyfile(actual, expected)
    assert expected.exists(), f"no reference image {expected}: see this file's docstring"
    result = compare_images(str(expected), str(actual), tol=TOLERANCE)
    assert result is None, result


@pytest.fixture(scope="module")
def results():
    plain = ismc.rates(EXAMPLES / "ztest_1d.toml", progress=False)
    importance = ismc.rates(EXAMPLES / "ztest_1d_importance.toml", progress=False)
    return plain, importance


@pytest.fixture(scope="module")
def eight_schools():
    return ismc.sample("eight_schools_centered", EXAMPLES / "eight_schools.json", chains=2,
                       warmup=300, draws=300, seed=3, progress=False)


def test_rates_overlay(results, tmp_path):
    fig = ismc.plot.rates(list(results))
    (ax,) = fig.axes
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["plain", "importance", "exact"]
    assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 2  # the two bands
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), results[0].theta_0)
    assert ax.get_yscale() == "linear"
    matches_baseline(fig, "rates_overlay", tmp_path)


def test_rates_log_scale(results, tmp_path):
    fig = ismc.plot.rates(list(results), log=True, title="one-sided z-test, c = 1.96")
    (ax,) = fig.axes
    assert ax.get_yscale() == "log" and ax.get_title() == "one-sided z-test, c = 1.96"
    matches_baseline(fig, "rates_log", tmp_path)


def test_rates_heat_map(tmp_path):
    study = {"model": {"dim": 3}, "test": {"kind": "norm", "critical": 7.81},
             "grid": {"lower": [-1.5, -1.5, 0.0], "upper": [1.5, 1.5, 0.5],
                      "points": [9, 9, 2]},
             "run": {"seed": 4}, "plain": {"sims": 4000}}
    frame = ismc.rates(study, progress=False)
    fig = ismc.plot.rates(frame, coords=(0, 1))
    ax = fig.axes[0]
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert mesh.get_array().shape == (9, 9) and len(fig.axes) == 2  # and the colour bar
    assert ax.get_title() == "theta_2 = 0"
    with pytest.raises(ValueError, match="coords: got"):
        ismc.plot.rates(frame, coords=(0, 0))
    matches_baseline(fig, "rates_heat_map", tmp_path)


def test_ess_gain(results, tmp_path):
    fig = ismc.plot.ess_gain(results[1])
    (ax,) = fig.axes
    assert [line.get_label() for line in ax.get_lines()] == ["importance", "plain Monte Carlo"]
    with pytest.raises(ValueError, match="ess_per_sim"):
        ismc.plot.ess_gain(results[0])
    matches_baseline(fig, "ess_gain", tmp_path)


def test_funnel(eight_schools, tmp_path):
    fig = ismc.plot.funnel(eight_schools, title="eight schools, centered")
    (ax,) = fig.axes
    draws, divergent = [c for c in ax.collections if isinstance(c, PathCollection)]
    diverging = int(eight_schools.sample_stats["diverging"].sum())
    assert len(divergent.get_offsets()) == diverging
    assert len(draws.get_offsets()) == 600 - diverging
    assert ax.get_ylabel() == r"$\log\tau$"
    matches_baseline(fig, "funnel", tmp_path)


def test_trace_and_pair(eight_schools, tmp_path):
    fig = ismc.plot.trace(eight_schools, var_names=["mu", "tau"])
    assert len(fig.axes) == 4 and fig.axes[0].get_ylabel() == "mu"
    assert len(fig.axes[1].get_lines()) == 2  # one trace per chain
    matches_baseline(fig, "trace", tmp_path)
    fig = ismc.plot.pair(eight_schools, var_names=["mu", "tau", "theta"])
    assert len(fig.axes) == 10 * 10
    assert fig.axes[10].get_ylabel() == "tau" and fig.axes[90].get_xlabel() == "mu"
    matches_baseline(fig, "pair", tmp_path)


def test_population(tmp_path):
    study = {"data": {"simulate": True, "objects": 200, "theta_mu": 0.0, "theta_sigma": 1.0,
                      "alpha": 1.0, "samples_per_object": 200},
             "run": {"seed": 42}, "ensemble": {"walkers": 16, "steps": 600, "burn": 100},
             "nuts": {"chains": 2, "warmup": 200, "draws": 250}}
    result = ismc.population(study, progress=False)
    summary, methods = result
    assert list(methods) == ["point", "importance", "nuts"]
    assert list(summary.columns[:9]) == ["method", "parameter", "mean", "sd", "q05", "q50",
                                         "q95", "exact_mean", "exact_sd"]
    fig = ismc.plot.population(result)
    assert len(fig.axes) == 4
    legend = fig.axes[1].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["point", "importance", "nuts",
                                                          "exact", "truth"]
    matches_baseline(fig, "population", tmp_path)


def test_module_command_line(results, tmp_path):
    plain = tmp_path / "plain.csv"
    importance = tmp_path / "importance.csv"
    results[0].to_csv(plain, index=False)
    results[1].to_csv(importance, index=False)
    out = tmp_path / "figure.png"
    run = subprocess.run([sys.executable, "-m", "ismc.plot", plain, importance, "-o", out],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    if os.environ.get("ISMC_UPDATE_BASELINE"):
        shutil.copyfile(out, BASELINE / "rates_overlay_100dpi.png")
    assert compare_images(str(BASELINE / "rates_overlay_100dpi.png"), str(out),
                          tol=TOLERANCE) is None
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    run = subprocess.run([sys.executable, "-m", "ismc.plot", bad, "-o", out],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "got no column theta_0" in run.stderr


def test_ismc_plot_subcommand(run_cli, results, tmp_path):
    plain = tmp_path / "plain.csv"
    results[0].to_csv(plain, index=False)
    out = tmp_path / "plain.png"
    run_cli("plot", plain, "-o", out)
    assert out.exists()
    # Without the package: the error names the install command.
    env = dict(os.environ, ISMC_PYTHON="/usr/bin/false")
    run = run_cli("plot", plain, "-o", tmp_path / "x.png", check=False, env=env)
    assert run.returncode == 1
    assert "pip install ." in run.stderr and "scripts/test.sh" in run.stderr
    assert not (tmp_path / "x.png").exists()
