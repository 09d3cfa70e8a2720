#!/usr/bin/env python3
"""Summarizes population_gpu.sh's two Google Benchmark JSON files (bench_population and
bench_nuts, CPU and CUDA cases of one run on one machine) into the figures issue 6 asks for
and the CPU/GPU crossovers, prints a table and writes them as JSON.

- hyper-likelihood: terms/s on the device at 1000 x 4000 x 64 (aim >= 1e11) against the CPU in
  the same run; the fixed cost of one device call (aim < 50 us);
- crossover: for each size of the sweep, the CPU's and the device's wall-clock time per call;
  the crossover is the smallest size from which the device is faster at every larger size
  (make_hyper_likelihood's device_min_terms, in terms; make_partial_pooling's
  device_min_objects, in objects, for NUTS's one-q calls);
- NUTS on the 1000-object model: ESS of theta_sigma per second with the CPU and the device
  gradient.

Where a case is missing (no device: the CUDA cases are not registered) its figures are null and
the crossover is "not measured". Standard library only.
"""
import argparse
import datetime
import json
import re
import sys

from result_file import UNIT_SECONDS, write

# The thresholds `--backend auto` uses now (include/ismc/population.hpp).
DEFAULT_DEVICE_MIN_TERMS = 262144
DEFAULT_DEVICE_MIN_OBJECTS = 65536


def parse_name(name):
    """('BM_Family', {'key': value, ...}) from 'BM_Family/key:1/key2:3/real_time_median'."""
    parts = name.split("/")
    args = {}
    for part in parts[1:]:
        match = re.fullmatch(r"([a-z_]+):(-?\d+)", part)
        if match:
            args[match.group(1)] = int(match.group(2))
    return parts[0], args


