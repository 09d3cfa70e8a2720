#!/usr/bin/env python3
"""Every comparison of ismc with its peers in one run: run by bench/run_all.sh (which also
installs the peers on --install); see that script for the usage.

Each workload pairs one figure of ours (a Google Benchmark case or a CLI run) with the same
figure of each peer this machine can run. They are interleaved: round after round, each
workload runs ours and then each of its peers, so that both sides see the machine in the
same state; the figure of a side is its median over the rounds. A peer that cannot run here
is listed with the reason ("skipped: not installed", ...), never silently dropped.

Writes OUT/summary.md (the table: workload, peer, peer figure, ours, ratio, and the machine,
date, commit and load average), OUT/summary.json (the same, with every round's raw figures)
and OUT/summary.png (a bar chart of the ratios: matplotlib where it can be imported, else a
plain chart drawn by this script). Standard library only, apart from the optional matplotlib.
"""
import argparse
import json
import math
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PEERS = os.path.join(HERE, "peers")
DEBIAN_PYTHON = "/usr/bin/python3"

# Seconds per unit of Google Benchmark's time_unit.
UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}

# The sizes of each mode. tiny: a smoke test (the CTest bench_smoke); quick: under 5 minutes
# on 2 cores, the sizes where they fit; full: the sizes throughout.
MODES = {
    "tiny": {"rounds": 1, "min_time": 0.01, "study_j": 100, "dense_large": (11, 2000),
             "hyper": (100, 400, 8), "sampling": (1000, 100, 100, 20), "nuts": (150, 100),
             "peer_seconds": 0.2, "plain_sims": 10000},
    "quick": {"rounds": 2, "min_time": 0.3, "study_j": 10000, "dense_large": (22, 2000),
              "hyper": (1000, 4000, 64), "sampling": (1000, 100, 100, 100), "nuts": (1000, 1000),
              "peer_seconds": 1.0, "plain_sims": 1000000},
    "full": {"rounds": 3, "min_time": 1.0, "study_j": 10000, "dense_large": (22, 20000),
             "hyper": (1000, 4000, 64), "sampling": (1000, 100, 100, 500), "nuts": (1000, 1000),
             "peer_seconds": 5.0, "plain_sims": 1000000},
}


class Skip(Exception):
    """A peer that cannot run here, with the reason."""


def log(message):
    print(f"run_all: {message}", file=sys.stderr, flush=True)


def run_json_lines(command, env=None, timeout=None):
    """Runs `command`; returns the JSON objects it printed one per line."""
    merged = dict(os.environ, **(env or {}))
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=merged, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed with status {result.returncode}:\n"
                           f"{result.stderr[-2000:]}")
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def run_json(command, env=None, timeout=None):
    """Runs `command`; returns the one JSON document it printed (pretty-printed or not)."""
    merged = dict(os.environ, **(env or {}))
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=merged, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed with status {result.returncode}:\n"
                           f"{result.stderr[-2000:]}")
    return json.loads(result.stdout[result.stdout.index("{"):])


