#!/usr/bin/env python3
"""The seed-000 sampling run as the seed notebook would write it with emcee and numpy: the
peer of `ismc population` on the same study (bench/run_all.sh writes both).

Data as the seed draws them: mu_i ~ N(theta_mu = 0, theta_sigma = 1), x_i ~ N(mu_i, 1) for
--objects objects, and --samples posterior samples per object mu_i^(n) ~ N(x_i, 1) (the flat
interim prior). The hyper-likelihood is the importance-sampled one of the seed,
ln L(theta) = sum_i ln[(1/S) sum_n N(mu_i^(n); theta_mu, theta_sigma)], in vectorized numpy
(logsumexp by the max shift), with the seed's box prior (-10 < theta_mu < 10,
0 < theta_sigma < 2). emcee's EnsembleSampler (stretch move, one call per walker, as the
seed runs it) with --walkers walkers started at (0, 1) + 1e-4 N(0, 1) for --steps steps.

Timed: the whole run_mcmc call (the data are drawn before the timing). Prints one JSON object:
seconds, walkers, steps, objects, samples, log_density_calls, calls_per_second, the mean
acceptance fraction, the posterior means after --burn steps, and emcee's and numpy's versions.

Needs emcee (bench/run_all.sh --install puts it in .venv-peers) and numpy.
"""
import argparse
import json
import math
import sys
import time

import emcee
import numpy as np

HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--walkers", type=int, default=100)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--burn", type=int, default=50)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    mu = rng.normal(0.0, 1.0, args.objects)
    x = mu + rng.normal(0.0, 1.0, args.objects)
    draws = x[:, None] + rng.normal(0.0, 1.0, (args.objects, args.samples))
    log_samples = math.log(args.samples)

    def log_probability(theta):
        theta_mu, theta_sigma = theta
        if not (-10.0 < theta_mu < 10.0 and 0.0 < theta_sigma < 2.0):
            return -np.inf
        z = (draws - theta_mu) / theta_sigma
        z = -0.5 * z * z
        shift = z.max(axis=1)
        sums = np.exp(z - shift[:, None]).sum(axis=1)
        return float(np.sum(shift + np.log(sums)) -
                     args.objects * (math.log(theta_sigma) + HALF_LOG_TWO_PI + log_samples))

    np.random.seed(args.seed)
    start_positions = np.array([0.0, 1.0]) + 1e-4 * np.random.randn(args.walkers, 2)
    sampler = emcee.EnsembleSampler(args.walkers, 2, log_probability)
    start = time.perf_counter()
    sampler.run_mcmc(start_positions, args.steps)
    seconds = time.perf_counter() - start
    chain = sampler.get_chain(discard=min(args.burn, args.steps - 1), flat=True)
    calls = args.walkers * args.steps
    print(json.dumps({
        "seconds": seconds, "walkers": args.walkers, "steps": args.steps,
        "objects": args.objects, "samples": args.samples, "log_density_calls": calls,
        "calls_per_second": calls / seconds,
        "acceptance_fraction": float(np.mean(sampler.acceptance_fraction)),
        "theta_mu_mean": float(chain[:, 0].mean()), "theta_sigma_mean": float(chain[:, 1].mean()),
        "emcee": emcee.__version__, "numpy": np.__version__,
    }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
