#!/usr/bin/env python3
"""Seed 000: the population's (θ_μ, θ_σ) from noisy observations by point estimates, the
importance-sampled hyper-likelihood and NUTS, against the exact posterior; then emcee driven
by ismc.HyperLikelihood on the same samples. Writes out/population.png.

Run from the repository root: PYTHONPATH=build/python .venv/bin/python
examples/python/population.py
"""

import os

import numpy as np

import ismc
import ismc.plot

here = os.path.dirname(os.path.abspath(__file__))
os.makedirs("out", exist_ok=True)
result = ismc.population(os.path.join(here, "..", "population.toml"))
print(result.summary.round(4).to_string(index=False))
ismc.plot.population(result).savefig("out/population.png", dpi=100)
print("wrote out/population.png")

try:
    import emcee
except ImportError:
    emcee = None
if emcee is not None:
    # The same hyper-likelihood from Python: fresh samples (500 each) for 200 objects, emcee on L̂.
    rng = np.random.default_rng(0)
    x = rng.normal(0.0, np.sqrt(2.0), 200)
    samples = x[:, None] + rng.normal(size=(200, 500))
    hl = ismc.HyperLikelihood(samples)

    def log_prob(thetas):
        log_l, _ = hl(np.ascontiguousarray(thetas))
        inside = (np.abs(thetas[:, 0]) < 5) & (thetas[:, 1] > 0) & (thetas[:, 1] < 2)
        return np.where(inside, log_l, -np.inf)

    start = np.column_stack([rng.normal(0, 0.05, 32), rng.uniform(0.9, 1.1, 32)])
    sampler = emcee.EnsembleSampler(32, 2, log_prob, vectorize=True)
    sampler.run_mcmc(start, 1000, progress=False)
    draws = sampler.get_chain(discard=200, flat=True)
    print("emcee on ismc.HyperLikelihood: theta_mu %.3f ± %.3f, theta_sigma %.3f ± %.3f"
          % (draws[:, 0].mean(), draws[:, 0].std(), draws[:, 1].mean(), draws[:, 1].std()))
