#!/usr/bin/python3
"""The seed notebook's own numpy four-index computation, timed: the peer that
bench_importance's BM_DenseSeedProblem is compared against (see compare_numpy.sh).

The problem is the one BM_DenseSeedProblem builds: J targets linspace(-2, 2, J), C = 5 fixed
cluster centres (2.1, 2.4, 2.8, 3.3, 4.1), proposals = targets then centres (K = M = J + C),
the weight matrix built as the notebook builds it (w_jj = 0.01, the rest in proportion to
made-up pilot counts n_jc = 1 + (7j + 3c) mod 10), N draws per proposal from N(mu_k, 1).
Only the estimate itself is timed (inside_exponent ... final_variance_estimate, exactly the
notebook's lines); the problem and its draws are set up outside the timing.

Runs two scales, each in a fresh child process so that its peak memory is its own:
  seed     J = 11, N = 1000
  largest  N = 20000 and the largest J >= 11 whose dense arrays fit the memory budget
           (--memory-gb, default 8): the notebook keeps about ARRAYS_ALIVE float64 arrays of
           N x J x K x M alive at its peak (inside_exponent, likelihood_ratios and the
           weighted product being summed).
Prints one JSON object per line: scale, J, K, N, seconds (median over repeats), seconds_min,
repeats, dense_ratios = N*J*K*M, ratios_per_second, peak_rss_mb, and for the seed's own failing
scale (41 x 20000) a line with "run": false and the memory it would need.

Needs numpy only: run it with Debian's /usr/bin/python3.
"""
import argparse
import json
import math
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

CENTRES = np.array([2.1, 2.4, 2.8, 3.3, 4.1])
WJJ = 0.01
CRITICAL = 1.96
ARRAYS_ALIVE = 3  # full N x J x K x M float64 arrays alive at once at the notebook's peak
SEED_OOM = (41, 20000)  # where the seed's numpy ran out of 24 GB


def dense_elements(n_targets, sims):
    n_proposals = n_targets + len(CENTRES)
    return sims * n_targets * n_proposals * n_proposals


def needed_gb(n_targets, sims):
    return ARRAYS_ALIVE * dense_elements(n_targets, sims) * 8 / 1e9


def largest_fitting(sims, memory_gb, smallest=11):
    n_targets = smallest
    while needed_gb(n_targets + 1, sims) <= memory_gb:
        n_targets += 1
    return n_targets


def build_problem(n_targets, sims, rng):
    """The notebook's weights and importance draws, with made-up pilot counts."""
    n_clusters = len(CENTRES)
    relevant_mu = np.linspace(-2, 2, n_targets)
    j = np.arange(n_targets)[None, :]
    c = np.arange(n_clusters)[:, None]
    sum_rejects = 1 + (7 * j + 3 * c) % 10  # C x J, every target has pilot rejections
    temp = sum_rejects / np.maximum(np.sum(sum_rejects, axis=0)[None, :], 1)
    important_weights = temp * (1 - WJJ)
    full_weights = np.append(np.diag(np.full_like(relevant_mu, WJJ)), important_weights, axis=0)
    mu_importance = np.append(relevant_mu, CENTRES)
    z_importance = rng.normal(0, 1, size=sims * len(mu_importance)).reshape(sims, len(mu_importance))
    data_importance = mu_importance[None, :] + z_importance
    return relevant_mu, full_weights, mu_importance, data_importance


def four_index(relevant_mu, full_weights, mu_importance, data_importance):
    """The notebook's cell, line for line (its hard-coded 1000 is N, the draws per proposal)."""
    n_per_thetaj = data_importance.shape[0]
    #dimensions: i (simulations), j (initial theta), k (importance theta which generates samples), m (second dummy copy of importance theta)
    inside_exponent = data_importance[:,None,:, None]*(mu_importance[None,None,None, :] - relevant_mu[None,:,None, None]) - mu_importance[None,None,None,:]**2/2 + relevant_mu[None,:,None, None]**2/2
    likelihood_ratios = np.exp(inside_exponent)
    denoms = np.sum(likelihood_ratios * np.transpose(full_weights)[None, :, None, :], axis = 3)
    rejects = data_importance > CRITICAL
    inner_mean = np.mean(rejects[:,None,:]/denoms, axis = 0) #this is the inner sum divided by n_j
    inner_mse_estimate = np.mean((rejects[:,None,:]/denoms)**2, axis = 0) - inner_mean**2
    final_result = np.sum(inner_mean * np.transpose(full_weights), axis = 1)
    final_variance_estimate =np.sum((inner_mse_estimate/n_per_thetaj) * (np.transpose(full_weights)**2), axis = 1)
    return final_result, final_variance_estimate


