"""Chart specs: valid Vega-Lite v5, the right fields, titles with units, tooltips, and a bounded data size."""
import json
from pathlib import Path

import altair as alt
import jsonschema
import numpy as np
import pandas as pd
import pytest

import routerkit as rk
from routerkit import metrics, plots
from routerkit.notebook import MAX_CHART_ROWS

SCHEMA = json.loads((Path(alt.__file__).parent / "vegalite" / "v5" / "schema" / "vega-lite-schema.json").read_text())
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)


@pytest.fixture(scope="module")
def world():
    data = rk.simulate(1500, seed=0)
    train, test = rk.train_test_split(data, seed=0)
    routers = {name: rk.routers.make(name).fit(train) for name in ("task_best", "linear", "knn")}
    curves = rk.evaluate(routers, test)
    choices = {name: r.route(test, 0.0) for name, r in routers.items()}
    return test, routers, curves, choices


def spec(chart) -> dict:
    """The chart's Vega-Lite dict, validated against the v5 schema altair ships, data size checked."""
    out = chart.to_dict()
    assert out["$schema"].startswith("https://vega.github.io/schema/vega-lite/v5")
    VALIDATOR.validate(out)
    assert inline_rows(out) <= MAX_CHART_ROWS
    return out


def inline_rows(out: dict) -> int:
    return sum(len(v) for v in out.get("datasets", {}).values())


def views(node):
    """Every unit view (a dict with a mark) in a layered or concatenated spec."""
    if "mark" in node:
        yield node
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for child in node.get(key, []):
            yield from views(child)


def dataset(out: dict, view: dict) -> list[dict]:
    return out["datasets"][view["data"]["name"]]


def marks(out: dict) -> list[str]:
    return [v["mark"]["type"] if isinstance(v["mark"], dict) else v["mark"] for v in views(out)]


def check_axes(out: dict) -> None:
    """Every positional axis has one title with a unit in parentheses, the same in every layer (Vega-Lite would
    otherwise join differing titles), and every non-text mark has a tooltip."""
    for channel in ("x", "y"):
        titles = {v["encoding"][channel].get("title") for v in views(out) if channel in v.get("encoding", {})}
        assert len(titles) == 1, f"{channel} titles differ between layers: {titles}"
        title = titles.pop()
        assert title and "(" in title and title.endswith(")"), f"{channel} title without a unit: {title!r}"
    for v in views(out):
        mark = v["mark"]["type"] if isinstance(v["mark"], dict) else v["mark"]
        if mark not in ("text",) and "x" in v["encoding"] and "y" in v["encoding"]:
            assert "tooltip" in v["encoding"], f"a {mark} layer has no tooltip"


def test_theme_is_registered_and_active():
    assert "routerkit" in alt.theme.names()
    assert alt.theme.active == "routerkit"
    out = alt.Chart(pd.DataFrame({"a": [1]})).mark_point().encode(x="a:Q").to_dict()
    assert out["config"]["range"]["category"] == plots.PALETTE


def test_frontier_shows_models_hull_oracle_routers_and_target(world):
    test, _, curves, _ = world
    out = spec(plots.frontier(curves, test, target=0.85))
    check_axes(out)
    all_views = list(views(out))
    assert "$ per 1k queries" in all_views[0]["encoding"]["x"]["title"]
    assert all_views[0]["encoding"]["y"]["title"].startswith("Quality")
    assert set(marks(out)) >= {"line", "point", "text", "rule"}
    curve_view = next(v for v in all_views if v["encoding"].get("order"))
    rows = pd.DataFrame(dataset(out, curve_view))
    assert set(rows["router"]) == {"task_best", "linear", "knn"}
    merged = rows.merge(curves, on=["router", "lam"], suffixes=("", "_frame"))
    np.testing.assert_allclose(merged["cost_1k"], merged["cost_frame"] * 1000)
    labels = pd.DataFrame([r for v in all_views if v["mark"]["type"] == "text" for r in dataset(out, v)])
    assert set(test.models) <= set(labels["model"])
    assert "oracle" in set(labels["label"])
    oracle_row = labels[labels["label"] == "oracle"].iloc[0]
    cost, quality = metrics.oracle_choice(test).point
    assert oracle_row["cost_1k"] == pytest.approx(cost * 1000) and oracle_row["quality"] == pytest.approx(quality)
    rule = next(v for v in all_views if v["mark"]["type"] == "rule")
    assert dataset(out, rule)[0]["quality"] == 0.85
    colors = curve_view["encoding"]["color"]["scale"]
    assert colors["domain"][-2:] == [plots.ORACLE, plots.ZERO]
    assert colors["range"][-2:] == ["#000000", "#8c8c8c"]
    assert all_views[0]["encoding"]["x"]["scale"]["type"] == "log"


