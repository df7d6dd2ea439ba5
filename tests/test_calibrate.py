"""rk.calibrate: the budget that meets a cost, quality or share target on validation queries."""
import numpy as np
import pandas as pd
import pytest

import routerkit as rk
from routerkit.calibrate import FINE_GRID
from routerkit.decision import lam_grid
from routerkit.evaluate import SHARE_PREFIX

TOP = "gpt-4-1106-preview"


@pytest.fixture(scope="module")
def parts():
    data = rk.simulate(3000, seed=2)
    train, test = rk.train_test_split(data, test_size=0.3, seed=0)
    fit, val = rk.train_test_split(train, test_size=0.3, seed=1)
    router = rk.routers.make("linear").fit(fit)
    s_hat, c_hat = router.predict(val), router.cost_estimate(val)
    grid = np.union1d(lam_grid(s_hat, c_hat), lam_grid(s_hat, c_hat, n=FINE_GRID))
    return router, val, test, rk.evaluate(router, val, lams=grid)


def test_cost_target_takes_the_best_quality_within_the_spend(parts):
    router, val, _, frame = parts
    target = float(frame["cost"].median())
    cal = rk.calibrate(router, val, target_cost=target)
    within = frame[frame["cost"] <= target]
    assert cal.cost <= target and cal.quality == within["quality"].max()
    assert cal.lam in set(within["lam"]) and cal.n_queries == len(val)
    picked = router.route(val, cal.lam)
    assert cal.quality == pytest.approx(val.scores[np.arange(len(val)), picked].mean())
    assert cal.cost == pytest.approx(val.costs[np.arange(len(val)), picked].mean())


def test_quality_target_takes_the_cheapest_budget_that_reaches_it(parts):
    router, val, _, frame = parts
    target = float(frame["quality"].quantile(0.6))
    cal = rk.calibrate(router, val, target_quality=target)
    reach = frame[frame["quality"] >= target]
    assert cal.quality >= target and cal.cost == reach["cost"].min()


def test_share_caps_alone_and_with_a_cost(parts):
    router, val, _, frame = parts
    cal = rk.calibrate(router, val, max_share={TOP: 0.2})
    assert cal.shares[TOP] <= 0.2
    assert cal.quality == frame.loc[frame[SHARE_PREFIX + TOP] <= 0.2, "quality"].max()
    assert sum(cal.shares.values()) == pytest.approx(1.0)
    both = rk.calibrate(router, val, max_share={TOP: 0.2}, target_cost=cal.cost / 2)
    assert both.cost <= cal.cost / 2 and both.shares[TOP] <= 0.2 and both.quality <= cal.quality


def test_the_default_grid_meets_a_spend_closely(parts):
    """The calibration grid holds evaluate's 50 budgets and more: never worse than them, often better."""
    router, val, _, _ = parts
    coarse = rk.evaluate(router, val)
    gains = []
    for target in np.quantile(coarse["cost"], np.linspace(0.1, 0.9, 15)) * 1.03:
        cal = rk.calibrate(router, val, target_cost=target)
        best_coarse = coarse.loc[coarse["cost"] <= target, "quality"].max()
        assert cal.cost <= target and cal.quality >= best_coarse
        gains.append(cal.quality - best_coarse)
    assert max(gains) > 0, "a finer grid finds a better budget for some target"


def test_a_grid_can_be_given(parts):
    router, val, _, _ = parts
    lams = np.geomspace(1e-2, 1e4, 400)
    cal = rk.calibrate(router, val, target_quality=0.8, lams=lams)
    assert cal.lam in lams


def test_check_measures_the_budget_on_other_queries(parts):
    router, val, test, _ = parts
    cal = rk.calibrate(router, val, target_cost=1e-3, max_share={TOP: 0.3})
    held = cal.check(router, test)
    picked = router.route(test, cal.lam)
    rows = np.arange(len(test))
    assert held["cost"] == pytest.approx(test.costs[rows, picked].mean())
    assert held["quality"] == pytest.approx(test.scores[rows, picked].mean())
    assert held[SHARE_PREFIX + TOP] == pytest.approx((picked == test.models.index(TOP)).mean())
    assert held["met"] == (held["cost"] <= 1e-3 * (1 + 1e-12) and held[SHARE_PREFIX + TOP] <= 0.3 + 1e-12)
    assert held["target_cost"] == 1e-3 and held["n_queries"] == len(test)


