#!/usr/bin/env python3
"""The seed's 1-D study: the one-sided z-test's rejection rate over θ ∈ [−2, 2] by plain
Monte Carlo (10⁵ simulations per target) and by mixture importance sampling (about 2,450),
against the exact rate; writes out/ztest_1d_python.png (linear and log axes) and
out/ztest_1d_ess.png.

Run from the repository root: PYTHONPATH=build/python .venv/bin/python
examples/python/rates_importance.py (or with the package installed by `pip install .`).
"""

import os

import matplotlib.pyplot as plt

import ismc
import ismc.plot

here = os.path.dirname(os.path.abspath(__file__))
os.makedirs("out", exist_ok=True)
plain = ismc.rates(os.path.join(here, "..", "ztest_1d.toml"))
importance = ismc.rates(os.path.join(here, "..", "ztest_1d_importance.toml"))
print(importance[["theta_0", "estimate", "std_error", "exact", "ess_per_sim"]])
print("simulations per target: plain", plain.sims.iloc[0], "importance",
      importance.sims.iloc[0])

fig, (linear, log) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
ismc.plot.rates([plain, importance], ax=linear, title="one-sided z-test, c = 1.96")
ismc.plot.rates([plain, importance], ax=log, log=True, title="the same, log scale")
fig.savefig("out/ztest_1d_python.png", dpi=100)
ismc.plot.ess_gain(importance).savefig("out/ztest_1d_ess.png", dpi=100)
print("wrote out/ztest_1d_python.png and out/ztest_1d_ess.png")
