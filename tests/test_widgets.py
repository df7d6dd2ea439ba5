"""Widgets driven headlessly: set a control's ``.value``, check the state the callbacks leave (never stdout)."""
import altair as alt
import numpy as np
import pandas as pd
import pytest

import routerkit as rk
from routerkit import metrics, widgets
from routerkit.decision import decide

VEGALITE = "application/vnd.vegalite.v5+json"


@pytest.fixture(scope="module")
def world():
    data = rk.simulate(1200, seed=0)
    train, test = rk.train_test_split(data, seed=0)
    routers = {name: rk.routers.make(name).fit(train) for name in ("task_best", "linear", "knn")}
    return test, routers, rk.evaluate(routers, test)


@pytest.fixture(autouse=True)
def mimetype_renderer():
    """The notebooks' renderer (setup_notebook), so an Output widget holds the Vega-Lite spec itself."""
    before = alt.renderers.active
    alt.renderers.enable("mimetype")
    yield
    alt.renderers.enable(before)


def shown_spec(output) -> dict:
    assert len(output.outputs) == 1, "the Output widget must hold exactly one chart"
    return output.outputs[0]["data"][VEGALITE]


def color_domain(spec: dict) -> list[str]:
    layers = spec["vconcat"][0]["layer"] if "vconcat" in spec else spec["layer"]
    return next(v["encoding"]["color"]["scale"]["domain"] for v in layers if "color" in v.get("encoding", {}))


def test_rk_widgets_is_reachable_from_the_package():
    assert rk.widgets is widgets


def test_budget_point_and_summary(world):
    _, _, curves = world
    rows = curves[curves["router"] == "linear"]
    point = widgets.budget_point(curves, "linear", rows["lam"].iloc[5] * 1.01)
    assert point["lam"] == rows["lam"].iloc[5]
    text = widgets.budget_summary(point)
    assert f"{point['quality']:.3f}" in text and f"${point['cost'] * 1000:.3f}" in text and "linear" in text
    shares = widgets.budget_shares(point)
    assert shares["share"].sum() == pytest.approx(1.0) and shares["share"].is_monotonic_decreasing
    with pytest.raises(ValueError, match="not in the frame"):
        widgets.budget_point(curves, "nope", 0.0)


def test_budget_explorer_follows_the_slider_and_the_router(world, capsys):
    test, _, curves = world
    explorer = rk.widgets.budget_explorer(curves, test)
    assert explorer.router.value == "task_best"
    assert explorer.slider.value == 0.0, "starts at the largest budget"
    first = explorer.summary.value
    assert "λ = 0" in first
    lavish = widgets.budget_point(curves, "task_best", 0.0)
    spec = shown_spec(explorer.chart)
    marker = next(v for v in spec["vconcat"][0]["layer"] if v["mark"].get("size") == 300)
    assert spec["datasets"][marker["data"]["name"]][0]["quality"] == pytest.approx(lavish["quality"])

    thrifty = explorer.slider.options[0][1]
    explorer.slider.value = thrifty
    point = widgets.budget_point(curves, "task_best", thrifty)
    assert explorer.summary.value == widgets.budget_summary(point) != first
    mix = shown_spec(explorer.chart)["vconcat"][1]
    shares = pd.DataFrame(shown_spec(explorer.chart)["datasets"][mix["data"]["name"]]).set_index("model")["share"]
    assert shares.to_dict() == pytest.approx(widgets.budget_shares(point).set_index("model")["share"].to_dict())

    explorer.router.value = "linear"
    assert explorer.slider.value == 0.0
    lams = sorted(curves.loc[curves["router"] == "linear", "lam"].unique(), reverse=True)
    assert [v for _, v in explorer.slider.options] == pytest.approx(lams)
    assert explorer.summary.value.startswith("<b>linear</b>")
    assert capsys.readouterr() == ("", ""), "callbacks must not print"


def test_router_picker_overlays_the_chosen_routers(world, capsys):
    test, _, curves = world
    picker = rk.widgets.router_picker(curves, test)
    assert set(picker.picker.value) == {"task_best", "linear", "knn"}
    picker.picker.value = ("knn",)
    domain = color_domain(shown_spec(picker.chart))
    assert domain == ["knn", "oracle", "zero router (random mix)"]
    picker.picker.value = ()
    assert color_domain(shown_spec(picker.chart)) == ["oracle", "zero router (random mix)"]
    assert capsys.readouterr() == ("", "")
    assert list(widgets.pick_routers(curves, ["linear"])["router"].unique()) == ["linear"]
    with pytest.raises(ValueError, match="unknown router"):
        widgets.pick_routers(curves, ["nope"])


def test_query_table_marks_every_choice(world):
    test, routers, _ = world
    choices = widgets.query_choices(test, routers, 0.0)
    assert list(choices) == ["task_best", "linear", "knn", "oracle"]
    np.testing.assert_array_equal(choices["oracle"], metrics.oracle_choice(test).choice)
    np.testing.assert_array_equal(choices["knn"], routers["knn"].route(test, 0.0))
    table = widgets.query_table(test, choices, 7)
    assert list(table.columns) == ["model", "score", "truth", "cost_1k", "chosen by"]
    np.testing.assert_allclose(table["cost_1k"], test.costs[7] * 1000)
    for name, ch in choices.items():
        assert name in table.loc[ch[7], "chosen by"].split(", ")
    html = widgets.query_html(test, table, 7)
    assert "Query 7" in html and test.tasks[7] in html and html.count("<tr") == test.n_models + 1


def test_query_inspector_follows_query_and_budget(world, capsys):
    test, routers, _ = world
    inspector = rk.widgets.query_inspector(test, routers)
    assert inspector.budget.value == 0.0 and "Query 0" in inspector.view.value
    inspector.query.value = 11
    assert "Query 11" in inspector.view.value
    assert inspector.view.value == widgets.query_html(
        test, widgets.query_table(test, widgets.query_choices(test, routers, 0.0), 11), 11)
    thrifty = inspector.budget.options[0][1]
    inspector.budget.value = thrifty
    np.testing.assert_array_equal(inspector.choices["oracle"], decide(test.scores, test.costs, thrifty))
    expected = widgets.query_html(test, widgets.query_table(test, inspector.choices, 11), 11)
    assert inspector.view.value == expected
    assert capsys.readouterr() == ("", "")
    named = rk.widgets.query_inspector(test, list(routers.values()))
    assert list(named.choices) == ["task_best", "linear", "knn", "oracle"]
