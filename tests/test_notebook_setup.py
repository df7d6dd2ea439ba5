"""rk.setup_notebook: one call makes a notebook reproducible, single-threaded and able to draw offline."""
import altair as alt
import numpy as np
import pandas as pd
import pytest
import torch
from threadpoolctl import threadpool_info

import routerkit as rk


def test_same_seed_same_draws_everywhere():
    rng = rk.setup_notebook(seed=3)
    first = (rng.random(3), np.random.random(3), torch.rand(3))
    rng = rk.setup_notebook(seed=3)
    again = (rng.random(3), np.random.random(3), torch.rand(3))
    for a, b in zip(first, again):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_threads_renderer_and_row_limit():
    rk.setup_notebook(threads=1)
    assert torch.get_num_threads() == 1 and torch.are_deterministic_algorithms_enabled()
    assert all(pool["num_threads"] == 1 for pool in threadpool_info())
    assert alt.renderers.active == "mimetype"
    with pytest.raises(Exception, match="5000"):
        alt.Chart(pd.DataFrame({"x": range(5001)})).mark_point().encode(x="x").to_dict()
    with pytest.raises(ValueError, match="threads must be at least 1"):
        rk.setup_notebook(threads=0)
