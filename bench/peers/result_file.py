"""What the result files of the bench/peers scripts share: Google Benchmark's time units, the
provenance that common.sh's with_provenance puts in the environment, and the write.
Standard library only."""
import json
import os

# Seconds per unit of Google Benchmark's "time_unit".
UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def provenance():
    """The machine with its load average before and after the runs, the date, the commit and
    whether the tree had uncommitted changes: the fields that open a CPU result file."""
    return {
        "machine": {"nproc": int(os.environ["NPROC"]), "cpu_model": os.environ["CPU_MODEL"],
                    "load_average_before": os.environ["LOAD_BEFORE"],
                    "load_average_after": os.environ["LOAD_AFTER"]},
        "date": os.environ["DATE"],
        "git_commit": os.environ["COMMIT"],
        "git_tree_dirty": os.environ["DIRTY"].strip() != "0",
    }


def write(document, output):
    """`document` as indented JSON at `output`, through a temporary file beside it, so that a
    failed run leaves the previous file whole."""
    temporary = output + ".tmp"
    with open(temporary, "w") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")
    os.replace(temporary, output)