def test_frontier_thins_many_routers_under_the_row_limit(world):
    test, _, curves, _ = world
    one = curves[curves["router"] == "linear"]
    big = pd.concat([one.assign(router=f"r{k}", lam=np.linspace(0, 10, len(one)))
                     for k in range(150)], ignore_index=True)
    big = pd.concat([big] * 3, ignore_index=True)
    assert len(big) > 3 * MAX_CHART_ROWS
    out = spec(plots.frontier(big, test))
    assert inline_rows(out) <= MAX_CHART_ROWS
    curve_view = next(v for v in views(out) if v["encoding"].get("order"))
    assert len({r["router"] for r in dataset(out, curve_view)}) == 150


def test_frontier_without_routers_and_with_free_calls(world):
    test, _, curves, _ = world
    assert "order" not in json.dumps([v["encoding"] for v in views(spec(plots.frontier(None, test)))])
    free = curves.assign(cost=np.where(curves["lam"] > 0, curves["cost"], 0.0))
    out = spec(plots.frontier(free, test))
    assert next(views(out))["encoding"]["x"]["scale"]["type"] == "linear", "log scale cannot show a cost of 0"


def test_a_swept_oracle_curve_keeps_its_own_name(world):
    test, _, curves, _ = world
    swept = rk.evaluate(rk.routers.make("oracle").fit(test), test)
    out = spec(plots.frontier(pd.concat([curves, swept]), test))
    names = {row.get("router") for view in views(out) for row in dataset(out, view)}
    assert {"oracle", "oracle (swept)", "task_best"} <= names


def test_collapse_plots_top_share_with_the_oracle(world):
    test, _, curves, _ = world
    from_data = spec(plots.collapse(curves, data=test))
    from_frame = spec(plots.collapse(curves, oracle=metrics.oracle_curve(test)))
    assert from_data == from_frame
    check_axes(from_data)
    enc = from_data["encoding"]
    assert enc["y"]["field"] == "top_share" and "%" in enc["y"]["title"]
    assert enc["x"]["field"] == "lam" and enc["x"]["scale"]["type"] == "symlog" and enc["x"]["scale"]["reverse"]
    # ticks at 0 and at powers of ten across the budgets, so labels spread over the axis
    ticks = enc["x"]["axis"]["values"]
    top = max(curves["lam"].max(), metrics.oracle_curve(test)["lam"].max())   # the oracle is drawn too
    assert ticks[0] == 0 and all(b == 10 * a for a, b in zip(ticks[1:], ticks[2:]))
    assert ticks[-1] <= top < 10 * ticks[-1] and len(ticks) <= 1 + plots._BUDGET_DECADES
    assert "λ" in enc["x"]["title"]
    rows = pd.DataFrame(from_data["datasets"][from_data["data"]["name"]])
    assert list(pd.unique(rows["router"])) == ["task_best", "linear", "knn", "oracle"]
    oracle0 = rows[(rows["router"] == "oracle") & (rows["lam"] == 0)]["top_share"].iloc[0]
    assert oracle0 < rows[(rows["router"] == "linear") & (rows["lam"] == 0)]["top_share"].iloc[0]
    alone = spec(plots.collapse(curves))
    assert "oracle" not in {r["router"] for r in alone["datasets"][alone["data"]["name"]]}
    by_cost = spec(plots.collapse(curves, data=test, x="cost"))
    assert by_cost["encoding"]["x"]["field"] == "cost_1k"
    with pytest.raises(ValueError, match="x must be"):
        plots.collapse(curves, x="budget")