def run_one(scale, n_targets, sims, repeats):
    rng = np.random.default_rng(42)
    problem = build_problem(n_targets, sims, rng)
    times = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        final_result, final_variance_estimate = four_index(*problem)
        times.append(time.perf_counter() - start)
    # A sanity check outside the timing: z-scores against the exact rate 1 - Phi(c - mu_j).
    exact = np.array([0.5 * math.erfc((CRITICAL - mu) / math.sqrt(2)) for mu in problem[0]])
    z_scores = (final_result - exact) / np.sqrt(final_variance_estimate)
    seconds = statistics.median(times)
    ratios = dense_elements(n_targets, sims)
    return {
        "scale": scale,
        "run": True,
        "J": n_targets,
        "K": n_targets + len(CENTRES),
        "N": sims,
        "seconds": seconds,
        "seconds_min": min(times),
        "repeats": len(times),
        "dense_ratios": ratios,
        "ratios_per_second": ratios / seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "model_peak_gb": needed_gb(n_targets, sims),
        "max_abs_z_vs_exact": float(np.max(np.abs(z_scores))),
        "numpy": np.__version__,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--memory-gb", type=float, default=8.0,
                        help="budget for the dense arrays at the largest scale (default 8)")
    parser.add_argument("--sims", type=int, default=20000, help="N at the largest scale")
    parser.add_argument("--seed-repeats", type=int, default=20)
    parser.add_argument("--large-repeats", type=int, default=5)
    parser.add_argument("--print-largest", action="store_true",
                        help="print the largest scale as J:N and exit (runs nothing)")
    parser.add_argument("--one", nargs=4, metavar=("SCALE", "J", "N", "REPEATS"),
                        help="run one scale in this process (used by the parent)")
    args = parser.parse_args()

    if args.one:
        scale, n_targets, sims, repeats = args.one
        print(json.dumps(run_one(scale, int(n_targets), int(sims), int(repeats))), flush=True)
        return 0

    largest = largest_fitting(args.sims, args.memory_gb)
    if needed_gb(largest, args.sims) > args.memory_gb:
        print(f"seed_numpy.py: even J = {largest} needs {needed_gb(largest, args.sims):.1f} GB",
              file=sys.stderr)
        return 1
    if args.print_largest:
        print(f"{largest}:{args.sims}")
        return 0
    scales = [("seed", 11, 1000, args.seed_repeats), ("largest", largest, args.sims, args.large_repeats)]
    for scale, n_targets, sims, repeats in scales:
        child = subprocess.run([sys.executable, __file__, "--one", scale, str(n_targets), str(sims),
                                str(repeats)], stdout=subprocess.PIPE, text=True)
        if child.returncode != 0:
            print(f"seed_numpy.py: scale {scale} (J = {n_targets}, N = {sims}) failed with "
                  f"status {child.returncode}", file=sys.stderr)
            return 1
        sys.stdout.write(child.stdout)
        sys.stdout.flush()
    n_targets, sims = SEED_OOM
    print(json.dumps({
        "scale": "seed_out_of_memory",
        "run": False,
        "J": n_targets,
        "K": n_targets + len(CENTRES),
        "N": sims,
        "dense_ratios": dense_elements(n_targets, sims),
        "model_peak_gb": needed_gb(n_targets, sims),
        "why": f"needs about {needed_gb(n_targets, sims):.0f} GB, over the {args.memory_gb:g} GB budget",
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
