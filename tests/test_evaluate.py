"""routerkit.evaluate and the shared decision rule (routerkit.decision)."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import routerkit as rk
from routerkit.decision import RTOL, aggregate, decide, lam_grid

MODELS = ["small", "medium", "large"]


def make_data(n=40, m=3, seed=0, binary=True):
    rng = np.random.default_rng(seed)
    scores = (rng.random((n, m)) < np.linspace(0.4, 0.9, m)).astype(float) if binary else rng.random((n, m))
    costs = np.linspace(1e-4, 5e-3, m)[None, :] * rng.uniform(0.5, 1.5, (n, m))
    models = MODELS if m == 3 else [f"m{j}" for j in range(m)]
    return rk.RoutingData(scores, costs, models)


class ScoreRouter:
    """A tiny score-based router: per-model mean training score plus a fixed per-query wobble, and the
    model's mean training cost as the cost estimate. Follows the protocol; route is the shared rule."""

    def __init__(self, wobble=0.05, seed=0):
        self.wobble, self.seed = wobble, seed

    def fit(self, train):
        self.models_ = list(train.models)
        self.mean_score_ = train.scores.mean(axis=0)
        self.mean_cost_ = train.costs.mean(axis=0)
        order = np.lexsort((np.arange(len(self.models_)), self.mean_cost_, -self.mean_score_))
        self.top_model_ = self.models_[order[0]]
        return self

    def predict(self, data):
        rng = np.random.default_rng(self.seed)
        return self.mean_score_[None, :] + self.wobble * rng.standard_normal((len(data), len(self.models_)))

    def cost_estimate(self, data):
        return np.broadcast_to(self.mean_cost_, (len(data), len(self.models_))).copy()

    def route(self, data, lam):
        self.calls = getattr(self, "calls", 0) + 1
        return decide(self.predict(data), self.cost_estimate(data), lam)


class RouteOnly:
    """A router with only route(): sends queries to the top model while lam < 1, then to model 0."""

    name = "route-only"

    def route(self, data, lam):
        return np.full(len(data), len(data.models) - 1 if lam < 1 else 0)


# ---------------------------------------------------------------------------------------------------------
# the decision rule
# ---------------------------------------------------------------------------------------------------------
def brute_force(s, c, lam):
    """argmax of the nudged utilities, ties (exact) to the cheaper, then the lower index."""
    u = s - lam * (1 + RTOL) * c
    cand = u == u.max(axis=1, keepdims=True)
    cc = np.where(cand, c, np.inf)
    cand &= cc == cc.min(axis=1, keepdims=True)
    return cand.argmax(axis=1)


def test_decide_by_hand():
    s = np.array([[0.9, 0.8, 0.5],     # q0: best is model 0
                  [0.5, 0.5, 0.5],     # q1: all tie -> the cheapest (model 2, cost 1)
                  [0.7, 0.7, 0.1]])    # q2: models 0 and 1 tie on score -> model 1 (cheaper)
    c = np.array([[3.0, 2.0, 1.0],
                  [3.0, 2.0, 1.0],
                  [3.0, 2.0, 1.0]])
    assert decide(s, c, 0.0).tolist() == [0, 2, 1]
    # q0 at lam: u = .9 - 3 lam, .8 - 2 lam, .5 - lam: model 1 overtakes 0 at lam = .1, model 2 overtakes 1
    # at lam = .3 (and 0 at lam = .2, already beaten). Budgets on the breakpoints go to the cheaper model.
    out = decide(s, c, [0.05, 0.1, 0.2, 0.3, 10.0])
    assert out.shape == (5, 3)
    assert out[:, 0].tolist() == [0, 1, 1, 2, 2]
    assert out[:, 1].tolist() == [2] * 5
    assert out[:, 2].tolist() == [1, 1, 1, 1, 2]    # q2: model 1 -> 2 at (.7 - .1) / (2 - 1) = .6
    assert decide(s[2:], c[2:], [0.59, 0.6]).tolist() == [[1], [2]]


