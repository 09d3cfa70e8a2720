#!/usr/bin/env python3
"""The seed notebook's jitted JAX imp_est, timed: the peer of bench_cuda_rates'
BM_CudaDenseSeedProblem (see compare_gpu.sh). Runs on a GPU JAX or a CPU-only one.

mixture_ratio, average_rej, imp_est_j and imp_est are the notebook's, line for line, with
jax.jit on imp_est. The problem is BM_DenseSeedProblem's, built by seed_numpy.py's
build_problem (imported, so the three stay one problem): J targets linspace(-2, 2, J), the
C = 5 cluster centres (2.1, 2.4, 2.8, 3.3, 4.1), proposals = targets then centres
(K = M = J + 5), w_jj = 0.01 and the rest in proportion to made-up pilot counts
n_jc = 1 + (7j + 3c) mod 10, N draws per proposal from N(mu_k, 1). As in the notebook's call,
X = data_importance.T, rejs = X > 1.96, ws = full_weights.T, mus = mu_importance. JAX's default
precision is float32, as in the notebook (which does not enable x64); --x64 runs float64,
the precision ismc computes in.

Timing: the inputs are put on the device first; one warm-up call (compilation included,
reported as compile_seconds) is followed by `repeats` timed calls, each ended by
block_until_ready(). Neither the draws nor the host-to-device copy are timed (ismc's timed
call simulates its draws).

Scales, each in a fresh child process so that one's memory (or its failure) is not the next's:
  seed     J = 11, N = 1000
  grow     N = 20000 (--sims), J = 11, 41, then doubling, until a size fails (device out of
           memory: the error is caught and reported), exceeds --memory-cap-gb of the
           materialised ratio tensor (J x K x N x M values; by default no cap on a GPU, 2 GB on
           a CPU, so that a shared machine is not driven out of memory), exceeds --max-j, would
           take longer than --max-seconds a call (extrapolated from the last size's ratios per
           second), or --budget-seconds are spent
  bisect   between the largest J that fit and the smallest that did not (--bisect-steps)
  largest  a copy of the largest J that fit at N = --sims, with why growth stopped
Prints one JSON object per line: scale, fit, J, K, N, seconds (median), seconds_min, repeats,
compile_seconds, dense_ratios = N*J*K*M, ratios_per_second, model_dense_gb, peak memory where
JAX reports it (device peak_bytes_in_use) and the process's peak RSS, device, platform, dtype,
jax version, and accuracy checks: max_abs_diff_vs_exact (against 1 - Phi(1.96 - mu_j)) and,
at the seed's scale, max_abs_diff_vs_numpy (the notebook's numpy four-index result).
"""
import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

CRITICAL = 1.96
SEED_SCALE = (11, 1000)


def dense_ratios(n_targets, sims):
    n_proposals = n_targets + 5
    return sims * n_targets * n_proposals * n_proposals


def model_dense_gb(n_targets, sims, itemsize):
    """The J x K x N x M ratio tensor that the vmapped mixture_ratio describes."""
    return dense_ratios(n_targets, sims) * itemsize / 1e9


