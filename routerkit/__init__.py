"""routerkit: learn and analyse LLM routing.

Choosing, per query, which LLM answers it trades answer quality against money. routerkit holds the data
structure (`RoutingData`), a generative benchmark with known ground truth (RouterWorld), loaders for real
routing data (RouterBench, your own results), and the measuring instruments behind the notebook series.
"""
from routerkit.data import RoutingData, leave_task_out, predefined_split, subsample, train_test_split
from routerkit import encoders, routers  # noqa: E402  (routers and text encoders)
from routerkit import metrics, plots
from routerkit.evaluate import evaluate
from routerkit.loaders import fetch_routerbench, load_dataset, load_long, load_routerbench
from routerkit.notebook import setup_notebook
from routerkit.world import simulate

__version__ = "0.1.0"

__all__ = [
    "metrics",
    "plots",
    "widgets",
    "evaluate",
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
    "routers",
    "encoders",
    "simulate",
]


def __getattr__(name: str):
    # ipywidgets comes with the notebooks extra, so rk.widgets is imported on first use, not with routerkit
    if name == "widgets":
        import importlib
        return importlib.import_module("routerkit.widgets")
    raise AttributeError(f"module 'routerkit' has no attribute {name!r}")