def test_decide_ties_are_robust_to_rounding():
    # mathematically tied at lam = 1/3: .1 - (1/3) .3 = 0 = 0 - (1/3) 0, but in floating point the dearer
    # model's utility is 1.4e-17 higher and a plain argmax picks it
    s, c = np.array([[0.1, 0.0]]), np.array([[0.3, 0.0]])
    lam = 0.1 / 0.3
    assert np.argmax(s - lam * c, axis=1).tolist() == [0]
    assert decide(s, c, lam).tolist() == [1]
    assert decide(s, c, lam * (1 - 1e-6)).tolist() == [0]            # just below the tie: the better model
    # equal score and equal cost: the lower index, at every budget
    assert decide(np.array([[0.4, 0.7, 0.7]]), np.array([[1.0, 2.0, 2.0]]), [0.0, 0.1]).tolist() == [[1], [1]]


def test_decide_shapes_and_order():
    s, c = np.random.default_rng(0).random((2, 50, 4))
    lams = np.array([3.0, 0.0, 1.0, 3.0, 0.5])                       # unsorted, with a duplicate
    out = decide(s, c, lams)
    assert out.shape == (5, 50) and out.dtype == np.intp
    for k, lam in enumerate(lams):
        assert (out[k] == decide(s, c, lam)).all()
        assert decide(s, c, lam).shape == (50,)
    assert (out[0] == out[3]).all()


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 100_000), st.integers(1, 25), st.integers(2, 7), st.sampled_from(["grid", "uniform", "binary"]))
def test_decide_equals_per_budget_argmax(seed, n, m, kind):
    rng = np.random.default_rng(seed)
    if kind == "grid":          # many exact ties in score and in cost
        s, c = rng.integers(0, 3, (n, m)) / 2, rng.integers(1, 4, (n, m)) / 10
    elif kind == "uniform":
        s, c = rng.random((n, m)), rng.random((n, m))
    else:
        s, c = rng.integers(0, 2, (n, m)).astype(float), rng.uniform(1e-5, 1e-2, (n, m))
    lams = np.concatenate([[0.0], rng.exponential(5.0, 5), lam_grid(s, c, 12)])
    out = decide(s, c, lams)
    for k, lam in enumerate(lams):
        assert (out[k] == brute_force(s, c, lam)).all()


def test_lam_grid_spans_best_to_cheapest():
    rng = np.random.default_rng(1)
    s, c = rng.random((200, 5)), rng.uniform(1e-4, 1e-2, (200, 5))
    grid = lam_grid(s, c, 50)
    assert grid.size == 50 and grid[0] == 0.0 and np.all(np.diff(grid) > 0)
    out = decide(s, c, grid)
    assert (out[0] == s.argmax(axis=1)).all()                         # lam 0: best expected score
    assert (out[-1] == c.argmin(axis=1)).all()                        # lam max: every query to its cheapest
    assert (out[-2] != out[-1]).any()                                 # ... and not before the last budget
    assert (out[1] != out[0]).any()                                   # the first positive budget changes one
    ratios = grid[2:] / grid[1:-1]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-9)          # geometric


def test_lam_grid_degenerate_cases():
    # the cheapest model is also the best everywhere: nothing to sweep
    assert lam_grid(np.array([[1.0, 0.5]]), np.array([[1.0, 2.0]])).tolist() == [0.0]
    # one breakpoint: (1 - 0) / (2 - 1) = 1
    assert lam_grid(np.array([[0.0, 1.0]]), np.array([[1.0, 2.0]])).tolist() == [0.0, 1.0]
    # near-ties would stretch the grid: the bottom is floored at lam_hi / max_ratio
    s = np.array([[0.0, 1.0], [0.5, 0.5 + 1e-15]])
    c = np.array([[1.0, 2.0], [1.0, 2.0]])
    assert lam_grid(s, c, 5, max_ratio=1e3)[1] == pytest.approx(1e-3)