def test_routing_mix_stacks_shares_per_model(world):
    test, _, curves, _ = world
    out = spec(plots.routing_mix(curves, router="linear"))
    check_axes(out)
    assert out["mark"]["type"] == "area"
    assert out["encoding"]["y"]["stack"] == "zero" and out["encoding"]["color"]["field"] == "label"
    rows = pd.DataFrame(out["datasets"][out["data"]["name"]])
    assert set(rows["model"]) == set(test.models)
    assert set(rows["label"]) == {m.split("/")[-1] for m in test.models}, "the legend drops provider prefixes"
    assert out["encoding"]["color"]["scale"]["range"][:3] == plots.PALETTE[:3]
    np.testing.assert_allclose(rows.groupby("lam")["share"].sum(), 1.0)
    assert "linear" in out["title"]["text"]
    with pytest.raises(ValueError, match="pass router="):
        plots.routing_mix(curves)
    with pytest.raises(ValueError, match="not in the frame"):
        plots.routing_mix(curves, router="nope")
    single = spec(plots.routing_mix(curves[curves["router"] == "knn"]))
    assert "knn" in single["title"]["text"]


def test_solved_by_k_bars(world):
    test, _, _, choices = world
    from_choices = spec(plots.solved_by_k(choices, test))
    from_table = spec(plots.solved_by_k(metrics.solved_by_k(choices, test)))
    assert from_choices == from_table
    check_axes(from_choices)
    rows = pd.DataFrame(from_choices["datasets"][from_choices["data"]["name"]])
    assert list(rows["k"]) == [0, 1, 2, 3] and rows["queries"].sum() == len(test)
    assert "of 3" in from_choices["encoding"]["x"]["title"]
    with pytest.raises(ValueError, match="data="):
        plots.solved_by_k(choices)


def test_win_loss_heatmap(world):
    test, _, _, choices = world
    out = spec(plots.win_loss(choices, test))
    assert marks(out) == ["rect", "text"]
    rows = pd.DataFrame(out["datasets"][out["data"]["name"]])
    assert len(rows) == 9
    table = metrics.win_loss(choices, test)
    got = rows.set_index(["winner", "loser"])["share"]
    assert got[("linear", "task_best")] == pytest.approx(table.loc["linear", "task_best"])
    enc = out["layer"][0]["encoding"]
    assert enc["x"]["title"] == "Router b (fails)" and enc["y"]["title"] == "Router a (succeeds)"
    assert "%" in out["layer"][0]["encoding"]["color"]["title"]
    assert spec(plots.win_loss(table)) == out


def test_learning_curve_averages_runs_and_draws_references():
    frame = pd.DataFrame({"router": np.repeat(["knn", "linear"], 6),
                          "n_train": np.tile([100, 100, 300, 300, 1000, 1000], 2),
                          "aiq": np.linspace(0.80, 0.86, 12)})
    out = spec(plots.learning_curve(frame, references={"oracle": 0.975, "zero router": 0.823}))
    check_axes(out)
    line = next(v for v in views(out) if v["mark"]["type"] == "line")
    rows = pd.DataFrame(dataset(out, line))
    assert len(rows) == 6 and (rows["runs"] == 2).all()
    knn100 = frame[(frame["router"] == "knn") & (frame["n_train"] == 100)]["aiq"]
    row = rows[(rows["router"] == "knn") & (rows["n_train"] == 100)].iloc[0]
    assert (row["aiq"], row["low"], row["high"]) == pytest.approx((knn100.mean(), knn100.min(), knn100.max()))
    assert line["encoding"]["x"]["scale"]["type"] == "log"
    assert out["title"]["subtitle"].startswith("Mean over up to 2 runs")
    assert line["encoding"]["x"]["axis"]["values"] == [100, 300, 1000]     # the measured sizes, nothing crowded
    single = spec(plots.learning_curve(frame.drop_duplicates(["router", "n_train"])))
    assert single["title"]["subtitle"] == "One run per point"      # no band promised where none is drawn
    assert "rule" in marks(out)
    linear = spec(plots.learning_curve(frame.rename(columns={"n_train": "epochs"}), x="epochs",
                                       x_title="Fine-tuning epochs (count)"))
    assert next(views(linear))["encoding"]["x"]["title"] == "Fine-tuning epochs (count)"
    with pytest.raises(ValueError, match="no column"):
        plots.learning_curve(frame, y="quality")


