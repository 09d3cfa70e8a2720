#!/usr/bin/env python3
"""Eight schools, centered against non-centered: NUTS on both parameterizations, their
summaries, divergences, and the funnel (log τ against θ₁, divergent draws in red); writes
out/eight_schools_funnel.png.

Run from the repository root: PYTHONPATH=build/python .venv/bin/python
examples/python/eight_schools.py
"""

import os

import matplotlib.pyplot as plt

import ismc
import ismc.plot

here = os.path.dirname(os.path.abspath(__file__))
data = os.path.join(here, "..", "eight_schools.json")
os.makedirs("out", exist_ok=True)
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True, layout="constrained")
for ax, model in zip(axes, ("eight_schools_centered", "eight_schools_noncentered")):
    idata = ismc.sample(model, data, seed=1)
    divergent = int(idata.sample_stats["diverging"].sum())
    print(f"== {model}: {divergent} divergent transitions of 4000")
    print(ismc.summary(idata).loc[["mu", "tau", "theta.1"]].round(3))
    ismc.plot.funnel(idata, ax=ax, title=model)
fig.savefig("out/eight_schools_funnel.png", dpi=100)
print("wrote out/eight_schools_funnel.png")