def test_decide_bad_input():
    s, c = np.zeros((3, 2)), np.ones((3, 2))
    with pytest.raises(ValueError, match="lams has 1 NaN entries, first at position 1"):
        decide(s, c, [0.0, np.nan])
    with pytest.raises(ValueError, match=r"lams must be non-negative .* got -0.5 at position 0"):
        decide(s, c, -0.5)
    with pytest.raises(ValueError, match="lams must be finite"):
        decide(s, c, np.inf)
    with pytest.raises(ValueError, match="lams is empty"):
        decide(s, c, [])
    with pytest.raises(ValueError, match=r"c_hat has shape \(3, 3\) but s_hat has shape \(3, 2\)"):
        decide(s, np.ones((3, 3)), 0.0)
    with pytest.raises(ValueError, match="s_hat has 1 NaN or infinite entries, first at query 2, model 1"):
        decide(np.array([[0, 0], [0, 0], [0, np.nan]]), c, 0.0)


def test_aggregate_by_hand():
    scores = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    costs = np.array([[1.0, 3.0], [1.0, 3.0], [2.0, 4.0]])
    q, c, sh = aggregate(np.array([[0, 0, 0], [0, 1, 1]]), scores, costs)
    np.testing.assert_allclose(q, [2 / 3, 1.0])        # (1+0+1)/3; (1+1+1)/3
    np.testing.assert_allclose(c, [4 / 3, 8 / 3])      # (1+1+2)/3; (1+3+4)/3
    np.testing.assert_allclose(sh, [[1, 0], [1 / 3, 2 / 3]])
    with pytest.raises(ValueError, match="choices must be integer model indices"):
        aggregate(np.zeros((1, 3)), scores, costs)
    with pytest.raises(ValueError, match=r"model indices in \[0, 1\]"):
        aggregate(np.array([[0, 2, 0]]), scores, costs)


# ---------------------------------------------------------------------------------------------------------
# evaluate
# ---------------------------------------------------------------------------------------------------------
def test_fast_and_slow_paths_give_identical_frames():
    train, test = make_data(60, seed=1), make_data(80, seed=2)
    router = ScoreRouter().fit(train)
    for lams in (None, [2.0, 0.0, 0.5, 2.0, 40.0]):
        fast = rk.evaluate(router, test, lams=lams)
        router.calls = 0
        slow = rk.evaluate(router, test, lams=lams, fast=False)
        assert router.calls == len(slow)                              # the slow path really routed per budget
        pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert len(fast) == 5 and fast["lam"].tolist() == [2.0, 0.0, 0.5, 2.0, 40.0]


def test_evaluate_frame_contents():
    train, test = make_data(60, seed=1), make_data(80, seed=2)
    router = ScoreRouter().fit(train)
    fr = rk.evaluate(router, test)
    assert fr.columns.tolist() == ["router", "lam", "quality", "cost", "top_model", "top_share",
                                   "share:small", "share:medium", "share:large"]
    assert len(fr) == 50 and (fr["router"] == "ScoreRouter").all()
    np.testing.assert_allclose(fr.filter(like="share:").sum(axis=1), 1.0, rtol=1e-12)
    # each row is the TRUE mean score and cost of the routed calls
    lams = fr["lam"].to_numpy()
    choices = decide(router.predict(test), router.cost_estimate(test), lams)
    rows = np.arange(len(test))
    for k in (0, 17, 49):
        assert fr["quality"].iloc[k] == pytest.approx(test.scores[rows, choices[k]].mean(), rel=1e-15)
        assert fr["cost"].iloc[k] == pytest.approx(test.costs[rows, choices[k]].mean(), rel=1e-15)
    # the default grid: lam 0 = argmax predicted score; the last lam = everything to the cheapest estimate
    assert (choices[0] == router.predict(test).argmax(axis=1)).all()
    assert fr["share:small"].iloc[-1] == 1.0
    assert (fr["top_model"] == router.top_model_).all()
    assert fr["top_share"].equals(fr["share:" + router.top_model_])


def test_top_model_resolution():
    train, test = make_data(60, seed=1), make_data(80, seed=2)
    router = ScoreRouter().fit(train)
    router.top_model_ = "medium"
    assert (rk.evaluate(router, test, lams=0.0, top_model="small")["top_model"] == "medium").all()
    del router.top_model_
    assert rk.evaluate(router, test, lams=0.0, top_model="small")["top_model"].iloc[0] == "small"
    best = test.models[int(np.argmax(test.scores.mean(axis=0)))]
    assert rk.evaluate(router, test, lams=0.0)["top_model"].iloc[0] == best


