"""The functions of the ismc package: the extension's results as pandas, NumPy and ArviZ
objects."""

from __future__ import annotations

import io
import json
import numbers
import os
import secrets
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import _ismc
from ._progress import progress_bar
from ._toml import dict_to_toml

SUMMARY_COLUMNS = ["mean", "mcse_mean", "sd", "mcse_sd", "q5", "q50", "q95", "ess_bulk",
                   "ess_tail", "rhat"]


def read_csv(source):
    """A CSV of ismc as a DataFrame, every number exactly as written (pandas 3 reads floats
    exactly by default; pandas 2 needs float_precision="round_trip")."""
    if int(pd.__version__.split(".")[0]) < 3:
        return pd.read_csv(source, float_precision="round_trip")
    return pd.read_csv(source)


def _count(name, value, *, minimum=0, default=0):
    """An integer argument: None gives `default`; anything else must be an int >= minimum."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name}: got {value!r}, expected an integer >= {minimum}")
    return int(value)


def _source(name, value):
    """(text, is_path, source name) of a study or data argument: a path (str or
    os.PathLike), a TOML/JSON text (a str with a newline or '='/'{'), or a dict."""
    if isinstance(value, dict):
        return None, False, f"{name} (dict)"
    if isinstance(value, os.PathLike):
        return os.fspath(value), True, os.fspath(value)
    if isinstance(value, str):
        if "\n" in value or "=" in value or value.lstrip().startswith("{"):
            return value, False, f"{name} (text)"
        return value, True, value
    raise ValueError(f"{name}: got a value of type {type(value).__name__}, expected a path, "
                     "a text or a dict")


def _run(call, progress, *args):
    bar = progress_bar(progress)
    try:
        return call(*args, bar)
    except ValueError as e:
        # A dict's TOML text is ours: its line numbers would mislead, its field names do not.
        message = str(e)
        for source in ("study (dict)", "data (dict)"):
            if message.startswith(source + ":"):
                head, _, rest = message[len(source) + 1:].partition(": ")
                if head.isdigit():
                    raise ValueError(f"{source}: {rest}") from None
        raise
    finally:
        if bar is not None:
            bar.close()


def rates(study: str | os.PathLike | dict, *, backend: str = "auto", seed: int | None = None,
          threads: int | None = None, progress: bool | None = None) -> pd.DataFrame:
    """Estimates the rejection rates of a study: what `ismc rates STUDY --out FILE` writes.

    Args:
        study: the study as a path to its TOML file (str or os.PathLike), as TOML text (a
            str with a newline or '='), or as a dict {section: {key: value}} with the study
            file's sections and keys (include/ismc/io/study_file.hpp documents them).
        backend: "auto" (CUDA where compiled in and a device is present, else the CPU),
            "cpu" or "cuda".
        seed: an integer >= 0 that overrides the study's [run] seed; None keeps it.
        threads: CPU threads; None or 0 uses every hardware thread.
        progress: None shows a tqdm bar (where installed) once the call has run about a
            second, True always, False never.

    Returns:
        pandas.DataFrame with the CSV's columns, theta_0 … theta_{d-1}, estimate,
        std_error, ci_low, ci_high, upper_bound, sims, method, then exact and ess,
        ess_per_sim where the run has them; the very numbers of the CSV (every digit).
        df.attrs["ismc"] holds what the JSON report holds (the resolved study, seed,
        version, backend, stages, warnings, and for importance sampling the proposals and
        weights).

    Raises:
        ValueError: a bad study or argument, with the message `ismc rates` prints (file,
            line, field, value and what was expected).
        RuntimeError: a failure while running (no device for backend="cuda", ...).
        KeyboardInterrupt: Ctrl-C; the run stops within about 50 ms of a check.
    """
    text, is_path, source = _source("study", study)
    if text is None:
        text = dict_to_toml(study)
    seed = None if seed is None else _count("seed", seed)
    csv_text, report = _run(_ismc.rates, progress, text, is_path, source, seed,
                            str(backend), _count("threads", threads))
    frame = read_csv(io.StringIO(csv_text))
    frame.attrs["ismc"] = json.loads(report)
    return frame


def _summary_frame(rows, problems=()):
    frame = pd.DataFrame.from_records(rows, columns=["name"] + SUMMARY_COLUMNS).set_index("name")
    frame.index.name = None
    frame.attrs["problems"] = list(problems)
    return frame


def _stan_names(name, values):
    """(Stan's name, draws[chain, draw]) of every element of one variable's values[chain,
    draw, ...]: theta.1 … theta.8, 1-based as Stan writes them."""
    if values.ndim == 2:
        return [(name, values)]
    out = []
    for index in np.ndindex(*values.shape[2:]):
        out.append((name + "." + ".".join(str(i + 1) for i in index),
                    values[(slice(None), slice(None)) + index]))
    return out


def summary(x) -> pd.DataFrame:
    """The posterior summary `ismc summary` prints, as a DataFrame.

    Args:
        x: a Stan CSV path (ours or CmdStan's; an ensemble's draws with walker/step columns
            or a file with chain/draw columns is split into its chains), a list of paths (one
            chain each), or an ArviZ InferenceData (its posterior; lp__ from sample_stats.lp
            when present; vector variables as Stan names theta.1 …).

    Returns:
        DataFrame indexed by parameter name with columns mean, mcse_mean, sd, mcse_sd, q5,
        q50, q95, ess_bulk, ess_tail, rhat (posterior 1.4.0's diagnostics: rank-normalized
        split R-hat, bulk and tail ESS). For files, attrs["problems"] lists what Stan's
        diagnose would report (empty when none).
    """
    if hasattr(x, "posterior"):
        columns = []
        stats = getattr(x, "sample_stats", None)
        if stats is not None and "lp" in stats:
            columns.append(("lp__", np.asarray(stats["lp"].values, dtype=np.float64)))
        for name, variable in x.posterior.data_vars.items():
            values = np.asarray(variable.transpose("chain", "draw", ...).values, dtype=np.float64)
            columns.extend(_stan_names(name, values))
        rows = [_ismc.summarize(name, np.ascontiguousarray(values)) for name, values in columns]
        return _summary_frame(rows)
    if isinstance(x, (str, os.PathLike)):
        paths = [os.fspath(x)]
    else:
        paths = [os.fspath(p) for p in x]
    rows, problems = _ismc.summary_files(paths)
    return _summary_frame(rows, problems)


def _group_outputs(names, draws):
    """{variable: draws[chain, draw, ...]} from Stan's flat names (mu, theta.1 …)."""
    groups = {}
    for n, name in enumerate(names):
        base, _, index = name.partition(".")
        groups.setdefault(base, []).append((tuple(int(i) - 1 for i in index.split(".")) if index
                                            else (), n))
    out = {}
    for base, entries in groups.items():
        if entries[0][0] == ():
            out[base] = draws[:, :, entries[0][1]]
            continue
        shape = tuple(max(e[0][d] for e in entries) + 1 for d in range(len(entries[0][0])))
        values = np.empty(draws.shape[:2] + shape)
        for index, n in entries:
            values[(slice(None), slice(None)) + index] = draws[:, :, n]
        out[base] = values
    return out


def sample(model: str, data: str | os.PathLike | dict, *, chains: int = 4, warmup: int = 1000,
           draws: int = 1000, seed: int | None = None, thin: int = 1, max_depth: int = 10,
           metric: str = "diag", adapt_delta: float = 0.8, init_radius: float = 2.0,
           threads: int | None = None, progress: bool | None = None):
    """Runs NUTS (Stan's sampler and adaptation) on a built-in model, as `ismc sample`.

    Args:
        model: a built-in model's name (ismc.model_names(): eight_schools_centered,
            eight_schools_noncentered, partial_pooling).
        data: Stan JSON data as a path, JSON text or a dict (e.g. {"J": 8, "y": [...],
            "sigma": [...]}).
        chains, warmup, draws, thin: per chain, as `ismc sample`'s flags.
        seed: integer >= 0; None draws one (recorded in attrs["seed"]). Chain c's draws
            depend only on (seed, c), whatever the thread count.
        max_depth, metric ("diag" or "dense"), adapt_delta, init_radius: Stan's settings.
        threads: threads running chains; None or 0: one per chain.
        progress: as in ismc.rates.

    Returns:
        arviz.InferenceData with `posterior` (the model's constrained outputs, vectors as
        arrays: theta[chain, draw, theta_dim_0]), `sample_stats` (lp, acceptance_rate,
        step_size, tree_depth, n_steps, diverging, energy), `observed_data` (the data's
        arrays) and attrs (model, seed, warmup, adapted step sizes).
    """
    if isinstance(data, dict):
        text, is_path, data_dict = json.dumps(data), False, data
    else:
        text, is_path, _ = _source("data", data)
        data_dict = None
    if seed is None:
        seed = secrets.randbelow(2**32)
    result = _run(_ismc.sample, progress, str(model), text, is_path,
                  _count("chains", chains, minimum=1), _count("warmup", warmup),
                  _count("draws", draws, minimum=1), _count("seed", seed),
                  _count("thin", thin, minimum=1), _count("max_depth", max_depth, minimum=1),
                  str(metric), float(adapt_delta), float(init_radius), _count("threads", threads))
    import arviz as az  # after the run: a Ctrl-C in the run never lands inside an import

    if data_dict is None:
        with open(text) if is_path else io.StringIO(text) as f:
            data_dict = json.load(f)
    observed = {k: np.asarray(v) for k, v in data_dict.items()
                if isinstance(v, (list, tuple))}
    stats = dict(result["sample_stats"])
    stats["diverging"] = stats["diverging"].astype(bool)
    stats["tree_depth"] = stats["tree_depth"].astype(np.int64)
    stats["n_steps"] = stats["n_steps"].astype(np.int64)
    return az.from_dict(
        posterior=_group_outputs(result["names"], result["draws"]),
        sample_stats=stats,
        observed_data=observed,
        attrs={"model": str(model), "seed": int(seed), "warmup": int(warmup),
               "inference_library": "ismc", "inference_library_version": _ismc.__version__},
    )


@dataclass
class PopulationResult:
    """What ismc.population returns: summary (the rows of summary.csv: method, parameter,
    mean, sd, q05, q50, q95, exact_mean, exact_sd, with ess_bulk and rhat), one
    InferenceData per method (posterior theta_mu, theta_sigma, sample_stats lp; walkers
    of the ensemble as chains), the exact posterior's (mean, sd, q05, q50, q95) per
    parameter (None without observations), the observations x, the noise alpha and the
    simulated truth (theta_mu, theta_sigma) or None."""

    summary: pd.DataFrame
    methods: dict
    exact: dict = None
    x: np.ndarray = None
    alpha: float = None
    truth: tuple = None
    seed: int = 0
    raw: dict = field(default=None, repr=False)

    def __iter__(self):  # summary, methods = ismc.population(...)
        return iter((self.summary, self.methods))


def population(study: str | os.PathLike | dict, *, seed: int | None = None,
               backend: str = "auto", threads: int | None = None,
               progress: bool | None = None) -> PopulationResult:
    """Runs a population study (seed 000), as `ismc population`.

    Args:
        study: path, TOML text or dict of the population study file
            (include/ismc/io/population_study_file.hpp documents it).
        seed, backend, threads, progress: as in ismc.rates.

    Returns:
        PopulationResult; `summary, methods = ismc.population(...)` unpacks the summary
        DataFrame and {method: InferenceData}.
    """
    text, is_path, source = _source("study", study)
    if text is None:
        text = dict_to_toml(study)
    seed = None if seed is None else _count("seed", seed)
    raw = _run(_ismc.population, progress, text, is_path, source, seed, str(backend),
               _count("threads", threads))
    import arviz as az  # after the run, as in sample
    exact = raw["exact"]
    rows, methods = [], {}
    for method in raw["methods"]:
        name = method["method"]
        for parameter, row in zip(("theta_mu", "theta_sigma"), method["summary"]):
            s = dict(zip(["name"] + SUMMARY_COLUMNS, row))
            rows.append({"method": name, "parameter": parameter, "mean": s["mean"], "sd": s["sd"],
                         "q05": s["q5"], "q50": s["q50"], "q95": s["q95"],
                         "exact_mean": exact[parameter][0] if exact else np.nan,
                         "exact_sd": exact[parameter][1] if exact else np.nan,
                         "ess_bulk": s["ess_bulk"], "rhat": s["rhat"]})
        methods[name] = az.from_dict(
            posterior={"theta_mu": method["theta_mu"], "theta_sigma": method["theta_sigma"]},
            sample_stats={"lp": method["lp"]},
            attrs={"method": name, "acceptance_fraction": method["acceptance_fraction"],
                   "divergent": int(method["divergent"]), "first_step": int(method["first_step"])})
    return PopulationResult(summary=pd.DataFrame(rows), methods=methods,
                            exact=None if exact is None else
                            {k: dict(zip(("mean", "sd", "q05", "q50", "q95"), v))
                             for k, v in exact.items()},
                            x=raw["x"], alpha=raw["alpha"], truth=raw["truth"],
                            seed=int(raw["seed"]), raw=raw)


class HyperLikelihood(_ismc.HyperLikelihood):
    """The importance-sampled hyper-likelihood L̂(θ) of a population N(θ_μ, θ_σ) from
    per-object posterior samples (Hogg, Myers & Bovy 2010; docs/spec/samplers.md):
    ln L̂(θ) = Σ_i ln[(1/S_i) Σ_n N(μ_i^(n); θ_μ, θ_σ) / p0(μ_i^(n))], with its variance
    σ² = Σ_i (1/ESS_i − 1/S_i).

    Args:
        samples: an (objects, S) array, or 1-D values with `object_index`. A C-contiguous
            float64 array is not copied: the object keeps a reference to it (do not change
            it while the object lives); anything else is converted once.
        log_p0: ln p0 of every sample (same shape as samples), or None for a flat interim
            prior.
        object_index: for ragged samples: the object of each value, non-decreasing from 0
            (each object's samples together).
        variance_cut: where σ² exceeds it, ln L̂ is −∞ (Talbot & Golomb 2023); None: no cut.
        backend: "auto" or "cpu" (the CPU; the device path is ismc.population's).
        threads: CPU threads for large calls; None or 0: all.
        precision: "double" (the default), or "mixed": exponentials to 1.2e-9 relative with
            every sum in double, so |Δ ln L̂| ≤ 1.2e-9 per object (faster on AVX-512; the
            same as "double" elsewhere; docs/performance.md).

    Calling it on an (m, 2) float64 array of rows (θ_μ, θ_σ) returns (ln L̂, σ²), two
    arrays of m; on one θ of shape (2,), two floats. θ_σ ≤ 0 gives (−∞, +∞). The GIL is
    released during the computation, so threads (emcee's pools, numpyro callbacks) run
    alongside; with emcee use `vectorize=True`.
    """

    def __init__(self, samples, log_p0=None, *, object_index=None, variance_cut=None,
                 backend="auto", threads=None, precision="double"):
        values = np.ascontiguousarray(samples, dtype=np.float64)
        if object_index is None:
            if values.ndim != 2:
                raise ValueError(f"samples: got an array of shape {values.shape}, expected "
                                 "(objects, S), or 1-D values with object_index")
            objects, per_object = values.shape
            offsets = np.arange(objects + 1, dtype=np.uint64) * np.uint64(per_object)
        else:
            if values.ndim != 1:
                raise ValueError(f"samples: got an array of shape {values.shape}, expected "
                                 "1-D values with object_index")
            index = np.asarray(object_index)
            if index.shape != values.shape or not np.issubdtype(index.dtype, np.integer):
                raise ValueError(f"object_index: got {index.dtype} values of shape "
                                 f"{index.shape}, expected integers of shape {values.shape}")
            if index.size and (index[0] != 0 or np.any(np.diff(index) < 0)):
                raise ValueError("object_index: got indices that do not rise from 0, expected "
                                 "non-decreasing object indices from 0 (each object's "
                                 "samples together)")
            counts = np.bincount(index) if index.size else np.zeros(0, dtype=np.int64)
            offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.uint64)
        flat_log_p0 = None
        if log_p0 is not None:
            lp0 = np.ascontiguousarray(log_p0, dtype=np.float64)
            if lp0.shape != values.shape:
                raise ValueError(f"log_p0: got shape {lp0.shape}, expected the samples' "
                                 f"shape {values.shape}")
            self._log_p0 = lp0
            flat_log_p0 = lp0.reshape(-1)
        self._samples = values
        # The extension's __call__ is this class's: no Python frame per call.
        super().__init__(values.reshape(-1), offsets, flat_log_p0,
                         None if variance_cut is None else float(variance_cut), str(backend),
                         _count("threads", threads), str(precision))

    @property
    def samples(self):
        """The samples array the object reads (the caller's own when it was not copied)."""
        return self._samples

