"""rk.costs: per-call costs from token counts and a price card, as a cost estimate known before the call."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import routerkit as rk
from routerkit.decision import decide

SUBSET = Path(__file__).resolve().parents[2] / "shared" / "data" / "routerbench_subset" / \
    "routerbench_subset_wide.parquet"
CARD = pd.DataFrame({"model": ["small", "big"], "usd_per_1m_input": [0.5, 10.0], "usd_per_1m_output": [1.5, 30.0]})


def test_the_default_card_is_routerbench_s():
    card = rk.costs.price_card()
    assert len(card) == 11 and list(card.columns) == ["usd_per_1m_input", "usd_per_1m_output"]
    assert card.loc["gpt-4-1106-preview"].tolist() == [10.0, 30.0]
    assert set(card.index) == set(rk.simulate(50, seed=0).models)


@pytest.mark.parametrize("bad, match", [
    (CARD.drop(columns="usd_per_1m_output"), "missing"),
    (CARD.assign(usd_per_1m_input=[-1.0, 2.0]), "usd_per_1m_input of 'small' must be a finite number >= 0"),
    (CARD.assign(usd_per_1m_output=["cheap", 1.0]), "usd_per_1m_output of 'small'"),
    (pd.concat([CARD, CARD.iloc[:1]]), "lists 'small' twice"),
])
def test_a_bad_card_is_refused(bad, match):
    with pytest.raises(ValueError, match=match):
        rk.costs.price_card(bad)


def test_a_card_from_a_file(tmp_path):
    path = tmp_path / "card.csv"
    CARD.to_csv(path, index=False)
    assert rk.costs.price_card(path).loc["big"].tolist() == [10.0, 30.0]
    with pytest.raises(FileNotFoundError, match="no price card"):
        rk.costs.price_card(tmp_path / "none.csv")


def test_count_tokens():
    np.testing.assert_array_equal(rk.costs.count_tokens(["", "abcd", "abcde", "x" * 40]), [1, 1, 2, 10])
    np.testing.assert_array_equal(rk.costs.count_tokens(["abcdef"], chars_per_token=3), [2])
    for bad, match in [("abc", "list of strings"), (["a", 1], "item 1 is int")]:
        with pytest.raises(ValueError, match=match):
            rk.costs.count_tokens(bad)
    with pytest.raises(ValueError, match="chars_per_token"):
        rk.costs.count_tokens(["a"], chars_per_token=0)


def test_call_costs_by_hand():
    got = rk.costs.call_costs([100, 1000], [[10, 20], [0, 5]], ["small", "big"], CARD)
    want = np.array([[100 * 0.5 + 10 * 1.5, 100 * 10 + 20 * 30], [1000 * 0.5, 1000 * 10 + 5 * 30]]) / 1e6
    np.testing.assert_allclose(got, want)
    np.testing.assert_allclose(rk.costs.call_costs([100], [10, 20], ["small", "big"], CARD), want[:1])
    with pytest.raises(ValueError, match="no price for 'bigg' \\(did you mean 'big'\\?\\)"):
        rk.costs.call_costs([1], 1, ["small", "bigg"], CARD)
    with pytest.raises(ValueError, match="do not fit 2 models"):
        rk.costs.call_costs([1, 2], [[1, 2, 3]], ["small", "big"], CARD)
    with pytest.raises(ValueError, match="finite and >= 0"):
        rk.costs.call_costs([-5], 1, ["small", "big"], CARD)


def priced_data(n=400, seed=0):
    """Costs that ARE tokens times prices: answer length fixed per task and model, prompts of varied length."""
    rng = np.random.default_rng(seed)
    tasks = rng.choice(["qa", "code"], size=n)
    prompts = ["w" * int(k) for k in rng.integers(4, 4000, size=n)]
    answer = {"qa": [5, 8], "code": [200, 150]}
    tout = np.array([answer[t] for t in tasks], dtype=float)
    costs = rk.costs.call_costs(rk.costs.count_tokens(prompts), tout, ["small", "big"], CARD)
    scores = (rng.random((n, 2)) < [0.6, 0.8]).astype(float)
    return rk.RoutingData(scores=scores, costs=costs, models=["small", "big"], tasks=tasks,
                          prompts=np.array(prompts, dtype=object))


def test_token_costs_recover_answer_lengths_and_price_new_calls():
    data = priced_data()
    train, test = data[:300], data[300:]
    tc = rk.costs.TokenCosts(card=CARD).fit(train)
    np.testing.assert_allclose(tc.output_tokens_.loc[["qa", "code"]].to_numpy(), [[5, 8], [200, 150]], atol=1e-6)
    np.testing.assert_allclose(tc.estimate(test), test.costs, rtol=1e-9)
    trend = rk.routers.make("task_best").fit(train)
    assert np.abs(trend.cost_estimate(test) - test.costs).mean() > 10 * np.abs(tc.estimate(test) - test.costs).mean()


def test_token_costs_fall_back_on_all_tasks_and_check_their_input():
    data = priced_data()
    tc = rk.costs.TokenCosts(card=CARD).fit(data)
    unseen = rk.RoutingData(scores=data.scores[:3], costs=data.costs[:3], models=data.models,
                            tasks=np.array(["new"] * 3, dtype=object), prompts=data.prompts[:3])
    overall = tc.output_tokens_.loc["*"].to_numpy()
    np.testing.assert_allclose(tc.estimate(unseen), rk.costs.call_costs(
        rk.costs.count_tokens(list(unseen.prompts)), overall, data.models, CARD))
    no_text = rk.RoutingData(scores=data.scores, costs=data.costs, models=data.models)
    with pytest.raises(ValueError, match="needs prompts"):
        rk.costs.TokenCosts(card=CARD).fit(no_text)
    with pytest.raises(ValueError, match="has none"):
        tc.estimate(no_text)
    with pytest.raises(ValueError, match="not fitted"):
        rk.costs.TokenCosts(card=CARD).estimate(data)
    with pytest.raises(ValueError, match="no price for"):
        rk.costs.TokenCosts().fit(data)


def test_priced_router_routes_a_score_router_with_token_costs():
    data = priced_data()
    train, test = data[:300], data[300:]
    router = rk.routers.make("task_best").fit(train)
    tc = rk.costs.TokenCosts(card=CARD).fit(train)
    priced = rk.costs.PricedRouter(router, tc)
    np.testing.assert_array_equal(priced.predict(test), router.predict(test))
    for lam in (0.0, 50.0, 5000.0):
        np.testing.assert_array_equal(priced.route(test, lam), decide(router.predict(test), tc.estimate(test), lam))
    frame = rk.evaluate(priced, test)
    assert frame["router"].iloc[0] == "task_best (token costs)" and frame["cost"].min() < frame["cost"].max()
    cal = rk.calibrate(priced, test, target_cost=float(frame["cost"].median()))
    assert cal.cost <= frame["cost"].median()
    with pytest.raises(TypeError, match="shared rule"):
        rk.costs.PricedRouter(rk.routers.make("random").fit(train), tc)
    with pytest.raises(TypeError, match="estimate"):
        rk.costs.PricedRouter(router, object())


@pytest.mark.skipif(not SUBSET.is_file(), reason="the RouterBench subset is not in ../shared/data")
def test_token_costs_estimate_routerbench_calls_better_than_the_task_mean():
    data = rk.load_dataset(str(SUBSET), missing="drop")
    train, test = rk.predefined_split(data)
    by_tokens = rk.costs.TokenCosts().fit(train).estimate(test)
    by_task = rk.routers.make("task_best").fit(train).cost_estimate(test)
    error = lambda est: float(np.median(np.abs(est - test.costs) / test.costs))
    assert error(by_tokens) < error(by_task), (error(by_tokens), error(by_task))
