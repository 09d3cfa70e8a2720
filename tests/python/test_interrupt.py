"""Ctrl-C during a long call raises KeyboardInterrupt promptly and leaves the process
usable; the progress callback reports; population runs end to end."""

import os
import signal
import threading
import time

import pytest

import ismc

LONG = """
[model]
dim = 1
[test]
kind = "one_sided"
critical = 1.96
[grid]
lower = [-2.0]
upper = [2.0]
points = [11]
[plain]
sims = 2000000000
"""

SHORT = LONG.replace("2000000000", "1000")


def send_sigint_after(seconds):
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    return timer


@pytest.mark.parametrize("call", ["rates", "sample"])
def test_ctrl_c_interrupts_promptly_and_the_next_call_works(call):
    run = {
        "rates": lambda: ismc.rates(LONG, progress=False),
        "sample": lambda: ismc.sample("eight_schools_centered",
                                      os.path.join(os.path.dirname(__file__), "..", "..",
                                                   "examples", "eight_schools.json"),
                                      chains=2, warmup=10**7, draws=10, progress=False),
    }[call]
    timer = send_sigint_after(0.2)
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run()
    elapsed = time.monotonic() - start
    timer.cancel()
    assert elapsed < 1.2, elapsed  # 0.2 s before the signal, then within 1 s
    frame = ismc.rates(SHORT, progress=False)
    assert len(frame) == 11


def test_progress_reports_reach_the_callback(monkeypatch):
    calls = []

    class Recorder:
        def __init__(self, always):
            pass

        def __call__(self, stage, done, total):
            calls.append((stage, done, total))

        def close(self):
            calls.append("closed")

    monkeypatch.setattr(ismc._api, "progress_bar", lambda progress: Recorder(progress))
    ismc.rates(SHORT.replace("1000", "3000000"), progress=True)
    assert calls[-1] == "closed"
    stage, done, total = calls[-2]
    assert stage == "plain" and total == 11 * 3000000 and done == total


def test_an_error_in_the_progress_callback_stops_the_run(monkeypatch):
    def failing(stage, done, total):
        raise ZeroDivisionError("from the callback")

    failing.close = lambda: None
    monkeypatch.setattr(ismc._api, "progress_bar", lambda progress: failing)
    with pytest.raises(ZeroDivisionError):
        ismc.rates(LONG, progress=True)