def run_one(scale, n_targets, sims, repeats, x64):
    """One scale in this process; prints its JSON line. Device errors are caught."""
    # JAX takes 75% of a GPU's memory by default; let it take more so that the largest
    # problem that fits is the device's, not the allocator's default.
    os.environ.setdefault("XLA_PYTHON_CLIENT_MEM_FRACTION", "0.95")
    import numpy as np
    import jax
    import jax.numpy as jnp

    if x64:
        jax.config.update("jax_enable_x64", True)
    from seed_numpy import build_problem, four_index

    # ---- the seed notebook's cell, verbatim ----
    def mixture_ratio(j, X_ik, wj, mus):
        muj = mus[j]
        ratio = jnp.exp((mus - muj) * X_ik - 0.5 * (mus ** 2 - muj ** 2))
        return wj @ ratio

    def average_rej(j, rejs, X_k, wj, mus):
        mr_vm = jax.vmap(mixture_ratio, in_axes=(None, 0, None, None))
        return jnp.mean(rejs / mr_vm(j, X_k, wj, mus))

    def imp_est_j(j, rejs, X, wj, mus):
        avg_rej_vm = jax.vmap(average_rej, in_axes=(None, 0, 0, None, None))
        return wj @ avg_rej_vm(j, rejs, X, wj, mus)

    @jax.jit
    def imp_est(rejs, X, ws, mus):
        idx = jnp.arange(0, ws.shape[0])
        return jax.vmap(imp_est_j, in_axes=(0, None, None, 0, None))(
            idx, rejs, X, ws, mus
        )
    # ---- end of the notebook's cell ----

    device = jax.devices()[0]
    dtype = "float64" if x64 else "float32"
    row = {
        "scale": scale,
        "J": n_targets,
        "K": n_targets + 5,
        "N": sims,
        "dense_ratios": dense_ratios(n_targets, sims),
        "model_dense_gb": model_dense_gb(n_targets, sims, 8 if x64 else 4),
        "platform": device.platform,
        "device": getattr(device, "device_kind", str(device)),
        "dtype": dtype,
        "jax": jax.__version__,
        "mem_fraction": os.environ.get("XLA_PYTHON_CLIENT_MEM_FRACTION"),
    }

    rng = np.random.default_rng(42)
    relevant_mu, full_weights, mu_importance, data_importance = build_problem(n_targets, sims, rng)
    X = data_importance.T
    rejs = X > CRITICAL
    ws = full_weights.T
    mus = mu_importance
    try:
        args = [jax.device_put(a) for a in (rejs, X, ws, mus)]
        start = time.perf_counter()
        estimate = imp_est(*args).block_until_ready()
        row["compile_seconds"] = time.perf_counter() - start
        times = []
        for _ in range(max(1, repeats)):
            start = time.perf_counter()
            estimate = imp_est(*args).block_until_ready()
            times.append(time.perf_counter() - start)
    except Exception as failure:  # noqa: BLE001 - a device OOM is an XlaRuntimeError
        message = str(failure).strip().splitlines()
        row.update({"fit": False, "error": (message[0] if message else type(failure).__name__)[:400],
                    "error_type": type(failure).__name__})
        return row

    seconds = statistics.median(times)
    estimate = np.asarray(estimate, dtype=np.float64)
    exact = np.array([0.5 * math.erfc((CRITICAL - mu) / math.sqrt(2)) for mu in relevant_mu])
    row.update({
        "fit": True,
        "seconds": seconds,
        "seconds_min": min(times),
        "repeats": len(times),
        "ratios_per_second": row["dense_ratios"] / seconds,
        "max_abs_diff_vs_exact": float(np.max(np.abs(estimate - exact))),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    })
    stats = device.memory_stats() if hasattr(device, "memory_stats") else None
    if stats and "peak_bytes_in_use" in stats:
        row["device_peak_gb"] = stats["peak_bytes_in_use"] / 1e9
        if "bytes_limit" in stats:
            row["device_limit_gb"] = stats["bytes_limit"] / 1e9
    if (n_targets, sims) == SEED_SCALE:
        numpy_result, _ = four_index(relevant_mu, full_weights, mu_importance, data_importance)
        row["max_abs_diff_vs_numpy"] = float(np.max(np.abs(estimate - numpy_result)))
    return row


def child(scale, n_targets, sims, repeats, x64, timeout):
    """Runs one scale in a fresh process; a crash or time-out reads as 'did not fit'."""
    command = [sys.executable, os.path.abspath(__file__), "--one", scale, str(n_targets),
               str(sims), str(repeats)] + (["--x64"] if x64 else [])
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"scale": scale, "J": n_targets, "K": n_targets + 5, "N": sims, "fit": False,
                "error": f"no result within {timeout:g} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"scale": scale, "J": n_targets, "K": n_targets + 5, "N": sims, "fit": False,
                "error": f"child exited with status {done.returncode}"}
    return json.loads(lines[-1])


