#!/usr/bin/env python3
"""Runs the bad-input corpus (manifest.json) against the ismc program: one CTest.

Each case runs in a fresh folder holding copies of examples/ and of the files it lists
from files/. A case gives: args; optional env (ISMC_TEST_FAULT, the one test hook); an
optional shell `setup` run in the folder first (the program is $ISMC there) (exit 77 there: the machine cannot set the
case up, e.g. no mount; reported as skipped) and `teardown`; the expected exit code; a
fragment of stderr (and of stdout); `unchanged`: the folder (names and contents, links as
links) must be exactly as before the run, i.e. nothing written and nothing left behind;
`absent`: glob patterns that must match nothing afterwards; `check`: a shell command that
must succeed afterwards; `signal_after`: seconds after which SIGINT is sent (Ctrl-C); `wrap`: a command
prefix (another user, a process limit) the program runs under.
"""
import argparse
import glob
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile


def snapshot(folder):
    state = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(root, name)
            rel = os.path.relpath(path, folder)
            if os.path.islink(path):
                state[rel] = "link:" + os.readlink(path)
            elif os.path.isdir(path):
                state[rel] = "dir"
            elif os.path.isfile(path):
                with open(path, "rb") as f:
                    state[rel] = hashlib.sha256(f.read()).hexdigest()
            else:
                state[rel] = "special"
    return state


def run_case(case, ismc, examples, files, scratch):
    folder = tempfile.mkdtemp(prefix=case["name"] + ".", dir=scratch)
    for name in os.listdir(examples):
        source = os.path.join(examples, name)
        if os.path.isfile(source):
            shutil.copy(source, folder)
    for name in case.get("files", []):
        shutil.copy(os.path.join(files, name), folder)
    # setup, teardown and check see the program as $ISMC (a study directory to set up).
    shell_env = dict(os.environ, ISMC=ismc)
    shell_env.pop("ISMC_TEST_FAULT", None)
    shell = lambda command: subprocess.run(["bash", "-c", command], cwd=folder,
                                           capture_output=True, text=True, env=shell_env)
    try:
        if "setup" in case:
            done = shell(case["setup"])
            if done.returncode == 77:
                return "skip", "setup not possible here: " + done.stderr.strip()
            if done.returncode != 0:
                return "fail", "setup failed: " + done.stderr
        before = snapshot(folder)
        env = dict(os.environ)
        env.pop("ISMC_TEST_FAULT", None)
        env.update(case.get("env", {}))
        if "wrap" in case:  # run under another user or limit: the folder must be theirs too
            os.chmod(scratch, 0o755)
            os.chmod(folder, 0o777)
            for name in os.listdir(folder):
                path = os.path.join(folder, name)
                if os.path.isfile(path) and not os.path.islink(path):
                    os.chmod(path, 0o666)
            if shutil.which(case["wrap"][0]) is None:
                return "skip", case["wrap"][0] + " is not installed"
        process = subprocess.Popen(case.get("wrap", []) + [ismc] + case["args"], cwd=folder, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if "signal_after" in case:  # Ctrl-C once the run is under way
            try:
                process.wait(timeout=case["signal_after"])
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=case.get("timeout", 120))
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
        result = subprocess.CompletedProcess(process.args, process.returncode, out, err)
        problems = []
        if result.returncode != case["exit"]:
            problems.append("exit %d, expected %d" % (result.returncode, case["exit"]))
        for key, stream in (("stderr", result.stderr), ("stdout", result.stdout)):
            if key in case and case[key] not in stream:
                problems.append("%s lacks %r" % (key, case[key]))
        if case.get("unchanged"):
            after = snapshot(folder)
            if after != before:
                added = sorted(set(after) - set(before))
                changed = sorted(k for k in before if after.get(k) != before[k])
                problems.append("folder changed: added %s, changed or removed %s" %
                                (added, changed))
        for pattern in case.get("absent", []):
            found = glob.glob(os.path.join(folder, pattern))
            if found:
                problems.append("left behind: %s" % [os.path.basename(p) for p in found])
        if "check" in case:
            checked = shell(case["check"])
            if checked.returncode != 0:
                problems.append("check failed: %s %s" % (case["check"], checked.stderr.strip()))
        if problems:
            return "fail", "; ".join(problems) + "\n  stderr: " + result.stderr.strip()[-600:]
        return "ok", ""
    finally:
        if "teardown" in case:
            shell(case["teardown"])
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ismc", required=True)
    parser.add_argument("--examples", required=True)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "manifest.json")) as f:
        cases = json.load(f)["cases"]
    classes = {c["class"] for c in cases}
    missing = set(range(1, 15)) - classes
    failures = 0
    scratch = tempfile.mkdtemp(prefix="ismc_bad_inputs.")
    try:
        for case in cases:
            if args.only and args.only not in case["name"]:
                continue
            status, detail = run_case(case, os.path.abspath(args.ismc), args.examples,
                                      os.path.join(here, "files"), scratch)
            print("%-4s class %2d  %s %s" % (status, case["class"], case["name"],
                                            ("\n  " + detail) if detail else ""))
            failures += status == "fail"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if missing and not args.only:
        print("no case for classes %s" % sorted(missing))
        failures += 1
    print("%d cases, %d failed" % (len(cases), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