def test_score_error_bins_pairs_against_truth(world):
    test, routers, _, _ = world
    out = spec(plots.score_error(routers["linear"], test, bins=10))
    check_axes(out)
    heat = next(views(out))
    cells = pd.DataFrame(dataset(out, heat))
    assert len(cells) <= 100 and cells["pairs"].sum() == len(test) * test.n_models
    pred = routers["linear"].predict(test)
    mae = np.abs(pred - test.truth).mean()
    assert f"MAE {mae:.3f}" in out["title"]["text"] and out["title"]["text"].startswith("linear")
    assert spec(plots.score_error(pred, test, bins=10, name="linear")) == out
    no_truth = rk.RoutingData(test.scores, test.costs, test.models)
    with pytest.raises(ValueError, match="truth"):
        plots.score_error(pred, no_truth)
    with pytest.raises(ValueError, match="shape"):
        plots.score_error(pred[:, :3], test)


def test_big_data_is_aggregated_not_embedded():
    big = rk.simulate(30_000, seed=1)
    out = spec(plots.frontier(None, big))
    assert inline_rows(out) < 400  # the exact oracle frontier has ~12k vertices here
    pred = np.clip(big.truth + 0.1, 0, 1)
    assert inline_rows(spec(plots.score_error(pred, big))) <= 20 * 20 + 20 + 2


def test_plateau_draws_dots_intervals_and_references_per_set():
    table = pd.DataFrame({
        "set": ["a", "a", "a", "a", "b", "b", "b"],
        "router": ["oracle", "zero", "knn", "task_best", "oracle", "zero router", "task_best"],
        "aiq": [0.95, 0.80, 0.83, 0.85, 0.90, 0.50, 0.55],
        "lo": [np.nan, np.nan, 0.81, 0.84, np.nan, np.nan, np.nan],
        "hi": [np.nan, np.nan, 0.85, 0.86, np.nan, np.nan, np.nan]})
    chart = plots.plateau(table)
    out = spec(chart)
    json.loads(chart.to_json())                 # strict JSON: a missing interval is null, never NaN
    assert [p["title"]["text"] for p in out["vconcat"]] == ["a", "b"]
    for panel, n_routers in zip(out["vconcat"], (2, 1)):
        rows = pd.DataFrame(out["datasets"][panel["data"]["name"]])
        dots = rows[rows["layer"] == "router"].sort_values("rank")
        assert len(dots) == n_routers and dots["aiq"].is_monotonic_decreasing
        assert sorted(rows.loc[rows["layer"] == "reference", "label"]) == ["oracle", "zero router"]
        assert panel["height"] == 24 * n_routers
        kinds = [v["mark"]["type"] for v in panel["layer"]]
        assert kinds == ["rule", "point", "rule", "text"]
        assert all("tooltip" in v["encoding"] for v in panel["layer"] if v["mark"]["type"] != "text")
        assert {v["encoding"]["x"]["title"] for v in panel["layer"]} == {"AIQ (mean quality over the cost range, 0-1)"}
    one = spec(plots.plateau(table[table["set"] == "a"].drop(columns="set")))
    assert "vconcat" not in one and len(one["layer"]) == 4


@pytest.mark.parametrize("table, message", [
    (pd.DataFrame({"router": ["knn"]}), "columns 'router' and 'aiq'"),
    ({"router": ["knn"], "aiq": [0.8]}, "columns 'router' and 'aiq'"),
    (pd.DataFrame({"router": ["knn", "mlp"], "aiq": [0.8, "n/a"]}), r"missing for \['mlp'\]"),
    (pd.DataFrame({"router": ["oracle", "zero"], "aiq": [0.9, 0.8]}), "reference rows only"),
])
def test_plateau_rejects_bad_tables(table, message):
    with pytest.raises(ValueError, match=message):
        plots.plateau(table)