def python_with(python, *modules):
    """`python` when it exists and imports every module, else raises Skip."""
    if not os.path.exists(python):
        raise Skip(f"skipped: not installed ({python} missing; run bench/run_all.sh --install)")
    probe = subprocess.run([python, "-c", "import " + ", ".join(modules)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if probe.returncode != 0:
        raise Skip(f"skipped: not installed ({', '.join(modules)} not importable by {python}; "
                   "run bench/run_all.sh --install)")
    return python


SETUP_ONLY = ("skipped: not installed (not among scripts/packages.sh's packages; "
              "--setup-peers-only)")


def peers_python(args, *modules):
    """The peers' virtual environment's Python, with `modules` importable."""
    if args.setup_peers_only:
        raise Skip(SETUP_ONLY)
    return python_with(os.path.join(args.peers_venv, "bin", "python"), *modules)


class Context:
    def __init__(self, args, mode):
        self.args = args
        self.mode = mode
        self.work = tempfile.mkdtemp(prefix="ismc-run-all-")

    def benchmark(self, binary, name, env=None, min_time=None):
        """Runs one Google Benchmark case (exact name); returns its row."""
        path = os.path.join(self.args.build, "bench", binary)
        if not os.access(path, os.X_OK):
            raise RuntimeError(f"no {path}: build the {binary} target first")
        regex = "^" + name.replace("/", "/") + "$"
        command = [path, f"--benchmark_filter={regex}", "--benchmark_format=json",
                   f"--benchmark_min_time={min_time or self.mode['min_time']}"]
        merged = dict(os.environ, **(env or {}))
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=merged)
        if result.returncode != 0:
            raise RuntimeError(f"{binary} {name} failed: {result.stderr[-2000:]}")
        if not result.stdout.strip():
            raise RuntimeError(f"{binary}: no benchmark matched {name}")
        rows = [row for row in json.loads(result.stdout)["benchmarks"]
                if row.get("run_type", "iteration") == "iteration"]
        if not rows:
            raise RuntimeError(f"{binary}: no benchmark matched {name}")
        if rows[0].get("error_occurred"):
            raise RuntimeError(f"{binary} {name}: {rows[0].get('error_message')}")
        return rows[0]


def seconds_of(row):
    return row["real_time"] * UNIT_SECONDS[row["time_unit"]]


# ---------------------------------------------------------------------------------------
# The workloads: each has a name, a figure (what is compared, and whether lower is better),
# the aim, ours (a function of the context returning (figure, extra)) and its peers
# (name, function of the context returning (figure, extra) or raising Skip).


def dense_workload(context, n_targets, sims):
    repeats = 20 if sims <= 1000 else 3
    size = f"{n_targets}:{sims}"

    def ours(c):
        # The sizes bench_importance registers itself; any other through ISMC_DENSE_SIZES.
        built_in = size in ("11:1000", "41:20000")
        row = c.benchmark("bench_importance", f"BM_DenseSeedProblem/J:{n_targets}/N:{sims}/real_time",
                          env=None if built_in else {"ISMC_DENSE_SIZES": size})
        return seconds_of(row), {"peak_rss_mb": row.get("peak_rss_mb")}

    def numpy_peer(c):
        python = python_with(DEBIAN_PYTHON, "numpy")
        rows = run_json_lines([python, os.path.join(PEERS, "seed_numpy.py"), "--one", "run",
                               str(n_targets), str(sims), str(repeats)])
        return rows[0]["seconds"], {"peak_rss_mb": rows[0].get("peak_rss_mb")}

    def jax_peer(c):
        python = peers_python(c.args, "jax")
        rows = run_json_lines([python, os.path.join(PEERS, "jax_imp_est.py"), "--x64", "--one", "run",
                               str(n_targets), str(sims), str(repeats)],
                              env={"JAX_PLATFORMS": "cpu"})
        if not rows or not rows[0].get("fit", True):
            raise RuntimeError(f"jax_imp_est.py failed: {rows}")
        return rows[0]["seconds"], {"device": rows[0].get("device")}

    aim = {(11, 1000): "≥ 100× numpy", (22, 20000): "≥ 300× numpy"}.get((n_targets, sims), "")
    return {
        "workload": f"dense seed problem, J = {n_targets}, N = {sims}",
        "figure": "seconds per estimate", "lower_is_better": True, "aim": aim,
        "ours": ours,
        "peers": [("the seed's numpy (four-index)", numpy_peer),
                  ("JAX imp_est (jit, float64, CPU)", jax_peer)],
    }


def hyper_workload(context, mixed=False):
    objects, samples, thetas = context.mode["hyper"]
    size = f"{objects}:{samples}:{thetas}"
    min_seconds = str(context.mode["peer_seconds"])
    name = "BM_HyperLikelihoodCpuMixed" if mixed else "BM_HyperLikelihoodCpu"

    def ours(c):
        row = c.benchmark("bench_population",
                          f"{name}/objects:{objects}/samples:{samples}/"
                          f"thetas:{thetas}/threads:0/real_time")
        return objects * samples * thetas / seconds_of(row), {}

    def numpy_peer(c):
        python = python_with(DEBIAN_PYTHON, "numpy")
        rows = run_json_lines([python, os.path.join(PEERS, "population_numpy.py"), "--sizes", size,
                               "--min-seconds", min_seconds])
        return rows[0]["terms_per_second"], {"check": rows[0]["check_log_l_true_minus_exact"]}

    def jax_peer(c):
        python = peers_python(c.args, "jax")
        rows = run_json_lines([python, os.path.join(PEERS, "population_jax.py"), "--sizes", size,
                               "--min-seconds", min_seconds], env={"JAX_PLATFORMS": "cpu"})
        return rows[0]["terms_per_second"], {"check": rows[0]["check_log_l_true_minus_exact"]}

    return {
        "workload": f"hyper-likelihood {objects} × {samples} × {thetas}"
                    + (" (ours: mixed precision, opt-in)" if mixed else ""),
        "figure": "terms per second", "lower_is_better": False,
        "aim": "" if mixed else "≥ 20× numpy, ≥ 10× JAX",
        "ours": ours,
        "peers": [("vectorized numpy", numpy_peer), ("JAX (jit, float64, CPU)", jax_peer)],
    }


def sampling_workload(context):
    objects, samples, walkers, steps = context.mode["sampling"]
    burn = min(50, steps // 2)

    def ours(c):
        ismc = os.path.join(c.args.build, "ismc")
        if not os.access(ismc, os.X_OK):
            raise RuntimeError(f"no {ismc}: build the ismc_exe target first")
        study = os.path.join(c.work, "seed000.toml")
        with open(study, "w") as handle:
            handle.write(
                "# The seed-000 sampling run (bench/run_all.py)\n"
                f"[data]\nsimulate = true\nobjects = {objects}\ntheta_mu = 0.0\n"
                f"theta_sigma = 1.0\nalpha = 1.0\nsamples_per_object = {samples}\n\n"
                "[run]\nseed = 42\n\n"
                "[methods]\npoint = false\nimportance = true\nnuts = false\n\n"
                f"[ensemble]\nwalkers = {walkers}\nsteps = {steps}\nburn = {burn}\n")
        out_dir = os.path.join(c.work, "seed000-out")
        shutil.rmtree(out_dir, ignore_errors=True)
        start = time.perf_counter()
        result = subprocess.run([ismc, "population", study, "--out-dir", out_dir, "--quiet"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - start
        if result.returncode != 0:
            raise RuntimeError(f"ismc population failed: {result.stderr[-2000:]}")
        return seconds, {}

    def emcee_peer(c):
        python = peers_python(c.args, "emcee", "numpy")
        rows = run_json_lines([python, os.path.join(PEERS, "emcee_population.py"), "--objects",
                               str(objects), "--samples", str(samples), "--walkers", str(walkers),
                               "--steps", str(steps), "--burn", str(burn)])
        return rows[0]["seconds"], {"acceptance_fraction": rows[0]["acceptance_fraction"]}

    return {
        "workload": f"seed-000 sampling run, {walkers} walkers × {steps} steps, "
                    f"{objects} objects × {samples} samples",
        "figure": "seconds, end to end (ours: the ismc process; emcee: run_mcmc)",
        "lower_is_better": True, "aim": "< 1 s at 100 × 500",
        "ours": ours, "peers": [("emcee + numpy", emcee_peer)],
    }


def nuts_workload(context):
    warmup, draws = context.mode["nuts"]

    def ours(c):
        row = c.benchmark("bench_nuts", f"BM_NutsEightSchools/seed:1/warmup:{warmup}/draws:{draws}"
                                        "/iterations:1/manual_time", min_time=0.001)
        return row["ess_per_second"], {"ess_bulk_tau": row.get("ess_bulk_tau")}

    def rstan_peer(c):
        if c.args.setup_peers_only:
            raise Skip(SETUP_ONLY)
        if shutil.which("Rscript") is None:
            raise Skip("skipped: not installed (no Rscript; run bench/run_all.sh --install)")
        lib = os.environ.get("ISMC_R_LIB", os.path.join(ROOT, "build-peer", "r-lib"))
        probe = subprocess.run(["Rscript", "-e", "library(rstan); library(posterior)"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=dict(os.environ, R_LIBS=lib))
        if probe.returncode != 0 or not os.path.isdir(lib):
            raise Skip("skipped: not installed (rstan, posterior or the BH work-around missing; "
                       "run bench/run_all.sh --install)")
        document = run_json(["Rscript", os.path.join(PEERS, "rstan_eight_schools.R"), "--seeds",
                             "1", "--warmup", str(warmup), "--draws", str(draws)],
                            env={"ISMC_R_LIB": lib})
        return document["mean"]["ess_per_second"], {"compile_seconds": document.get("compile_seconds")}

    def numpyro_peer(c):
        python = peers_python(c.args, "numpyro", "jax")
        rows = run_json_lines([python, os.path.join(PEERS, "numpyro_eight_schools.py"), "--seed",
                               "1", "--warmup", str(warmup), "--draws", str(draws)],
                              env={"JAX_PLATFORMS": "cpu"})
        return rows[0]["ess_per_second"], {"seconds": rows[0]["seconds"]}

    return {
        "workload": f"NUTS, eight schools (non-centered), 4 chains × ({warmup} + {draws})",
        "figure": "ESS of tau per second", "lower_is_better": False, "aim": "",
        "ours": ours, "peers": [("rstan", rstan_peer), ("numpyro (per-run compilation included, see its script)", numpyro_peer)],
    }


def study_workload(context):
    n_targets = context.mode["study_j"]

    def ours(c):
        iterations = "/iterations:1" if n_targets >= 10000 else ""
        row = c.benchmark("bench_importance",
                          f"BM_ImportanceScaling/J:{n_targets}{iterations}/real_time",
                          min_time=0.001)
        stages = {k: v for k, v in row.items() if k.startswith("s_")}
        return seconds_of(row), dict(stages, peak_rss_mb=row.get("peak_rss_mb"))

    return {
        "workload": f"importance study, J = N = {n_targets}, C = 8 (BM_ImportanceScaling)",
        "figure": "seconds", "lower_is_better": True,
        "aim": "≤ 2 s in all, four-index stage ≤ 1 s at J = 10⁴",
        "ours": ours, "peers": [],
    }


def plain_workload(context):
    sims = context.mode["plain_sims"]

    def ours(c):
        row = c.benchmark("bench_plain", f"BM_PlainOneSided1D/{sims}/real_time")
        return row["sims_per_second"], {}

    return {
        "workload": "plain Monte Carlo, the seed's z-test (BM_PlainOneSided1D)",
        "figure": "simulations per second", "lower_is_better": False,
        "aim": "half the floor (docs/performance.md)", "ours": ours, "peers": [],
    }


def workloads(context):
    large = context.mode["dense_large"]
    return [study_workload(context), dense_workload(context, 11, 1000),
            dense_workload(context, *large), hyper_workload(context),
            hyper_workload(context, mixed=True), sampling_workload(context),
            nuts_workload(context), plain_workload(context)]


# ---------------------------------------------------------------------------------------


def load_average():
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def machine():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} CPUs"


def commit():
    result = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    text = result.stdout.strip() or os.environ.get("ISMC_GIT_COMMIT", "unknown")
    return text + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def measure(context):
    """Runs every workload's sides, round after round; returns the rows."""
    entries = workloads(context)
    results = []
    for entry in entries:
        results.append({"entry": entry, "ours": [], "ours_extra": None, "ours_error": None,
                        "peers": {name: {"values": [], "skip": None, "error": None, "extra": None}
                                  for name, _ in entry["peers"]}})
    for round_index in range(context.mode["rounds"]):
        for result in results:
            entry = result["entry"]
            sides = [("ours", entry["ours"])] + list(entry["peers"])
            for name, function in sides:
                slot = None if name == "ours" else result["peers"][name]
                if slot is not None and (slot["skip"] or slot["error"]):
                    continue
                if name == "ours" and result["ours_error"]:
                    continue
                log(f"round {round_index + 1}: {entry['workload']}: {name}")
                try:
                    value, extra = function(context)
                except Skip as why:
                    slot["skip"] = str(why)
                    log(f"  {why}")
                    continue
                except (RuntimeError, subprocess.TimeoutExpired, KeyError, ValueError,
                        json.JSONDecodeError) as error:
                    message = str(error).strip().splitlines()
                    text = "failed: " + (message[-1] if message else type(error).__name__)
                    if slot is None:
                        result["ours_error"] = text
                    else:
                        slot["error"] = text
                    log(f"  {name} {text}")
                    continue
                if slot is None:
                    result["ours"].append(value)
                    result["ours_extra"] = extra
                else:
                    slot["values"].append(value)
                    slot["extra"] = extra
    return results


def format_figure(value, lower_is_better):
    if value is None:
        return "—"
    if lower_is_better:
        if value < 1e-3:
            return f"{value * 1e6:.3g} µs"
        if value < 1.0:
            return f"{value * 1e3:.3g} ms"
        return f"{value:.3g} s"
    for scale, suffix in ((1e9, "G/s"), (1e6, "M/s"), (1e3, "k/s")):
        if value >= scale:
            return f"{value / scale:.3g} {suffix}"
    return f"{value:.3g} /s"


def summarize(results, mode_name, started, load_before, load_after, seconds):
    rows = []
    for result in results:
        entry = result["entry"]
        ours = statistics.median(result["ours"]) if result["ours"] else None
        base = {"workload": entry["workload"], "figure": entry["figure"],
                "lower_is_better": entry["lower_is_better"], "aim": entry["aim"],
                "ours": ours, "ours_rounds": result["ours"], "ours_extra": result["ours_extra"],
                "ours_error": result["ours_error"]}
        if not entry["peers"]:
            rows.append(dict(base, peer=None, peer_figure=None, peer_rounds=[], ratio=None,
                             status="ours alone"))
        for name, _ in entry["peers"]:
            slot = result["peers"][name]
            peer = statistics.median(slot["values"]) if slot["values"] else None
            ratio = None
            if peer is not None and ours is not None and ours > 0 and peer > 0:
                ratio = peer / ours if entry["lower_is_better"] else ours / peer
            status = slot["skip"] or slot["error"] or ("ran" if peer is not None else "not run")
            rows.append(dict(base, peer=name, peer_figure=peer, peer_rounds=slot["values"],
                             peer_extra=slot["extra"], ratio=ratio, status=status))
    return {
        "mode": mode_name, "date": started, "commit": commit(), "machine": machine(),
        "load_average_before": load_before, "load_average_after": load_after,
        "seconds": seconds, "rows": rows,
    }


def write_markdown(summary, path):
    lines = [
        f"| workload | peer | peer figure | ours | ratio (× ours faster) | aim |",
        "|---|---|---|---|---|---|",
    ]
    for row in summary["rows"]:
        lower = row["lower_is_better"]
        ours = format_figure(row["ours"], lower) if row["ours"] is not None else (
            row["ours_error"] or "—")
        if row["peer"] is None:
            peer, peer_figure, ratio = "(none)", "—", "—"
        else:
            peer = row["peer"]
            peer_figure = (format_figure(row["peer_figure"], lower)
                           if row["peer_figure"] is not None else row["status"])
            ratio = f"{row['ratio']:.3g}×" if row["ratio"] is not None else "—"
        lines.append(f"| {row['workload']} ({row['figure']}) | {peer} | {peer_figure} | {ours} | "
                     f"{ratio} | {row['aim']} |")
    lines += [
        "",
        f"Mode `{summary['mode']}`, {summary['seconds']:.0f} s in all; machine: "
        f"{summary['machine']}; date: {summary['date']}; commit: {summary['commit']}; "
        f"load average (1, 5, 15 min) before: {summary['load_average_before']}, after: "
        f"{summary['load_average_after']}. Each side is the median of its rounds, the sides "
        "interleaved round by round (bench/run_all.sh).",
    ]
    with open(path + ".tmp", "w") as handle:
        handle.write("\n".join(lines) + "\n")
    os.replace(path + ".tmp", path)


# A 5 x 7 bitmap font for the fallback chart: the characters the labels use.
FONT = {
    "0": (0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E), "1": (0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E),
    "2": (0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F), "3": (0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E),
    "4": (0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02), "5": (0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E),
    "6": (0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E), "7": (0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08),
    "8": (0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E), "9": (0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C),
    ".": (0, 0, 0, 0, 0, 0x0C, 0x0C), "x": (0, 0, 0x11, 0x0A, 0x04, 0x0A, 0x11),
    "-": (0, 0, 0, 0x1F, 0, 0, 0), "+": (0, 0x04, 0x04, 0x1F, 0x04, 0x04, 0),
    "e": (0, 0, 0x0E, 0x11, 0x1F, 0x10, 0x0E), " ": (0, 0, 0, 0, 0, 0, 0),
}


def glyph_rows(char):
    return FONT.get(char, FONT[" "])


def write_png_plain(labels, ratios, path):
    """A horizontal bar chart of `ratios` (log scale, 1× marked) as an 8-bit grey PNG, bars
    numbered in the order of `labels` (the summary's rows) with their ratio written beside."""
    width, bar_height, gap, left = 640, 18, 8, 40
    height = gap + len(ratios) * (bar_height + gap) + 20
    pixels = [[255] * width for _ in range(height)]
    top = max(max(ratios), 2.0)
    span = math.log10(top) + 1.0  # from 0.1× to the largest

    def x_of(value):
        return left + int((width - left - 120) * (math.log10(max(value, 0.1)) + 1.0) / span)

    def text(x, y, string, shade=0):
        for char in string:
            for row, bits in enumerate(glyph_rows(char)):
                for column in range(5):
                    if bits & (1 << (4 - column)) and 0 <= y + row < height and x + column < width:
                        pixels[y + row][x + column] = shade
            x += 6

    for index, ratio in enumerate(ratios):
        y = gap + index * (bar_height + gap)
        text(4, y + 5, str(index + 1))
        for yy in range(y, y + bar_height):
            for xx in range(left, x_of(ratio)):
                pixels[yy][xx] = 90
        text(x_of(ratio) + 4, y + 5, f"{ratio:.3g}x")
    one = x_of(1.0)
    for yy in range(height - 18):
        pixels[yy][one] = 0
    text(one - 6, height - 12, "1x")

    raw = b"".join(b"\x00" + bytes(row) for row in pixels)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    with open(path + ".tmp", "wb") as handle:
        handle.write(png)
    os.replace(path + ".tmp", path)


def write_png(summary, path, pythons):
    """The ratios as a bar chart: matplotlib from the first of `pythons` that has it, else the
    plain chart. Returns how it was drawn."""
    bars = [row for row in summary["rows"] if row["ratio"] is not None]
    labels = [f"{row['workload']} vs {row['peer']}" for row in bars]
    ratios = [row["ratio"] for row in bars]
    if not bars:
        labels, ratios = ["no comparison ran"], [1.0]
    script = (
        "import json, sys\nimport matplotlib\nmatplotlib.use('Agg')\n"
        "import matplotlib.pyplot as plt\n"
        "labels, ratios, title, path = json.load(sys.stdin)\n"
        "fig, ax = plt.subplots(figsize=(10, 0.45 * len(labels) + 1.5))\n"
        "ax.barh(range(len(labels)), ratios, color='C0')\n"
        "ax.set_yticks(range(len(labels)), labels, fontsize=8)\n"
        "ax.invert_yaxis(); ax.set_xscale('log'); ax.axvline(1.0, color='k', lw=0.8)\n"
        "for i, r in enumerate(ratios): ax.text(r, i, f' {r:.3g}x', va='center', fontsize=8)\n"
        "ax.set_xlabel('ours faster (x)'); ax.set_title(title, fontsize=9)\n"
        "fig.tight_layout(); fig.savefig(path, dpi=100)\n")
    title = f"ismc vs peers ({summary['mode']}, {summary['commit']}, load {summary['load_average_before']})"
    for python in pythons:
        if not os.path.exists(python):
            continue
        result = subprocess.run([python, "-c", script], input=json.dumps([labels, ratios, title, path]),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if result.returncode == 0:
            return f"matplotlib ({python})"
    write_png_plain(labels, ratios, path)
    return "the plain chart (no matplotlib: bars numbered in the order of the table's compared rows)"


def main():
    parser = argparse.ArgumentParser(description="every comparison in one run")
    parser.add_argument("--mode", choices=sorted(MODES), default="full")
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    parser.add_argument("--peers-venv", default=os.path.join(ROOT, ".venv-peers"))
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--setup-peers-only", action="store_true",
                        help="run only the peers that scripts/setup.sh installs (numpy); list "
                             "the others as not installed (the CTest bench_smoke)")
    args = parser.parse_args()
    mode = dict(MODES[args.mode])
    if args.rounds:
        mode["rounds"] = args.rounds
    args.build = os.path.abspath(args.build)
    os.makedirs(args.out, exist_ok=True)
    context = Context(args, mode)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_before = load_average()
    start = time.perf_counter()
    try:
        results = measure(context)
    finally:
        shutil.rmtree(context.work, ignore_errors=True)
    summary = summarize(results, args.mode, started, load_before, load_average(),
                        time.perf_counter() - start)
    write_markdown(summary, os.path.join(args.out, "summary.md"))
    pythons = [os.path.join(ROOT, ".venv", "bin", "python"), DEBIAN_PYTHON]
    if not args.setup_peers_only:
        pythons.insert(1, os.path.join(args.peers_venv, "bin", "python"))
    drawn = write_png(summary, os.path.join(args.out, "summary.png"), pythons)
    summary["chart"] = drawn
    with open(os.path.join(args.out, "summary.json.tmp"), "w") as handle:
        json.dump(summary, handle, indent=2, default=str)
        handle.write("\n")
    os.replace(os.path.join(args.out, "summary.json.tmp"), os.path.join(args.out, "summary.json"))
    with open(os.path.join(args.out, "summary.md")) as handle:
        sys.stdout.write(handle.read())
    print(f"\nchart: {drawn}")
    for row in summary["rows"]:
        if row["peer"] is not None and row["status"] != "ran":
            print(f"{row['workload']}: {row['peer']}: {row['status']}")
    failed = sorted({f"{row['workload']}: ours {row['ours_error']}"
                     for row in summary["rows"] if row["ours_error"]})
    for line in failed:
        print(line, file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
