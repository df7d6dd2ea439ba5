"""Progress of a run made of stages (load, encode, fit, route, sweep) on stderr.

On a terminal a bar advances by stage and names the current one; elsewhere (a log file, a pipe, CI) each stage
prints one line when it starts, with the seconds since the run began, so a long run is never silent.
"""
from __future__ import annotations

import contextlib
import sys
import time
from typing import IO

__all__ = ["Stages"]


class Stages:
    """Announce ``total`` stages on ``stream`` (default stderr); ``mode`` is ``"auto"`` (a bar on a terminal,
    lines otherwise), ``"bar"``, ``"lines"`` or ``"off"``."""

    def __init__(self, total: int, stream: IO[str] | None = None, mode: str = "auto"):
        if mode not in ("auto", "bar", "lines", "off"):
            raise ValueError(f"mode must be 'auto', 'bar', 'lines' or 'off', got {mode!r}")
        self.stream = sys.stderr if stream is None else stream
        if mode == "auto":
            mode = "bar" if getattr(self.stream, "isatty", lambda: False)() else "lines"
        self.mode = mode
        self.total = int(total)
        self.done = 0
        self._start = time.perf_counter()
        self._bar = None
        if mode == "bar":
            from tqdm.auto import tqdm
            self._bar = tqdm(total=self.total, file=self.stream, unit="stage", leave=False, mininterval=0,
                             bar_format="{desc} {bar} {n_fmt}/{total_fmt} stages [{elapsed}]")

    def expect(self, n: int) -> None:
        """``n`` more stages from here on (the plan, once the run knows it)."""
        self.total = self.done + int(n)
        if self._bar is not None:
            self._bar.total = self.total
            self._bar.refresh()

    @contextlib.contextmanager
    def stage(self, label: str):
        """A block that is one stage; yields nothing, times nothing (callers time what they report)."""
        if self.mode == "lines":   # the time since the start, since the number of stages may still grow
            print(f"routerkit: [{time.perf_counter() - self._start:6.1f} s] {label}", file=self.stream, flush=True)
        elif self._bar is not None:
            self._bar.set_description_str(label)
        try:
            yield
        finally:
            self.done += 1
            if self._bar is not None:
                self._bar.update(1)

    def close(self) -> None:
        """End the display after the last stage (a run that fails leaves it to the error message)."""
        if self._bar is not None:
            self._bar.close()
        if self.mode == "lines":
            print(f"routerkit: done in {time.perf_counter() - self._start:.1f} s", file=self.stream, flush=True)