def test_choice_arrays_lists_and_dicts():
    data = make_data(30, seed=3)
    oracle = rk.metrics.oracle_choice(data).choice
    one = rk.evaluate(oracle, data)
    assert len(one) == 1 and np.isnan(one["lam"].iloc[0]) and one["router"].iloc[0] == "choices"
    assert one["quality"].iloc[0] == pytest.approx(data.scores.max(axis=1).mean())
    router = ScoreRouter().fit(data)
    fr = rk.evaluate({"oracle": oracle, "score": router, "top": RouteOnly()}, data, lams=[0.0, 1.0, 2.0])
    assert fr["router"].tolist() == ["oracle", "score", "score", "score", "top", "top", "top"]
    top = fr[fr["router"] == "top"]
    assert top["share:large"].tolist() == [1.0, 0.0, 0.0]             # RouteOnly: large below lam 1
    listed = rk.evaluate([router, RouteOnly()], data, lams=[0.0])
    assert listed["router"].tolist() == ["ScoreRouter", "route-only"]
    assert rk.evaluate(oracle.tolist(), data)["router"].tolist() == ["choices"]


def test_shared_rule_flag_selects_the_path():
    data = make_data(30, seed=4)
    router = ScoreRouter().fit(data)
    router.shared_rule = False                                        # a router that says it decides otherwise
    router.calls = 0
    rk.evaluate(router, data, lams=[0.0, 1.0])
    assert router.calls == 2
    with pytest.raises(ValueError, match="fast=True needs a router that decides by the shared rule"):
        rk.evaluate(router, data, fast=True)


def test_evaluate_errors():
    train, test = make_data(60, seed=1), make_data(80, seed=2)
    router = ScoreRouter().fit(train)
    other = rk.RoutingData(test.scores, test.costs, ["small", "medium", "huge"])
    with pytest.raises(ValueError, match=r"router 'ScoreRouter' was fitted on models \['small', 'medium', "
                                         r"'large'\] but the data has .*missing from the router: \['huge'\]"):
        rk.evaluate(router, other)
    swapped = rk.RoutingData(test.scores, test.costs, ["large", "medium", "small"])
    with pytest.raises(ValueError, match="same models in a different column order"):
        rk.evaluate(router, swapped)
    with pytest.raises(ValueError, match="lams has 1 NaN"):
        rk.evaluate(router, test, lams=[0.0, np.nan])
    with pytest.raises(ValueError, match="lams must be non-negative"):
        rk.evaluate(router, test, lams=[-1.0])
    with pytest.raises(ValueError, match="top_model 'gpt-5' is not one of the data's models"):
        rk.evaluate(router, test, top_model="gpt-5")
    with pytest.raises(ValueError, match=r"the choice array of router 'choices' must have shape \(80,\)"):
        rk.evaluate(np.zeros(3, dtype=int), test)
    with pytest.raises(ValueError, match="must be integer model indices"):
        rk.evaluate({"x": np.zeros(80)}, test)
    with pytest.raises(ValueError, match=r"must be model indices in \[0, 2\], got values in \[5, 5\]"):
        rk.evaluate({"x": np.full(80, 5)}, test)
    with pytest.raises(ValueError, match=r"several routers share the name\(s\) \['ScoreRouter'\]"):
        rk.evaluate([router, ScoreRouter().fit(train)], test)
    with pytest.raises(TypeError, match="has neither route"):
        rk.evaluate(object(), test)

    class BadRoute(RouteOnly):
        def route(self, data, lam):
            return np.zeros((2, len(data)), dtype=int)
    with pytest.raises(ValueError, match=r"route\(data, lam=0\) of router 'route-only' must have shape \(80,\)"):
        rk.evaluate(BadRoute(), test, lams=[0.0])

    class BadPredict(ScoreRouter):
        def predict(self, data):
            return np.full((len(data), 3), np.nan)
    with pytest.raises(ValueError, match=r"predict\(data\) of router 'BadPredict' has 240 NaN or infinite"):
        rk.evaluate(BadPredict().fit(train), test)
    with pytest.raises(ValueError, match="no routers to evaluate"):
        rk.evaluate({}, test)