def test_check_says_when_a_target_is_missed(parts):
    """The same queries, every answer scored lower: the quality met on them before is missed now."""
    router, val, _, _ = parts
    cal = rk.calibrate(router, val, target_quality=0.8)
    worse = rk.RoutingData(scores=val.scores * 0.9, costs=val.costs, models=list(val.models), tasks=val.tasks,
                           features=val.features)
    held = cal.check(router, worse)
    assert cal.check(router, val)["met"]
    assert held["quality"] == pytest.approx(0.9 * cal.quality) and not held["met"]


def test_under_shift_a_held_out_task():
    data = rk.simulate(3000, seed=2)
    task = str(pd.Series(data.tasks).value_counts().index[0])
    train, shifted = rk.leave_task_out(data, task)
    router = rk.routers.make("linear").fit(train)
    cal = rk.calibrate(router, train, target_cost=1e-3)
    held = cal.check(router, shifted)
    assert held["n_queries"] == len(shifted) and set(held.index) >= {"cost", "quality", "met"}


def test_routers_that_route_by_themselves(parts):
    _, val, _, _ = parts
    mix = rk.routers.make("random").fit(val)
    cal = rk.calibrate(mix, val, max_share={TOP: 0.5})
    assert cal.shares[TOP] <= 0.5


@pytest.mark.parametrize("kwargs, match", [
    (dict(target_cost=1e-9), r"below the cheapest this router routes for on these queries \(\d"),
    (dict(target_quality=0.999), r"above the best quality this router reaches on these queries \(0\.\d+\)"),
    (dict(max_share={TOP: 0.0, "mistralai/mistral-7b-chat": 0.0}), r"below the smallest share"),
    (dict(target_cost=1e-4, target_quality=0.5), "not both"),
    (dict(), "give a target"),
    (dict(target_cost=-1.0), "target_cost must be a finite number"),
    (dict(target_cost="cheap"), "target_cost must be a number"),
    (dict(target_quality=1.5), r"target_quality must be a finite number in \[0, 1\]"),
    (dict(max_share={"gpt4": 0.1}), "did you mean 'gpt-4-1106-preview'|not one of the data's models"),
    (dict(max_share={TOP: 2.0}), r"max_share\['gpt-4-1106-preview'\] must be a finite number in \[0, 1\]"),
    (dict(max_share=[TOP]), "mapping"),
])
def test_bad_targets_get_a_clear_error(parts, kwargs, match):
    router, val, _, _ = parts
    with pytest.raises(ValueError, match=match):
        rk.calibrate(router, val, **kwargs)


def test_targets_reachable_alone_but_not_together(parts):
    router, val, _, frame = parts
    top_share = frame[SHARE_PREFIX + TOP].to_numpy()
    best_q = float(frame["quality"].max())
    cap = float(top_share.min())
    within = frame.loc[frame[SHARE_PREFIX + TOP] <= cap + 1e-12, "quality"].max()
    with pytest.raises(ValueError, match=rf"best quality this router reaches within the max_share caps on these "
                                         rf"queries \({within:.4g}\)"):
        rk.calibrate(router, val, target_quality=best_q, max_share={TOP: cap})


def test_val_must_be_routing_data(parts):
    router, val, _, _ = parts
    with pytest.raises(TypeError, match="RoutingData"):
        rk.calibrate(router, val.scores, target_cost=1e-3)


def test_a_spend_out_of_reach_within_the_caps_names_the_cheapest_within_them(parts):
    router, val, _, frame = parts
    cheap = val.models[int(np.argmin(val.costs.mean(axis=0)))]
    share = frame[SHARE_PREFIX + cheap]
    cap = float(share.min())
    within = frame.loc[share <= cap + 1e-12, "cost"].min()
    assert within > frame["cost"].min()
    with pytest.raises(ValueError, match=rf"cheapest this router routes for within the max_share caps on these "
                                         rf"queries \(({within:.4g})\)"):
        rk.calibrate(router, val, target_cost=float(frame["cost"].min()), max_share={cheap: cap})


def test_caps_reachable_alone_but_not_together(parts):
    router, val, _, frame = parts
    top_share = frame[SHARE_PREFIX + TOP]
    cheap = val.models[int(np.argmin(val.costs.mean(axis=0)))]
    cheap_share = frame[SHARE_PREFIX + cheap]
    caps = {TOP: float(top_share.min()), cheap: float(cheap_share.min())}
    assert not ((top_share <= caps[TOP] + 1e-12) & (cheap_share <= caps[cheap] + 1e-12)).any()
    with pytest.raises(ValueError, match="each max_share cap is reachable alone, but no budget keeps them all"):
        rk.calibrate(router, val, max_share=caps)
