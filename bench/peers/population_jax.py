#!/usr/bin/env python3
"""The importance-sampled hyper-likelihood ln L(theta) and its variance in JAX (jit, float64,
on whatever device JAX finds; CPU here): the JAX peer of bench_population's
BM_HyperLikelihoodCpu, next to population_numpy.py (the same data, thetas and formula,
imported from it so that the two stay one problem).

Timing: the draws and thetas are put on the device first; one warm-up call (compilation
included, reported as compile_seconds), then repeated calls ended by block_until_ready()
until --min-seconds have passed (at least 3, at most --max-repeats).

Prints one JSON object per size (population_numpy.py's fields: objects, samples, thetas,
terms, seconds (median), seconds_min, repeats, terms_per_second, and the check of ln L at the
true theta against the exact ln L), plus jax's version, device and dtype.

Needs jax (bench/run_all.sh --install puts it in .venv-peers).
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

os.environ.setdefault("JAX_ENABLE_X64", "1")
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from population_numpy import HALF_LOG_TWO_PI, exact_log_likelihood, simulate, theta_grid  # noqa: E402


@jax.jit
def hyper_log_likelihood(draws, thetas):
    """ln L and sigma^2 at every theta: population_numpy.hyper_log_likelihood, one theta per
    row, by logsumexp (max shift)."""
    samples = draws.shape[1]

    def one(theta):
        z = (draws - theta[0]) / theta[1]
        z = -0.5 * z * z
        shift = z.max(axis=1)
        w = jnp.exp(z - shift[:, None])
        sum_w = w.sum(axis=1)
        sum_w2 = (w * w).sum(axis=1)
        log_l_i = shift - jnp.log(theta[1]) - HALF_LOG_TWO_PI + jnp.log(sum_w / samples)
        return log_l_i.sum(), (sum_w2 / (sum_w * sum_w) - 1.0 / samples).sum()

    return jax.lax.map(one, thetas)


def run(objects, samples, n_thetas, min_seconds, max_repeats, seed):
    rng = np.random.default_rng(seed)
    x, draws = simulate(objects, samples, rng)
    d_draws = jax.device_put(jnp.asarray(draws))
    d_thetas = jax.device_put(jnp.asarray(theta_grid(n_thetas)))
    start = time.perf_counter()
    jax.block_until_ready(hyper_log_likelihood(d_draws, d_thetas))
    compile_seconds = time.perf_counter() - start
    times = []
    start_all = time.perf_counter()
    while len(times) < max_repeats and (len(times) < 3 or
                                        time.perf_counter() - start_all < min_seconds):
        start = time.perf_counter()
        log_l, variance = jax.block_until_ready(hyper_log_likelihood(d_draws, d_thetas))
        times.append(time.perf_counter() - start)
    truth, _ = hyper_log_likelihood(d_draws, jnp.asarray([[0.0, 1.0]]))
    terms = objects * samples * n_thetas
    median = statistics.median(times)
    return {
        "objects": objects, "samples": samples, "thetas": n_thetas, "terms": terms,
        "seconds": median, "seconds_min": min(times), "repeats": len(times),
        "terms_per_second": terms / median, "compile_seconds": compile_seconds,
        "log_likelihood_first": float(log_l[0]), "variance_first": float(variance[0]),
        "check_log_l_true_minus_exact": float(truth[0]) - exact_log_likelihood(x, 0.0, 1.0),
        "check_expected_about": -objects / (2.0 * samples),
        "jax": jax.__version__, "device": str(jax.devices()[0]), "dtype": str(d_draws.dtype),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000:4000:64",
                        help="objects:samples:thetas[,...] (default: %(default)s)")
    parser.add_argument("--min-seconds", type=float, default=5.0)
    parser.add_argument("--max-repeats", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2010)
    args = parser.parse_args()
    for size in args.sizes.split(","):
        objects, samples, n_thetas = (int(v) for v in size.split(":"))
        print(json.dumps(run(objects, samples, n_thetas, args.min_seconds, args.max_repeats,
                             args.seed)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