def load_rows(path):
    """Medians (or the single run) of every benchmark: [(family, args, row)]."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    rows = []
    for bench in data.get("benchmarks", []):
        if bench.get("error_occurred"):
            continue
        run_type = bench.get("run_type", "iteration")
        if run_type == "aggregate" and bench.get("aggregate_name") != "median":
            continue
        family, args = parse_name(bench["name"])
        seconds = bench["real_time"] * UNIT_SECONDS[bench.get("time_unit", "ns")]
        rows.append((family, args, dict(bench, seconds=seconds)))
    return data.get("context", {}), rows


def find(rows, family, **args):
    for row_family, row_args, row in rows:
        if row_family == family and all(row_args.get(k) == v for k, v in args.items()):
            return row
    return None


def crossover(points):
    """Smallest size from which the device is faster at that size and every larger one;
    None when it never is or a size lacks either figure."""
    points = sorted(points, key=lambda p: p["size"])
    if not points or any(p["cpu_seconds"] is None or p["device_seconds"] is None for p in points):
        return None
    answer = None
    for point in reversed(points):
        if point["device_seconds"] < point["cpu_seconds"]:
            answer = point["size"]
        else:
            break
    return answer


def crossover_point(points, size, **fields):
    """The point of `size` in `points` (a dict by size), added with `fields` and no times."""
    return points.setdefault(size, {"size": size, **fields, "cpu_seconds": None,
                                    "device_seconds": None})


def summarize(population_rows, nuts_rows):
    out = {}
    cpu = find(population_rows, "BM_HyperLikelihoodCpu", objects=1000, samples=4000, thetas=64)
    cuda = find(population_rows, "BM_HyperLikelihoodCuda", objects=1000, samples=4000, thetas=64)
    overhead = find(population_rows, "BM_HyperLikelihoodCudaCallOverhead")
    out["hyper_likelihood"] = {
        "size": "1000 objects x 4000 samples x 64 thetas",
        "cpu_terms_per_second": None if cpu is None else cpu.get("terms_per_second"),
        "device_terms_per_second": None if cuda is None else cuda.get("terms_per_second"),
        "device_aim_terms_per_second": 1e11,
        "device_call_overhead_us": None if overhead is None else overhead["seconds"] * 1e6,
        "device_call_overhead_aim_us": 50.0,
        "device_other_sizes": [
            {"objects": a["objects"], "samples": a["samples"], "thetas": a["thetas"],
             "seconds": r["seconds"], "terms_per_second": r.get("terms_per_second")}
            for f, a, r in population_rows if f == "BM_HyperLikelihoodCuda"],
    }
    sweep = {}
    for family, args, row in population_rows:
        if family != "BM_HyperLikelihoodCrossover":
            continue
        point = crossover_point(sweep, args["objects"] * args["samples"] * args["thetas"],
                                objects=args["objects"], samples=args["samples"],
                                thetas=args["thetas"])
        point["cpu_seconds" if args["backend"] == 0 else "device_seconds"] = row["seconds"]
    points = sorted(sweep.values(), key=lambda p: p["size"])
    out["hyper_likelihood_crossover"] = {
        "unit": "terms per call",
        "points": points,
        "measured_crossover_terms": crossover(points),
        "default_device_min_terms": DEFAULT_DEVICE_MIN_TERMS,
    }
    gradient_key = {"BM_PartialPoolingGradientCpu": "cpu_seconds",
                    "BM_PartialPoolingGradientCuda": "device_seconds"}
    by_objects = {}
    for family, args, row in nuts_rows:
        if family in gradient_key and args.get("batch") == 1:
            crossover_point(by_objects, args["objects"])[gradient_key[family]] = row["seconds"]
    points = sorted(by_objects.values(), key=lambda p: p["size"])
    out["partial_pooling_gradient_crossover"] = {
        "unit": "objects per call (batch 1, as NUTS calls)",
        "points": points,
        "measured_crossover_objects": crossover(points),
        "default_device_min_objects": DEFAULT_DEVICE_MIN_OBJECTS,
        "batches_at_1000_objects": [
            {"batch": a["batch"], "backend": "cpu" if f.endswith("Cpu") else "cuda",
             "threads": a.get("threads"), "seconds": r["seconds"]}
            for f, a, r in nuts_rows
            if f.startswith("BM_PartialPoolingGradient") and a.get("objects") == 1000],
    }
    nuts_cpu = find(nuts_rows, "BM_NutsPartialPooling", objects=1000, warmup=1000)
    nuts_cuda = find(nuts_rows, "BM_NutsPartialPoolingCuda", objects=1000, warmup=1000)
    out["nuts_1000_objects"] = {
        "what": "4 chains x (1000 + 1000), ESS (bulk) of theta_sigma per second of sampler time",
        "cpu_ess_per_second": None if nuts_cpu is None else nuts_cpu.get("ess_per_second"),
        "device_gradient_ess_per_second":
            None if nuts_cuda is None else nuts_cuda.get("ess_per_second"),
    }
    return out


def fmt(value, scale=1.0, digits=3):
    return "n/a" if value is None else f"{value * scale:.{digits}g}"


def print_table(summary, file):
    h = summary["hyper_likelihood"]
    print(f"hyper-likelihood 1000x4000x64: cpu {fmt(h['cpu_terms_per_second'])} terms/s, "
          f"device {fmt(h['device_terms_per_second'])} terms/s (aim 1e11); device call "
          f"overhead {fmt(h['device_call_overhead_us'])} us (aim < 50)", file=file)
    for name, key in (("hyper-likelihood", "hyper_likelihood_crossover"),
                      ("partial-pooling gradient", "partial_pooling_gradient_crossover")):
        block = summary[key]
        print(f"{name} crossover ({block['unit']}):", file=file)
        print(f"  {'size':>10} {'cpu us':>12} {'device us':>12}", file=file)
        for p in block["points"]:
            print(f"  {p['size']:>10} {fmt(p['cpu_seconds'], 1e6):>12} "
                  f"{fmt(p['device_seconds'], 1e6):>12}", file=file)
        measured = block.get("measured_crossover_terms", block.get("measured_crossover_objects"))
        default = block.get("default_device_min_terms", block.get("default_device_min_objects"))
        print(f"  measured crossover: {measured if measured is not None else 'not measured'}; "
              f"default threshold now: {default}", file=file)
    n = summary["nuts_1000_objects"]
    print(f"NUTS 1000 objects, ESS/s of theta_sigma: cpu {fmt(n['cpu_ess_per_second'])}, "
          f"device gradient {fmt(n['device_gradient_ess_per_second'])}", file=file)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("population_json")
    parser.add_argument("nuts_json")
    parser.add_argument("--device", default="unknown")
    parser.add_argument("--commit", default="unknown")
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    context, population_rows = load_rows(args.population_json)
    _, nuts_rows = load_rows(args.nuts_json)
    summary = summarize(population_rows, nuts_rows)
    print_table(summary, sys.stdout)
    document = {
        "what": "population inference on the GPU vs the CPU in one run "
                "(bench/peers/population_gpu.sh)",
        "device": args.device,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "git_commit": args.commit,
        "host": {"num_cpus": context.get("num_cpus"), "mhz_per_cpu": context.get("mhz_per_cpu"),
                 "load_avg": context.get("load_avg")},
        **summary,
    }
    write(document, args.output)
    print(f"written: {args.output}")


if __name__ == "__main__":
    main()
