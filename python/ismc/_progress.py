"""The progress bar of long calls: tqdm where installed, shown once a call has run for
about a second (progress=None), always (progress=True) or never (progress=False)."""

import time


class ProgressBar:
    """The callback progress(stage, done, total) that the extension calls every 50 ms."""

    def __init__(self, always):
        self._always = always
        self._start = time.monotonic()
        self._bar = None
        self._stage = None

    def __call__(self, stage, done, total):
        if self._bar is None and not self._always and time.monotonic() - self._start < 1.0:
            return
        if self._bar is None or stage != self._stage:
            self.close()
            try:
                from tqdm.auto import tqdm
            except ImportError:  # no tqdm: no bar
                return
            self._stage = stage
            self._bar = tqdm(total=total, desc=stage, unit="", leave=False)
        self._bar.n = min(done, total) if total else done
        self._bar.refresh()

    def close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def progress_bar(progress):
    """The callback for a `progress` argument: None (auto), True or False."""
    if progress is False:
        return None
    if progress is None or progress is True:
        return ProgressBar(always=progress is True)
    raise ValueError(f"progress: got {progress!r}, expected None, True or False")
