"""ismc: importance sampling and Monte Carlo for rejection rates, NUTS and population
inference, from Python.

    import ismc
    df = ismc.rates("examples/ztest_1d.toml")          # a pandas.DataFrame, as `ismc rates --out`
    idata = ismc.sample("eight_schools_noncentered", "examples/eight_schools.json", seed=1)
    ismc.summary(idata)                                # the `ismc summary` table
    L = ismc.HyperLikelihood(samples)                  # samples: (objects, S) float64
    log_l, variance = L(np.array([[0.0, 1.0]]))
    ismc.plot.rates(df)                                # matplotlib figures: ismc.plot

Errors: a bad study, argument or file raises ValueError with the message the `ismc` program
prints; a failure while running (a device, numerical trouble) raises RuntimeError; Ctrl-C
during a long call raises KeyboardInterrupt and leaves the process usable.
"""

from ._api import HyperLikelihood, PopulationResult, population, rates, sample, summary
from ._ismc import __version__, model_names

__all__ = [
    "HyperLikelihood",
    "PopulationResult",
    "__version__",
    "model_names",
    "plot",
    "population",
    "rates",
    "sample",
    "summary",
]


def __getattr__(name):
    # ismc.plot imports matplotlib: only when asked for (and `python -m ismc.plot` runs it).
    if name == "plot":
        import importlib

        return importlib.import_module(".plot", __name__)
    raise AttributeError(f"module 'ismc' has no attribute {name!r}")
