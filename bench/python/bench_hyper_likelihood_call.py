#!/usr/bin/env python3
"""The cost of calling ismc.HyperLikelihood from Python above its compute (issue 17: under
5 µs for one θ on 10 objects × 10 samples). A benchmark, not a test: it prints numbers.

The compute of one θ is estimated from a batch of `--batch` θ in one call (time / batch, the
per-call cost spread thin); the overhead is the one-θ call's time less that; also for one θ as a
(2,) array, which returns two floats.

Usage: PYTHONPATH=build/python .venv/bin/python bench/python/bench_hyper_likelihood_call.py
       [--objects 10] [--samples 10] [--batch 4096] [--repeat 7]
"""

import argparse
import json
import timeit

import numpy as np

import ismc


def best_per_call(call, number, repeat):
    return min(timeit.repeat(call, number=number, repeat=repeat)) / number


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=10)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--batch", type=int, default=4096)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    hl = ismc.HyperLikelihood(rng.normal(size=(args.objects, args.samples)), threads=1)
    one = np.array([[0.1, 1.0]])
    flat = np.array([0.1, 1.0])
    batch = np.column_stack([rng.normal(0, 0.1, args.batch), rng.uniform(0.8, 1.2, args.batch)])
    per_theta = best_per_call(lambda: hl(batch), 20, args.repeat) / args.batch
    wrapper = best_per_call(lambda: hl(one), 20000, args.repeat)
    single = best_per_call(lambda: hl(flat), 20000, args.repeat)
    result = {
        "objects": args.objects, "samples": args.samples,
        "compute_per_theta_us": per_theta * 1e6,
        "call_one_theta_us": wrapper * 1e6,
        "overhead_us": (wrapper - per_theta) * 1e6,
        "call_shape_2_overhead_us": (single - per_theta) * 1e6,
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
