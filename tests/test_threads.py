"""Thread limits and start-up: routerkit's calls run one thread per native pool unless told otherwise, the
limit is lifted when they return, and `import routerkit` loads no heavy library."""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from threadpoolctl import threadpool_info, threadpool_limits

import routerkit as rk
from routerkit.cli import main
from routerkit.routers.base import Router


class _Probe(Router):
    """Records the thread counts it sees while fitting and predicting."""

    name = "probe"

    def _fit(self, train, X):
        self.seen_fit_ = _pools()

    def _predict(self, data, X):
        self.seen_predict_ = _pools()
        return np.zeros((len(data), self.n_models_))


def _pools():
    return {"torch": torch.get_num_threads(), **{p["filepath"]: p["num_threads"] for p in threadpool_info()}}


@pytest.fixture
def wide():
    """The caller's own pools at two threads, as a user's session may have them."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    with threadpool_limits(limits=2):
        yield
    torch.set_num_threads(before)
    rk.set_threads(None)


def test_calls_run_one_thread_per_pool_by_default_and_restore_the_callers(wide, monkeypatch):
    monkeypatch.delenv("ROUTERKIT_THREADS", raising=False)
    data = rk.simulate(n_queries=200, seed=0)
    outside = _pools()
    probe = _Probe().fit(data)
    probe.route(data, 0.0)
    assert set(probe.seen_fit_.values()) == {1} and set(probe.seen_predict_.values()) == {1}
    rk.evaluate(probe, data)
    assert _pools() == outside and torch.get_num_threads() == 2


def test_set_threads_widens_every_pool_and_none_restores_the_default(wide, monkeypatch):
    monkeypatch.delenv("ROUTERKIT_THREADS", raising=False)
    data = rk.simulate(n_queries=200, seed=0)
    rk.set_threads(2)
    assert rk.get_threads() == 2
    assert set(_Probe().fit(data).seen_fit_.values()) == {2}
    rk.set_threads(None)
    assert rk.get_threads() == 1
    assert set(_Probe().fit(data).seen_fit_.values()) == {1}


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-2, ValueError), (1.5, TypeError), ("2", TypeError),
                                        (True, TypeError)])
def test_set_threads_rejects_what_is_not_a_thread_count(bad, error):
    with pytest.raises(error, match="threads"):
        rk.set_threads(bad)


def _run(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, **env})


def test_the_environment_variable_sets_the_default():
    proc = _run("import routerkit as rk; print(rk.get_threads())", ROUTERKIT_THREADS="3")
    assert proc.stdout.strip() == "3"
    proc = _run("import routerkit as rk; rk.get_threads()", ROUTERKIT_THREADS="many")
    assert "ROUTERKIT_THREADS must be a whole number of threads >= 1, got 'many'" in proc.stderr


def test_cli_threads_flag(capsys):
    try:
        assert main(["--threads", "2", "data", "info", "routerworld"]) == 0
        assert rk.get_threads() == 2
        assert main(["data", "info", "routerworld", "--threads", "1"]) == 0
        assert rk.get_threads() == 1
    finally:
        rk.set_threads(None)
    capsys.readouterr()
    assert main(["--threads", "0", "data", "info", "routerworld"]) == 2
    assert "--threads: must be a whole number >= 1, got '0'" in capsys.readouterr().err


def test_import_routerkit_loads_no_heavy_library():
    proc = _run("import sys, routerkit; print(sorted(m for m in ('torch', 'altair', 'sklearn', 'ipywidgets') "
                "if m in sys.modules))")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
    # and they arrive on first use
    proc = _run("import sys, routerkit as rk; rk.routers.make('knn'); rk.plots; print('torch' in sys.modules, "
                "'altair' in sys.modules)")
    assert proc.stdout.strip() == "True True", proc.stderr