# -- drawn, not only specified: every mark of every chart lands inside its view ---------------------------------
_DRAWN = ("symbol", "rect", "rule", "line", "area", "trail")


def marks_outside(chart, tol: float = 1.0) -> list[str]:
    """Render ``chart`` with Vega (vl-convert's scenegraph) and list every drawn mark (text excepted) whose
    coordinates fall outside the view it belongs to: a bar past its axis, a point above 100%."""
    import vl_convert as vlc

    bad: list[str] = []

    def check(mark: dict, width: float, height: float) -> None:
        for item in mark.get("items", []):
            for key, limit in (("x", width), ("x2", width), ("y", height), ("y2", height)):
                v = item.get(key)
                if v is not None and not (-tol <= v <= limit + tol):
                    bad.append(f"{mark.get('name')} ({mark['marktype']}): {key}={v:.1f} outside [0, {limit:.0f}]")

    def walk(node: dict) -> None:
        for item in node.get("items", []):
            width, height = item.get("width") or 0, item.get("height") or 0
            for child in item.get("items", []) if isinstance(item, dict) else []:
                if child.get("role") == "mark" and child.get("marktype") in _DRAWN and width > 0 and height > 0:
                    check(child, width, height)
                elif child.get("marktype") == "group":
                    walk(child)

    walk(vlc.vegalite_to_scenegraph(chart.to_json())["scenegraph"])
    return bad


def all_charts(world):
    test, routers, curves, choices = world
    frame = pd.DataFrame({"router": np.repeat(["knn", "linear"], 3), "n_train": np.tile([100, 300, 1000], 2),
                          "aiq": np.linspace(0.80, 0.86, 6)})
    table = pd.DataFrame({"router": ["oracle", "zero", "knn", "task_best"], "aiq": [0.95, 0.80, 0.83, 0.85],
                          "lo": [np.nan, np.nan, 0.81, 0.84], "hi": [np.nan, np.nan, 0.85, 0.86]})
    return {
        "frontier": plots.frontier(curves, test, target=float(test.scores.mean(axis=0).max())),
        "collapse": plots.collapse(curves, data=test),
        "collapse by cost": plots.collapse(curves, data=test, x="cost"),
        "routing_mix": plots.routing_mix(curves, router="linear"),
        "solved_by_k": plots.solved_by_k(choices, test),
        "win_loss": plots.win_loss(choices, test),
        "learning_curve": plots.learning_curve(frame, references={"oracle": 0.975, "zero router": 0.823}),
        "score_error": plots.score_error(routers["linear"].predict(test), test),
        "single_models": plots.single_models(test),
        "tie_weight": plots.tie_weight([0.0, 0.01, 0.1, 1.0], [0.9, 0.7, 0.2, 0.05], alpha_star=0.05),
        "plateau": plots.plateau(table),
        "plateau per set": plots.plateau(pd.concat([table.assign(set="a"), table.assign(set="b", aiq=table.aiq - 0.3,
                                                                                       lo=table.lo - 0.3,
                                                                                       hi=table.hi - 0.3)])),
    }


def test_every_chart_draws_its_marks_inside_its_scales(world):
    problems = {name: bad for name, chart in all_charts(world).items() if (bad := marks_outside(chart))}
    assert not problems, problems


def test_the_bounds_check_covers_every_plot_function(world):
    drawn = {name.split(" ")[0] for name in all_charts(world)}
    drawing = ("theme", "chart_svg", "vegalite_svg")      # style and SVG drawing, not charts
    public = {name for name in plots.__all__ if callable(getattr(plots, name)) and name not in drawing}
    assert public <= drawn, f"add these to all_charts: {sorted(public - drawn)}"