def emit(row):
    print(json.dumps(row), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sims", type=int, default=20000, help="N while growing J (default 20000)")
    parser.add_argument("--seed-repeats", type=int, default=20)
    parser.add_argument("--large-repeats", type=int, default=5)
    parser.add_argument("--memory-cap-gb", type=float, default=None,
                        help="largest ratio tensor to try, GB (default: none on a GPU, 2 on a CPU)")
    parser.add_argument("--max-j", type=int, default=100000)
    parser.add_argument("--max-seconds", type=float, default=30.0,
                        help="try no J whose call, extrapolated from the last one's ratios per "
                             "second, would take longer than this (default 30)")
    parser.add_argument("--budget-seconds", type=float, default=300.0,
                        help="start no new size after this much time in all (default 300)")
    parser.add_argument("--child-timeout", type=float, default=300.0)
    parser.add_argument("--bisect-steps", type=int, default=5)
    parser.add_argument("--x64", action="store_true", help="float64 (jax_enable_x64)")
    parser.add_argument("--seed-only", action="store_true", help="run the seed's scale alone")
    parser.add_argument("--one", nargs=4, metavar=("SCALE", "J", "N", "REPEATS"),
                        help="run one scale in this process (used by the parent)")
    args = parser.parse_args()

    if args.one:
        scale, n_targets, sims, repeats = args.one
        emit(run_one(scale, int(n_targets), int(sims), int(repeats), args.x64))
        return 0

    started = time.monotonic()
    seed = child("seed", *SEED_SCALE, args.seed_repeats, args.x64, args.child_timeout)
    emit(seed)
    if not seed.get("fit"):
        print(f"jax_imp_est.py: the seed's scale failed: {seed.get('error')}", file=sys.stderr)
        return 1
    if args.seed_only:
        return 0
    on_cpu = seed.get("platform") == "cpu"
    cap_gb = args.memory_cap_gb if args.memory_cap_gb is not None else (2.0 if on_cpu else math.inf)
    itemsize = 8 if args.x64 else 4
    sims = args.sims

    def attempt(scale, n_targets):
        """(fit, why not): sizes over the cap are not run; failures are printed too."""
        if model_dense_gb(n_targets, sims, itemsize) > cap_gb:
            return False, f"over the {cap_gb:g} GB cap on the ratio tensor", None
        row = child(scale, n_targets, sims, args.large_repeats, args.x64, args.child_timeout)
        emit(row)
        return bool(row.get("fit")), row.get("error"), row

    def too_slow(n_targets, last):
        """Why J should not be tried, judged from the last fit's rate and the time spent."""
        predicted = dense_ratios(n_targets, sims) / last["ratios_per_second"]
        if predicted > args.max_seconds:
            return f"J = {n_targets} would take about {predicted:.0f} s a call (> --max-seconds)"
        if time.monotonic() - started > args.budget_seconds:
            return f"--budget-seconds {args.budget_seconds:g} spent"
        return None

    largest, failed_at, stopped = None, None, None
    n_targets = 11
    while True:
        fit, why, row = attempt("grow", n_targets)
        if not fit:
            failed_at, stopped = n_targets, f"J = {n_targets}: {why}"
            break
        largest = row
        following = 41 if n_targets == 11 else 2 * n_targets
        if following > args.max_j:
            stopped = f"--max-j {args.max_j} reached"
            break
        stopped = too_slow(following, largest)
        if stopped:
            break
        n_targets = following

    if largest is not None and failed_at is not None and "no result within" not in stopped:
        low, high, high_why = largest["J"], failed_at, stopped
        for _ in range(args.bisect_steps):
            middle = (low + high) // 2
            if high - low <= 1 or too_slow(middle, largest):
                break
            fit, why, row = attempt("bisect", middle)
            if fit:
                low, largest = middle, row
            else:
                high, high_why = middle, f"J = {middle}: {why}"
        stopped = f"{stopped}; bisection: J = {low} fit, {high_why}"

    if largest is None:
        emit({"scale": "largest", "fit": False, "N": sims, "why": stopped})
        return 0
    summary = dict(largest)
    summary.update({"scale": "largest", "why": stopped,
                    "memory_cap_gb": None if math.isinf(cap_gb) else cap_gb})
    emit(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
