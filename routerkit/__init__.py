"""routerkit: learn and analyse LLM routing.

Choosing, per query, which LLM answers it trades answer quality against money. routerkit holds the data
structure (`RoutingData`), a generative benchmark with known ground truth (RouterWorld), loaders for real
routing data (RouterBench, your own results), and the measuring instruments behind the notebook series.

torch, scikit-learn and altair load on first use (``rk.routers``, ``rk.encoders``, ``rk.plots``,
``rk.widgets``, ``rk.report``, ``rk.simulate``), so ``import routerkit`` and the command line start fast.
"""
import importlib

from routerkit.data import RoutingData, leave_task_out, predefined_split, subsample, train_test_split
from routerkit import metrics, sanity
from routerkit.benchmarks import plateau_benchmarks
from routerkit.calibrate import Calibration, calibrate
from routerkit.evaluate import evaluate
from routerkit.loaders import fetch_routerbench, load_dataset, load_long, load_routerbench
from routerkit.notebook import setup_notebook
from routerkit.threads import get_threads, set_threads

__version__ = "0.1.0"

# name -> module that holds it; loaded by __getattr__ on first use
_LAZY_MODULES = {"costs": "routerkit.costs", "routers": "routerkit.routers", "encoders": "routerkit.encoders", "plots": "routerkit.plots",
                 "widgets": "routerkit.widgets", "report": "routerkit.report"}
_LAZY_NAMES = {"simulate": "routerkit.world"}

__all__ = [
    "metrics",
    "sanity",
    "costs",
    "plots",
    "widgets",
    "report",
    "evaluate",
    "plateau_benchmarks",
    "calibrate",
    "Calibration",
    "RoutingData",
    "train_test_split",
    "leave_task_out",
    "subsample",
    "predefined_split",
    "load_dataset",
    "load_routerbench",
    "fetch_routerbench",
    "load_long",
    "setup_notebook",
    "set_threads",
    "get_threads",
    "routers",
    "encoders",
    "simulate",
]


def __getattr__(name: str):
    if name in _LAZY_MODULES:
        return importlib.import_module(_LAZY_MODULES[name])
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(_LAZY_NAMES[name]), name)
    raise AttributeError(f"module 'routerkit' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
