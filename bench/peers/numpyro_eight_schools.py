#!/usr/bin/env python3
"""numpyro's NUTS on the non-centered eight schools: a peer of bench_nuts'
BM_NutsEightSchools beside rstan (rstan_eight_schools.R), with the same model
(bench/peers/eight_schools_noncentered.stan), data (examples/eight_schools.json) and
settings: --chains chains run one after another, --warmup + --draws iterations each,
numpyro's defaults otherwise (target acceptance 0.8, diagonal metric), float64.

Timed: the second of two identical runs of MCMC.run, meant to leave JAX's compilation
(done in the first) out, as rstan's is left out. CAVEAT, measured on the 2-core development
VM: every MCMC.run here takes about as long as the first (19.8, 15.6, 17.8 s at 1000 + 1000;
20-34 s even at 150 + 100, also with jit_model_args=True), so the run is dominated by
tracing/compilation that numpyro repeats per run, not by sampling: the figure is not a fair
sampler-speed figure until that is understood. ESS: numpyro's
effective_sample_size of tau over the chains (Geyer's initial monotone sequence on the raw
draws, not the rank-normalized bulk-ESS of ismc and posterior::ess_bulk; the two agree
closely for a well-mixed scalar). Prints one JSON object: seconds, ess_tau, ess_per_second,
gradients (leapfrog steps, warmup included), gradients_per_ess, divergent, versions.

Needs numpyro and jax (bench/run_all.sh --install puts them in .venv-peers).
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault("JAX_ENABLE_X64", "1")
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import numpyro  # noqa: E402
import numpyro.distributions as dist  # noqa: E402
from numpyro.diagnostics import effective_sample_size  # noqa: E402
from numpyro.infer import MCMC, NUTS  # noqa: E402


def eight_schools(sigma, y=None):
    mu = numpyro.sample("mu", dist.Normal(0.0, 5.0))
    tau = numpyro.sample("tau", dist.HalfCauchy(5.0))
    with numpyro.plate("schools", sigma.shape[0]):
        theta_tilde = numpyro.sample("theta_tilde", dist.Normal(0.0, 1.0))
        theta = mu + tau * theta_tilde
        numpyro.sample("y", dist.Normal(theta, sigma), obs=y)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--data", default=os.path.join(here, "..", "..", "examples",
                                                       "eight_schools.json"))
    args = parser.parse_args()
    with open(args.data) as f:
        data = json.load(f)
    y = jnp.asarray(data["y"], dtype=jnp.float64)
    sigma = jnp.asarray(data["sigma"], dtype=jnp.float64)

    mcmc = MCMC(NUTS(eight_schools), num_warmup=args.warmup, num_samples=args.draws,
                num_chains=args.chains, chain_method="sequential", progress_bar=False)
    key = jax.random.PRNGKey(args.seed)
    mcmc.run(key, sigma, y=y, extra_fields=("num_steps", "diverging"))  # compiles
    start = time.perf_counter()
    mcmc.run(key, sigma, y=y, extra_fields=("num_steps", "diverging"))
    jax.block_until_ready(mcmc.get_samples())
    seconds = time.perf_counter() - start
    tau = np.asarray(mcmc.get_samples(group_by_chain=True)["tau"])
    ess = float(effective_sample_size(tau))
    extra = mcmc.get_extra_fields(group_by_chain=True)
    # num_steps covers the draws only; warmup's steps are not kept by MCMC.run.
    gradients = float(np.sum(np.asarray(extra["num_steps"])))
    print(json.dumps({
        "seed": args.seed, "chains": args.chains, "warmup": args.warmup, "draws": args.draws,
        "seconds": seconds, "ess_tau": ess, "ess_per_second": ess / seconds,
        "gradients_sampling": gradients, "gradients_per_ess_sampling": gradients / ess,
        "divergent": int(np.sum(np.asarray(extra["diverging"]))),
        "numpyro": numpyro.__version__, "jax": jax.__version__,
    }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
