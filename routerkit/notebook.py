"""One call at the top of every notebook: `rk.setup_notebook()`."""
from __future__ import annotations

import random

import numpy as np

from routerkit.threads import set_threads

__all__ = ["setup_notebook"]

# Charts embed their data; past this many rows a chart should aggregate first.
MAX_CHART_ROWS = 5_000


def setup_notebook(seed: int = 0, threads: int = 1) -> np.random.Generator:
    """Make a notebook reproducible and quick to read.

    - seeds Python's, numpy's global and torch's generators with ``seed``;
    - runs torch, and the BLAS and OpenMP pools behind numpy and scikit-learn, on ``threads`` threads
      (default 1; also routerkit's own setting, :func:`routerkit.set_threads`) with torch's deterministic algorithms, so trained routers give the same numbers on every
      run. The series' models are small: on one thread they fit in seconds, while several threads on a busy
      2-core machine can fight for the cores and run tens of times slower;
    - sets pandas display options (4 decimals, wide frames);
    - makes altair draw offline with the ``mimetype`` renderer (JupyterLab draws it without a network, and
      nbval compares it as plain data) and refuses charts above ``MAX_CHART_ROWS`` inline rows.

    Returns a numpy ``Generator`` seeded with ``seed`` for the notebook's own draws.
    """
    import altair as alt
    import pandas as pd
    import torch
    from threadpoolctl import threadpool_limits

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    set_threads(threads)
    torch.set_num_threads(threads)
    threadpool_limits(limits=threads)
    torch.use_deterministic_algorithms(True)

    pd.set_option("display.precision", 4)
    pd.set_option("display.width", 120)
    pd.set_option("display.max_columns", 30)

    alt.renderers.enable("mimetype")
    alt.data_transformers.enable("default", max_rows=MAX_CHART_ROWS)
    return np.random.default_rng(seed)
