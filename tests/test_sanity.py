"""Sanity flags of a dataset: constant answerers, copied cost columns, models tied with the best, unsolved
queries and ties, checked on data built so that each answer is known."""
import numpy as np
import pandas as pd

import routerkit as rk
from routerkit.cli import main
from routerkit.sanity import model_summary, sanity_flags, tied_with_best


def _data(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    strong = (rng.random(n) < 0.8).astype(float)
    twin = strong.copy()                                                 # a near copy: as many wins as losses
    twin[rng.choice(np.flatnonzero(strong == 1), 10, replace=False)] = 0.0
    twin[rng.choice(np.flatnonzero(strong == 0), 10, replace=False)] = 1.0
    weak = (rng.random(n) < 0.4).astype(float)
    constant = np.ones(n)
    constant[:5] = 0.0                                                   # 99.75% the same score
    scores = np.column_stack([strong, twin, weak, constant])
    price = np.array([5.0, 4.0, 1.0, 1.0]) * 1e-3
    costs = np.tile(price, (n, 1)) * rng.uniform(0.5, 1.5, size=(n, 1))  # one token count per query
    costs[:, 3] = costs[:, 2]                                            # the same column twice
    return rk.RoutingData(scores=scores, costs=costs, models=["strong", "twin", "weak", "constant"])


def test_flags_name_what_was_built_in():
    data = _data()
    flags = sanity_flags(data, n_boot=300, seed=1)
    assert flags["best_model"] == "constant"           # 0.9975: the constant answerer looks best of all
    assert flags["constant_models"] == ["constant"]
    assert flags["same_cost_columns"] == [["weak", "constant"]]
    assert flags["unsolved_share"] == float((data.scores.max(axis=1) < 0.5).mean())
    assert flags["tie_rate"] == rk.metrics.tie_rate(data)
    assert flags["dropped_queries"] == 0
    summary = model_summary(data)
    assert summary["model"].tolist()[0] == "constant" and summary.loc[0, "modal_share"] == 0.9975


def test_tied_with_best_is_paired_and_seeded():
    data = _data().select_models(["strong", "twin", "weak"])
    tied = tied_with_best(data, n_boot=400, seed=0)
    assert tied["model"].tolist() == ["strong", "weak"]      # equal quality: the cheaper twin counts as best
    assert tied.loc[0, "tied"] and not tied.loc[1, "tied"]   # a near copy is tied; a weak model is not
    assert tied.loc[1, "low"] > 0.3 and tied.loc[0, "low"] <= 0 <= tied.loc[0, "high"]
    pd.testing.assert_frame_equal(tied, tied_with_best(data, n_boot=400, seed=0))


def test_data_info_prints_the_flags(tmp_path, capsys):
    data = _data(n=1000)
    n, m = len(data), data.n_models
    frame = pd.DataFrame({"query_id": np.repeat(np.arange(n), m), "model": data.models * n,
                          "score": data.scores.ravel(), "cost": data.costs.ravel()})
    path = tmp_path / "flags.csv"
    frame.to_csv(path, index=False)
    assert main(["data", "info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "constant gives one score on at least 99% of queries: a constant answerer" in out
    assert "weak, constant cost the same on every query" in out
    assert "tie rate     " in out and "unsolved     " in out