def text_overlaps(chart, char_px: float = 5.0) -> list[tuple[str, str]]:
    """Pairs of drawn 10 px text labels whose boxes (a lower bound on a label's width) intersect."""
    import vl_convert as vlc

    boxes = []

    def walk(node: dict) -> None:
        for item in node.get("items", []):
            if not isinstance(item, dict):
                continue
            if item.get("marktype") == "text" and item.get("role") == "mark":
                for t in item.get("items", []):
                    if t.get("fontSize") != 10 or "x" not in t:
                        continue
                    x, y, w = t["x"] + t.get("dx", 0), t["y"] + t.get("dy", 0), char_px * len(str(t["text"]))
                    left = x - w if t.get("align") == "right" else x
                    boxes.append((str(t["text"]), left, left + w, y - 4.5, y + 4.5))
            walk(item)

    walk(vlc.vegalite_to_scenegraph(chart.to_json())["scenegraph"])
    return [(a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a[1] < b[2] and b[1] < a[2] and a[3] < b[4] and b[3] < a[4]]


def test_model_labels_do_not_overlap(world):
    data = rk.simulate(10_000, seed=0)        # notebook 00's world: three pairs of labels would overlap unmoved
    assert not text_overlaps(plots.single_models(data))
    assert not text_overlaps(plots.frontier(None, data))
    test, _, curves, _ = world
    assert not text_overlaps(plots.frontier(curves, test))


def test_tie_weight_checks_its_input():
    with pytest.raises(ValueError, match="one length"):
        plots.tie_weight([0.0, 1.0], [0.5])
    with pytest.raises(ValueError, match=">= 0"):
        plots.tie_weight([-1.0], [0.5])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        plots.tie_weight([1.0], [1.5])
    spec = plots.tie_weight([0.0, 1.0], [0.9, 0.1]).to_dict()
    assert "α = 0 drawn at 0.001" in json.dumps(spec, ensure_ascii=False)


def test_the_bounds_check_catches_a_bar_past_its_axis():
    frame = pd.DataFrame({"router": ["a", "b"], "aiq": [0.3, 0.9]})
    clipped = alt.Chart(frame).mark_bar().encode(alt.X("aiq:Q", scale=alt.Scale(domain=[0.5, 1.0])), y="router:N")
    assert marks_outside(clipped)
    assert not marks_outside(alt.Chart(frame).mark_bar().encode(x="aiq:Q", y="router:N"))


def test_a_hull_is_drawn_as_mixing_on_a_log_cost_axis(world):
    """Mixing two models is linear in cost: on a log axis the zero router's path gets the points that make it curve."""
    test = world[0]
    zc, zq = metrics.zero_router(test)
    for log in (True, False):
        out = spec(plots.frontier(None, test, log_cost=log))
        rows = pd.concat([pd.DataFrame(d) for d in out["datasets"].values()], ignore_index=True)
        zero = rows[rows["router"] == plots.ZERO]
        np.testing.assert_allclose(zero["quality"], np.interp(zero["cost_1k"] / 1000, zc, zq), atol=1e-12)
        assert (len(zero) > 3 * len(zc)) == log, "intermediate points only where the axis bends the segments"


def test_a_router_has_one_colour_in_every_chart(world):
    test, _, curves, _ = world
    def colours(chart):
        out = spec(chart)
        layers = out.get("layer", [out])
        scale = next(l["encoding"]["color"]["scale"] for l in layers if "color" in l.get("encoding", {})
                     and "domain" in l["encoding"]["color"].get("scale", {}))
        return dict(zip(scale["domain"], scale["range"]))
    names = list(pd.unique(curves["router"]))
    every, some = colours(plots.frontier(curves, test)), colours(plots.collapse(curves[curves["router"] == names[-1]]))
    assert some[names[-1]] == every[names[-1]] == plots.ROUTER_COLORS[names[-1]]
    renamed = colours(plots.collapse(curves.assign(router=curves["router"] + " (v2)")))
    assert len(set(renamed.values())) == len(renamed), "names outside the registry still get distinct colours"
    assert len(set(plots.ROUTER_COLORS.values())) == len(plots.ROUTER_COLORS)
