"""How many threads routerkit's numeric work uses: ``rk.set_threads(n)``.

torch, scikit-learn and the BLAS behind numpy each keep a native thread pool (OpenMP or OpenBLAS threads) that
by default is as wide as the machine. On a few cores they fight: threads that wait at a barrier spin on a core
another pool needs, and a thread the OS has paused stalls all the others. On a 2-core machine
(bench/bench_threads.py, figures in bench/RESULTS.md) `routerkit evaluate --routers all` ran 1.9 times slower
with every pool at two threads than at one on an idle machine, and 3.6 times slower on a busy one. So by
default every pool routerkit drives runs on **one thread**: each fit, prediction and budget sweep is then as
fast as it can be on a busy machine and no slower on an idle one. routerkit's own block-parallel search (the kNN router's neighbour search) hands out
independent blocks of queries to one worker thread per core, each running torch single-threaded: there is no
barrier to wait at, so an idle core helps and a busy one cannot stall the rest.

``set_threads(n)`` makes every pool and the block workers use ``n`` threads; ``set_threads(None)`` restores
the default. The environment variable ``ROUTERKIT_THREADS`` sets the same at start-up. The limit holds inside
routerkit's calls (fit, predict, route, evaluate, encoders) and is lifted when they return, so your own numpy
or torch code keeps its own settings. ``rk.setup_notebook(threads=...)`` sets it for a whole notebook.
"""
from __future__ import annotations

import contextlib
import numbers
import os
import sys
import threading

__all__ = ["set_threads", "get_threads", "worker_threads", "available_cores", "limited"]

ENV = "ROUTERKIT_THREADS"
_setting: int | None = None
_local = threading.local()


def _check(n, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{what} must be a whole number of threads, got {n!r}")
    n = int(n)
    if n < 1:
        raise ValueError(f"{what} must be at least 1, got {n}")
    return n


def _from_env() -> int | None:
    text = os.environ.get(ENV, "").strip()
    if not text:
        return None
    try:
        return _check(int(text), f"${ENV}")
    except (TypeError, ValueError):
        raise ValueError(f"${ENV} must be a whole number of threads >= 1, got {text!r}") from None


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity, which containers and ``taskset`` narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def set_threads(n: int | None) -> None:
    """Use ``n`` threads in every native pool (torch, OpenMP, BLAS) and in routerkit's block workers.

    ``None`` restores the default: one thread per native pool, one block worker per core (see the module
    docstring for why). Raises ``ValueError`` for ``n < 1``.
    """
    global _setting
    _setting = None if n is None else _check(n, "threads")


def get_threads() -> int:
    """Threads per native pool inside routerkit's calls: ``set_threads``, else ``$ROUTERKIT_THREADS``, else 1."""
    if _setting is not None:
        return _setting
    return _from_env() or 1


def worker_threads() -> int:
    """Worker threads for routerkit's own block-parallel loops: the setting if one was made, else every core."""
    if _setting is not None:
        return _setting
    return _from_env() or available_cores()


@contextlib.contextmanager
def limited():
    """Run a block with every loaded native pool at :func:`get_threads` threads, restoring them after.

    Re-entrant: nested calls (``route`` calling ``predict``) pay for the limit once.
    """
    if getattr(_local, "depth", 0):
        _local.depth += 1
        try:
            yield
        finally:
            _local.depth -= 1
        return
    from threadpoolctl import threadpool_limits

    n = get_threads()
    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch is not None else None
    _local.depth = 1
    try:
        with threadpool_limits(limits=n):
            if torch is not None and before != n:
                torch.set_num_threads(n)
            yield
    finally:
        _local.depth = 0
        if torch is not None and before != n:
            torch.set_num_threads(before)
