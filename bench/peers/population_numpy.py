#!/usr/bin/python3
"""The importance-sampled hyper-likelihood ln L(theta) in vectorized numpy: the peer that
bench_population's BM_HyperLikelihoodCpu is compared against (see compare_population_numpy.sh).

For each theta = (theta_mu, theta_sigma) and object i with S posterior samples mu_i^(n),

    ln L(theta)  = sum_i ln[(1/S) sum_n N(mu_i^(n); theta_mu, theta_sigma) / p0(mu_i^(n))]
    sigma^2      = sum_i (1/ESS_i - 1/S),   ESS_i = (sum_n w)^2 / sum_n w^2

by logsumexp (max shift), as ismc::hyper_log_likelihood computes it. The data are the seed's
setting (mu_i ~ N(0, 1), x_i ~ N(mu_i, 1), samples mu_i^(n) ~ N(x_i, 1), flat p0), drawn
with numpy outside the timing; the thetas are the benchmark's 8 x 8 grid over
theta_mu in [-0.2, 0.2], theta_sigma in [0.8, 1.2] (all inside the priors).

numpy works on whole arrays: a chunk of thetas at a time over the objects x samples array,
in place where it can (one chunk x objects x samples buffer), and evaluates every term,
so its count of terms is objects x samples x thetas, the same as the engine's.

Prints one JSON object per line and size: objects, samples, thetas, terms, seconds (median
over repeats), seconds_min, repeats, terms_per_second, chunk, peak_rss_mb, numpy version, and
a check: ln L at the true theta (0, 1) minus the exact ln L = sum_i ln N(x_i; 0, sqrt(2)),
which should be about -objects / (2 S) (the bias of the log of an unbiased estimate).

Needs numpy only: run it with Debian's /usr/bin/python3.
"""
import argparse
import json
import math
import resource
import statistics
import time

import numpy as np

HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)


def theta_grid(count):
    """The benchmark's thetas: a near-square grid over the posterior bulk (row-major)."""
    rows = int(round(math.sqrt(count)))
    while count % rows:
        rows -= 1
    cols = count // rows
    mus = np.linspace(-0.2, 0.2, rows) if rows > 1 else np.array([0.0])
    sigmas = np.linspace(0.8, 1.2, cols) if cols > 1 else np.array([1.0])
    return np.array([(m, s) for m in mus for s in sigmas])


def simulate(objects, samples, rng):
    mu = rng.normal(0.0, 1.0, objects)
    x = mu + rng.normal(0.0, 1.0, objects)
    draws = x[:, None] + rng.normal(0.0, 1.0, (objects, samples))
    return x, draws


def hyper_log_likelihood(draws, thetas, chunk, log_p0=None):
    """ln L and sigma^2 at every theta (rows of `thetas`), `chunk` thetas per array pass."""
    objects, samples = draws.shape
    out_log_l = np.empty(len(thetas))
    out_variance = np.empty(len(thetas))
    buffer = np.empty((chunk, objects, samples))
    for first in range(0, len(thetas), chunk):
        block = thetas[first:first + chunk]
        c = len(block)
        z = buffer[:c]
        np.subtract(draws[None, :, :], block[:, 0, None, None], out=z)
        z *= (1.0 / block[:, 1])[:, None, None]
        np.square(z, out=z)
        z *= -0.5  # ln N(mu; theta) + ln sigma + ln sqrt(2 pi)
        if log_p0 is not None:
            z -= log_p0[None, :, :]
        shift = z.max(axis=2)
        z -= shift[:, :, None]
        np.exp(z, out=z)
        sum_w = z.sum(axis=2)
        np.square(z, out=z)
        sum_w2 = z.sum(axis=2)
        log_l_i = (shift - np.log(block[:, 1])[:, None] - HALF_LOG_TWO_PI
                   + np.log(sum_w / samples))
        out_log_l[first:first + c] = log_l_i.sum(axis=1)
        out_variance[first:first + c] = (sum_w2 / (sum_w * sum_w) - 1.0 / samples).sum(axis=1)
    return out_log_l, out_variance


def exact_log_likelihood(x, theta_mu, theta_sigma, alpha=1.0):
    v = theta_sigma ** 2 + alpha ** 2
    return float(np.sum(-0.5 * (x - theta_mu) ** 2 / v - 0.5 * math.log(v) - HALF_LOG_TWO_PI))


def run(objects, samples, n_thetas, chunk, min_seconds, max_repeats, seed):
    rng = np.random.default_rng(seed)
    x, draws = simulate(objects, samples, rng)
    thetas = theta_grid(n_thetas)
    chunk = max(1, min(chunk, n_thetas))
    hyper_log_likelihood(draws, thetas[:chunk], chunk)  # warm-up: page in the buffers
    times = []
    start_all = time.perf_counter()
    while len(times) < max_repeats and (len(times) < 3 or
                                        time.perf_counter() - start_all < min_seconds):
        start = time.perf_counter()
        log_l, variance = hyper_log_likelihood(draws, thetas, chunk)
        times.append(time.perf_counter() - start)
    truth, _ = hyper_log_likelihood(draws, np.array([[0.0, 1.0]]), 1)
    terms = objects * samples * n_thetas
    median = statistics.median(times)
    return {
        "objects": objects, "samples": samples, "thetas": n_thetas, "terms": terms,
        "seconds": median, "seconds_min": min(times), "repeats": len(times),
        "terms_per_second": terms / median, "chunk": chunk,
        "log_likelihood_first": float(log_l[0]), "variance_first": float(variance[0]),
        "check_log_l_true_minus_exact": float(truth[0]) - exact_log_likelihood(x, 0.0, 1.0),
        "check_expected_about": -objects / (2.0 * samples),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "numpy": np.__version__,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000:4000:64,100:400:8",
                        help="objects:samples:thetas[,...] (default: %(default)s)")
    parser.add_argument("--chunk", type=int, default=1,
                        help="thetas per array pass (default: %(default)s, the fastest here)")
    parser.add_argument("--min-seconds", type=float, default=5.0)
    parser.add_argument("--max-repeats", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2010)
    args = parser.parse_args()
    for size in args.sizes.split(","):
        objects, samples, n_thetas = (int(v) for v in size.split(":"))
        row = run(objects, samples, n_thetas, args.chunk, args.min_seconds, args.max_repeats,
                  args.seed)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
