"""Charts of the series: functions that take routerkit's frames and return altair charts.

Every chart follows the ``routerkit`` theme (registered and enabled when this module is imported), puts units
in every axis title, carries tooltips, and embeds at most ``MAX_CHART_ROWS`` rows of data: curves are thinned
and per-query data is aggregated in pandas before it reaches the chart.

Conventions: cost is shown in $ per 1k queries (mean USD per query x 1000: the numbers stay readable);
quality is the mean score in [0, 1]; a budget ``lam`` is the score a router gives up to save $1, so
``lam = 0`` is the largest budget ("quality at any price") and budget axes run from large ``lam`` on the left
to ``lam = 0`` on the right.
"""
from __future__ import annotations

from typing import Any, Mapping

import altair as alt
import numpy as np
import pandas as pd

from routerkit import metrics
from routerkit.data import RoutingData
from routerkit.evaluate import SHARE_PREFIX
from routerkit.notebook import MAX_CHART_ROWS

__all__ = ["single_models", "frontier", "collapse", "routing_mix", "solved_by_k", "win_loss", "plateau",
           "learning_curve", "score_error", "tie_weight", "chart_svg", "vegalite_svg",
           "theme", "COST_TITLE", "QUALITY_TITLE", "BUDGET_TITLE"]

# Tableau 10 then the light half of Tableau 20: distinct hues first, so a handful of routers never share one.
PALETTE = ["#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6",
           "#9d755d", "#bab0ac", "#9ecae9", "#ffbf79", "#ff9d98", "#88d27a", "#d6a5c9", "#fcbfd2"]
ORACLE = "oracle"
ZERO = "zero router (random mix)"
REFERENCE_COLORS = {ORACLE: "#000000", ZERO: "#8c8c8c"}
# One colour per registry router, the same in every chart (the distinct hues to the routers compared most; the
# light grey, too close to the zero router's, to none of them). Other names take the colours left in that chart.
ROUTER_COLORS = dict(zip(["task_best", "knn", "linear", "mlp", "mf", "pairwise", "ranking", "gbdt", "cluster_best",
                          "finetuned", "random", "best_single", "cheapest"], PALETTE[:9] + PALETTE[10:14]))

COST_TITLE = "Cost ($ per 1k queries)"
QUALITY_TITLE = "Quality (mean score, 0-1)"
BUDGET_TITLE = "Budget λ (score given up per $ saved; more money →)"
SHARE_TITLE = "Share of queries (%)"
_PER_1K = 1000.0
THEME_VIEW = (460, 300)    # a chart's default plotting area, width x height in pixels
# Reference curves are thinned to this many points; routers share what is left of the row budget.
_REFERENCE_ROWS = 200
_FRAME_COLUMNS = ("router", "lam", "quality", "cost", "top_model", "top_share")


@alt.theme.register("routerkit", enable=True)
def theme() -> alt.theme.ThemeConfig:
    """The one look of the series: larger type, light grid, left-aligned titles, a fixed palette."""
    return {
        "config": {
            "view": {"continuousWidth": THEME_VIEW[0], "continuousHeight": THEME_VIEW[1], "stroke": None},
            "font": "Helvetica, Arial, sans-serif",
            "title": {"fontSize": 15, "anchor": "start", "subtitleFontSize": 12, "subtitleColor": "#555555"},
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "gridColor": "#e6e6e6", "titleFontWeight": "normal"},
            "legend": {"labelFontSize": 11, "titleFontSize": 12, "labelLimit": 280},
            "range": {"category": PALETTE},
            "point": {"size": 40},
            "line": {"strokeWidth": 2},
        }
    }


# -- static drawings ----------------------------------------------------------------------------------------
VEGALITE_MIME = "application/vnd.vegalite.v"


def vegalite_svg(spec: Mapping[str, Any], mime: str | None = None) -> str:
    """Draw a Vega-Lite spec to an SVG document with vl-convert: no browser, no network, no script.

    The spec's ``$schema`` names its Vega-Lite version; ``mime`` (a Jupyter output's mime type,
    ``application/vnd.vegalite.v5+json``) names the major version where the spec has no ``$schema``. A version
    vl-convert lacks is drawn with the newest one of the same major version it has.
    """
    import vl_convert as vlc

    schema = str(spec.get("$schema", ""))
    if "/v" in schema:
        version = schema.rsplit("/v", 1)[-1].removesuffix(".json")
    elif mime and mime.startswith(VEGALITE_MIME):
        version = mime[len(VEGALITE_MIME):].split("+")[0]
    else:
        raise ValueError("the spec has no $schema and no Vega-Lite mime type names its version")
    available = vlc.get_vegalite_versions()
    major_minor = ".".join(version.split(".")[:2])
    if major_minor not in available:
        same_major = [v for v in available if v.split(".")[0] == major_minor.split(".")[0]]
        if not same_major:
            raise ValueError(f"vl-convert cannot draw Vega-Lite {version}; it knows {available}")
        major_minor = same_major[-1]
    return vlc.vegalite_to_svg(dict(spec), vl_version=major_minor)


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """An altair chart drawn to an SVG document (see :func:`vegalite_svg`), e.g. for a page read offline."""
    return vegalite_svg(chart.to_dict())


# -- frames -------------------------------------------------------------------------------------------------
def _check_curves(curves: Any, what: str) -> pd.DataFrame:
    if not isinstance(curves, pd.DataFrame):
        raise TypeError(f"{what} needs an evaluate frame (a DataFrame), got {type(curves).__name__}")
    missing = [c for c in _FRAME_COLUMNS if c not in curves.columns]
    if missing:
        raise ValueError(f"{what} needs an evaluate frame (routerkit.evaluate); missing columns {missing}")
    if curves.empty:
        raise ValueError(f"{what}: the frame is empty")
    return curves


def _thin(frame: pd.DataFrame, max_rows: int, by: str | None = None) -> pd.DataFrame:
    """Keep at most ``max_rows`` rows in all, spread evenly within each group, first and last kept.

    Curves are smooth in their sweep order, so evenly spaced points keep their shape."""
    groups = [frame] if by is None else [g for _, g in frame.groupby(by, sort=False)]
    per_group = max(2, max_rows // max(1, len(groups)))
    kept = [g if len(g) <= per_group else g.iloc[np.unique(np.linspace(0, len(g) - 1, per_group).round().astype(int))]
            for g in groups]
    return pd.concat(kept, ignore_index=True)


def _points(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns a curve chart embeds, with cost in $ per 1k queries and sorted by sweep order."""
    out = frame[list(_FRAME_COLUMNS)].copy()
    out["router"] = out["router"].astype(str)
    out["cost_1k"] = out["cost"] * _PER_1K
    # routers keep the frame's order (it is the legend's); each curve runs from thrifty to lavish
    rank = out["router"].map({name: k for k, name in enumerate(pd.unique(out["router"]))})
    return out.assign(rank=rank).sort_values(["rank", "lam"], ascending=[True, False], kind="stable").drop(
        columns="rank")


def _router_colors(names: list[str]) -> alt.Scale:
    """A colour per router plus fixed greys/black for the references, so every layer shares one legend. A registry
    router has its own colour in every chart (``ROUTER_COLORS``); other names take the palette's unused ones."""
    routers = [n for n in names if n not in REFERENCE_COLORS]
    refs = [n for n in REFERENCE_COLORS if n in names]
    taken = {ROUTER_COLORS[n] for n in routers if n in ROUTER_COLORS}
    free = iter([c for c in PALETTE if c not in taken] * len(routers))
    colors = [ROUTER_COLORS[n] if n in ROUTER_COLORS else next(free) for n in routers]
    return alt.Scale(domain=routers + refs, range=colors + [REFERENCE_COLORS[n] for n in refs])


def _cost_x(log: bool, field: str = "cost_1k") -> alt.X:
    title = COST_TITLE[:-1] + (", log scale)" if log else ")")
    # padding: points at the ends of the range (the cheapest and dearest model) stay off the frame
    return alt.X(f"{field}:Q", title=title, scale=alt.Scale(type="log" if log else "linear", zero=False, nice=False,
                                                            padding=12))


def _quality_y(field: str = "quality") -> alt.Y:
    return alt.Y(f"{field}:Q", title=QUALITY_TITLE, scale=alt.Scale(zero=False, padding=10))


_BUDGET_DECADES = 6


def _budget_x(lams) -> alt.X:
    """The budget axis: symlog, so lam = 0 (the largest budget) sits next to budgets spread over decades, with
    a tick at 0 and at each power of ten up to the largest budget (at most ``_BUDGET_DECADES`` of them, the
    linear part of the scale below the smallest), so labels spread over the whole axis."""
    lams = np.asarray(lams, dtype=float)
    positive = lams[np.isfinite(lams) & (lams > 0)]
    if positive.size == 0:
        return alt.X("lam:Q", title=BUDGET_TITLE, scale=alt.Scale(type="symlog", reverse=True))
    top = int(np.floor(np.log10(positive.max())))
    low = max(int(np.floor(np.log10(positive.min()))), top - _BUDGET_DECADES + 1)
    ticks = [0.0] + [10.0 ** k for k in range(low, top + 1)]
    return alt.X("lam:Q", title=BUDGET_TITLE,
                 scale=alt.Scale(type="symlog", constant=10.0 ** low, reverse=True, nice=False),
                 axis=alt.Axis(values=ticks, format=",.2~r", labelOverlap=True))


_CURVE_TOOLTIP = [
    alt.Tooltip("router:N", title="router"),
    alt.Tooltip("lam:Q", title="budget λ", format=".3g"),
    alt.Tooltip("quality:Q", title="quality", format=".3f"),
    alt.Tooltip("cost_1k:Q", title="$ per 1k queries", format=".3f"),
    alt.Tooltip("top_model:N", title="top model"),
    alt.Tooltip("top_share:Q", title="top-model share", format=".1%"),
]


_LABEL_PX = (5.6, 12.0)        # a 10 px label: about this wide per character, and this tall


def _label_y(models: pd.DataFrame, log: bool, quality_extent: tuple[float, float],
             cost_extent: tuple[float, float]) -> np.ndarray:
    """The quality at which to draw each model's label, nudged up or down where it would overlap another.

    Positions are estimated in pixels from the view's size and the data's extent (the chart's scales may be
    a little wider, which only spreads labels further apart); each label, from the top down, takes the first
    free slot of 0, -1, +1, -2, +2 label heights from its point. Labels do not move sideways.
    """
    width, height = THEME_VIEW
    cost = models["cost_1k"].to_numpy(float)
    lo_c, hi_c = cost_extent
    if log and lo_c > 0:
        cost, lo_c, hi_c = np.log10(np.maximum(cost, lo_c)), np.log10(lo_c), np.log10(hi_c)
    xs = (cost - lo_c) / ((hi_c - lo_c) or 1.0) * width
    lo_q, hi_q = quality_extent
    per_px = ((hi_q - lo_q) or 1.0) / height
    ys = (models["quality"].to_numpy(float) - lo_q) / per_px
    char, line = _LABEL_PX
    boxes: list[tuple[float, float, float, float]] = []
    out = models["quality"].to_numpy(float).copy()
    for k in np.argsort(-ys, kind="stable"):
        text_w = char * len(str(models["label"].iloc[k])) + 6
        left = xs[k] - text_w if models["align"].iloc[k] == "right" else xs[k]
        for step in (0, -1, 1, -2, 2, -3, 3):
            y = ys[k] + 4 + step * line                      # the text's baseline sits 4 px above its point
            box = (left, left + text_w, y - 2, y + line - 2)
            if not any(box[0] < b[1] and b[0] < box[1] and box[2] < b[3] and b[2] < box[3] for b in boxes):
                break
        else:
            step, box = 0, (left, left + text_w, ys[k] + 2, ys[k] + 2 + line)
        boxes.append(box)
        out[k] += step * line * per_px
    return out


def _model_labels(models: pd.DataFrame, x: alt.X, y: alt.Y, log: bool = False,
                  quality_extent: tuple[float, float] | None = None,
                  cost_extent: tuple[float, float] | None = None) -> list[alt.Chart]:
    """Model names beside their points: left of the dearest models, so none runs off the plot or under the
    legend; a label that would overlap another is moved up or down by a line (``_label_y``)."""
    models = models.copy()
    dear = models["cost_1k"] >= 0.5 * models["cost_1k"].max()
    models["align"] = np.where(dear, "right", "left")
    q_ext = quality_extent or (float(models["quality"].min()), float(models["quality"].max()))
    c_ext = cost_extent or (float(models["cost_1k"].min()), float(models["cost_1k"].max()))
    models["label_quality"] = _label_y(models, log, q_ext, c_ext)
    ly = alt.Y("label_quality:Q", title=y.to_dict().get("title"))
    style = dict(dy=-4, fontSize=10, color="#444444")
    return [alt.Chart(models[~dear]).mark_text(align="left", dx=6, **style).encode(x, ly, text="label:N"),
            alt.Chart(models[dear]).mark_text(align="right", dx=-6, **style).encode(x, ly, text="label:N")]


_MIX_STEPS = 60    # a mixing segment on a log axis is drawn with at most 1/60 of the axis per straight piece


def _mixing_path(name: str, cost: np.ndarray, quality: np.ndarray, log: bool,
                 span: tuple[float, float]) -> pd.DataFrame:
    """A hull's vertices as a drawable path. Mixing two operating points is a straight line in linear cost; on a
    log cost axis that line is a curve, so each segment gets intermediate points (linear in cost) there."""
    cost, quality = np.asarray(cost, dtype=float), np.asarray(quality, dtype=float)
    if log and len(cost) > 1 and span[0] > 0 and span[1] > span[0]:
        step = np.log10(span[1] / span[0]) / _MIX_STEPS
        xs, ys = [cost[:1]], [quality[:1]]
        for c0, c1, q0, q1 in zip(cost[:-1], cost[1:], quality[:-1], quality[1:]):
            k = int(np.ceil(np.log10(c1 / c0) / step)) if c0 > 0 and c1 > c0 else 1
            t = np.linspace(0.0, 1.0, max(k, 1) + 1)[1:]
            xs.append(c0 + t * (c1 - c0))
            ys.append(q0 + t * (q1 - q0))
        cost, quality = np.concatenate(xs), np.concatenate(ys)
    return pd.DataFrame({"router": name, "cost_1k": cost, "quality": quality})


def _extent(parts) -> tuple[float, float]:
    values = np.concatenate([np.asarray(p, dtype=float).ravel() for p in parts])
    values = values[np.isfinite(values)]
    return float(values.min()), float(values.max())


def single_models(data: RoutingData, log_cost: bool | None = None,
                  title: str = "Single models: quality against cost") -> alt.LayerChart:
    """Each model as a labelled point on the cost-quality plane: its mean score against its mean cost.

    ``log_cost``: log cost axis (default: when every model's mean cost is positive).
    """
    if not isinstance(data, RoutingData):
        raise TypeError(f"single_models needs a RoutingData, got {type(data).__name__}")
    models = metrics.single_model_points(data)
    models["cost_1k"] = models["cost"] * _PER_1K
    models["label"] = models["model"].str.split("/").str[-1]
    if log_cost is None:
        log_cost = bool((models["cost_1k"] > 0).all())
    x, y = _cost_x(log_cost), _quality_y()
    points = alt.Chart(models).mark_point(filled=True, color="#444444", size=70).encode(
        x, y, tooltip=[alt.Tooltip("model:N"), alt.Tooltip("quality:Q", format=".3f"),
                       alt.Tooltip("cost_1k:Q", title="$ per 1k queries", format=".3f")])
    return alt.layer(points, *_model_labels(models, x, y, log_cost)).properties(title=title)


# -- the frontier ---------------------------------------------------------------------------------------------
def frontier(curves: pd.DataFrame | None, data: RoutingData, target: float | None = None,
             log_cost: bool | None = None, title: str = "Cost-quality frontier",
             target_label: str = "target quality") -> alt.LayerChart:
    """Routers on the cost-quality plane, against single models, the zero router and the oracle.

    Parameters
    ----------
    curves : DataFrame or None
        An evaluate frame (``routerkit.evaluate``), any number of routers; each is drawn as a line through
        its budgets. ``None`` draws the references alone. A curve named ``"oracle"`` (the budget sweep of
        the oracle router) is drawn as ``"oracle (swept)"``, beside the exact oracle frontier.
    data : RoutingData
        The queries the curves were measured on: single models (labelled points), the zero router (their
        non-decreasing convex hull: random mixing of whole models), the oracle's frontier and its point.
    target : float, optional
        A target quality, drawn as a labelled horizontal rule (e.g. the top model's quality, with
        ``target_label="top model's quality"``).
    log_cost : bool, optional
        Log cost axis (default: when every cost is positive; cheap models differ by decades).
    """
    models = metrics.single_model_points(data)
    models["cost_1k"] = models["cost"] * _PER_1K
    models["label"] = models["model"].str.split("/").str[-1]
    zc, zq = metrics.zero_router(data)
    fc, fq = metrics.oracle_frontier(data)
    ocost, oquality = metrics.oracle_choice(data).point
    opoint = pd.DataFrame({"router": [ORACLE], "cost_1k": [ocost * _PER_1K], "quality": [oquality],
                           "label": ["oracle"]})
    points = None if curves is None else _points(_check_curves(curves, "frontier"))
    if log_cost is None:
        log_cost = bool((points is None or (points["cost_1k"] > 0).all()) and (models["cost_1k"] > 0).all()
                        and fc.min() > 0)
    span = _extent([models["cost_1k"], fc * _PER_1K] + ([] if points is None else [points["cost_1k"]]))
    zero = _mixing_path(ZERO, zc * _PER_1K, zq, log_cost, span)
    oracle = _mixing_path(ORACLE, *_thin(pd.DataFrame({"cost_1k": fc * _PER_1K, "quality": fq}),
                                         _REFERENCE_ROWS)[["cost_1k", "quality"]].to_numpy().T, log_cost, span)
    budget = MAX_CHART_ROWS - len(models) - len(zero) - len(oracle) - len(opoint) - 1
    routers = pd.DataFrame(columns=[*_FRAME_COLUMNS, "cost_1k"])
    if points is not None:
        routers = _thin(points, budget, by="router")
        # the chart draws the exact oracle itself; a swept oracle among the curves keeps a name of its own
        routers["router"] = routers["router"].replace({ORACLE: f"{ORACLE} (swept)"})
    names = list(pd.unique(routers["router"])) + [ORACLE, ZERO]
    x, y = _cost_x(log_cost), _quality_y()
    color = alt.Color("router:N", title="Router", scale=_router_colors(names), sort=names)
    ref_tooltip = [alt.Tooltip("router:N", title="curve"), alt.Tooltip("quality:Q", format=".3f"),
                   alt.Tooltip("cost_1k:Q", title="$ per 1k queries", format=".3f")]

    layers = [
        alt.Chart(zero).mark_line(strokeDash=[5, 4]).encode(x, y, color, tooltip=ref_tooltip),
        alt.Chart(oracle).mark_line(strokeWidth=1.5).encode(x, y, color, tooltip=ref_tooltip),
        alt.Chart(models).mark_point(filled=True, color="#444444", size=50).encode(
            x, y, tooltip=[alt.Tooltip("model:N"), alt.Tooltip("quality:Q", format=".3f"),
                           alt.Tooltip("cost_1k:Q", title="$ per 1k queries", format=".3f")]),
        *_model_labels(models, x, y, log_cost, _extent([models["quality"], zq, fq, [oquality], routers["quality"]]),
                       _extent([models["cost_1k"], zc * _PER_1K, fc * _PER_1K, routers["cost_1k"]])),
        alt.Chart(opoint).mark_point(shape="diamond", filled=True, size=160, color="black").encode(
            x, y, tooltip=ref_tooltip),
        alt.Chart(opoint).mark_text(align="right", dx=-9, fontWeight="bold").encode(x, y, text="label:N"),
    ]
    if not routers.empty:
        layers.append(alt.Chart(routers).mark_line(point=True).encode(
            x, y, color, order=alt.Order("lam:Q", sort="descending"), tooltip=_CURVE_TOOLTIP))
    subtitle = "Single models (grey), zero router (dashed), exact oracle frontier (black)"
    if target is not None:
        rule = pd.DataFrame({"quality": [float(target)], "label": [f"{target_label} {float(target):.3f}"]})
        layers.append(alt.Chart(rule).mark_rule(color="#b22222", strokeDash=[2, 2]).encode(
            y, tooltip=[alt.Tooltip("label:N", title="target")]))
        layers.append(alt.Chart(rule).mark_text(align="left", baseline="bottom", x=4, dy=-3, fontSize=10,
                                                color="#b22222").encode(y, text="label:N"))
        subtitle += f", {target_label} (red, dotted)"
    return alt.layer(*layers).properties(title=alt.Title(title, subtitle=subtitle))


# -- collapse and the routing mix -----------------------------------------------------------------------------
def collapse(curves: pd.DataFrame, oracle: pd.DataFrame | None = None, data: RoutingData | None = None,
             x: str = "lam") -> alt.Chart:
    """Routing collapse: the top model's call rate against the budget, one line per router.

    Parameters
    ----------
    curves : DataFrame
        An evaluate frame; ``top_share`` is each router's call rate of its top model.
    oracle : DataFrame, optional
        The oracle's curve for reference (``metrics.oracle_curve(data)``); computed from ``data`` when only
        ``data`` is given; left out when neither is.
    x : ``"lam"`` or ``"cost"``
        Budget axis: ``lam`` (routers' own budget grids; more money to the right) or the cost they reach
        ($ per 1k queries, comparable across routers whatever their grids).
    """
    if x not in ("lam", "cost"):
        raise ValueError(f"x must be 'lam' or 'cost', got {x!r}")
    frames = [_check_curves(curves, "collapse")]
    if oracle is None and data is not None:
        oracle = metrics.oracle_curve(data)
    if oracle is not None:
        frames.append(_check_curves(oracle, "collapse (oracle)").assign(router=ORACLE))
    points = _thin(_points(pd.concat(frames, ignore_index=True)), MAX_CHART_ROWS, by="router")
    names = list(pd.unique(points["router"]))
    xenc = _budget_x(points["lam"]) if x == "lam" else _cost_x(bool((points["cost_1k"] > 0).all()))
    # Steps, not slopes, on the budget axis: a router's choices change only at breakpoints, and from the
    # smallest one down to lam = 0 they are its lam = 0 choices (the path runs from lam = 0 upwards)
    mark = alt.Chart(points).mark_line(point=True, interpolate="step-after") if x == "lam" else \
        alt.Chart(points).mark_line(point=True)
    return mark.encode(
        xenc,
        alt.Y("top_share:Q", title="Top-model call rate (% of queries)", axis=alt.Axis(format="%"),
              scale=alt.Scale(domain=[0, 1])),
        alt.Color("router:N", title="Router", scale=_router_colors(names), sort=names),
        order=alt.Order("lam:Q", sort="ascending" if x == "lam" else "descending"),
        tooltip=_CURVE_TOOLTIP,
    ).properties(title=alt.Title("Routing collapse", subtitle="Share of queries sent to each router's top model"))


def _one_router(curve: pd.DataFrame, router: str | None, what: str) -> pd.DataFrame:
    curve = _check_curves(curve, what)
    names = list(pd.unique(curve["router"]))
    if router is None:
        if len(names) > 1:
            raise ValueError(f"{what} draws one router and the frame has {len(names)} ({names}): pass router=")
        router = names[0]
    if router not in names:
        raise ValueError(f"router {router!r} is not in the frame; it has {names}")
    return curve[curve["router"] == router]


def routing_mix(curve: pd.DataFrame, router: str | None = None) -> alt.Chart:
    """Share of queries routed to each model against the budget, stacked (one router).

    ``curve``: an evaluate frame of one router, or of several with ``router`` naming the one to draw.
    """
    one = _one_router(curve, router, "routing_mix")
    share_cols = [c for c in one.columns if c.startswith(SHARE_PREFIX)]
    long = one.melt(id_vars=["router", "lam", "quality", "cost"], value_vars=share_cols, var_name="model",
                    value_name="share")
    models = [c[len(SHARE_PREFIX):] for c in share_cols]
    long["model"] = long["model"].str[len(SHARE_PREFIX):]
    long["stack"] = long["model"].map({m: k for k, m in enumerate(models)})
    # the legend names models as the tables do (no provider prefix); the tooltip keeps the full name
    short = {m: m.split("/")[-1] for m in models}
    if len(set(short.values())) < len(short):
        short = {m: m for m in models}
    long["label"] = long["model"].map(short)
    long["cost_1k"] = long["cost"] * _PER_1K
    long = long.drop(columns="cost")
    name = str(one["router"].iloc[0])
    return alt.Chart(long).mark_area(interpolate="step-after", opacity=0.9).encode(
        _budget_x(long["lam"]),
        alt.Y("share:Q", title=SHARE_TITLE, stack="zero", axis=alt.Axis(format="%"),
              scale=alt.Scale(domain=[0, 1], nice=False)),
        alt.Color("label:N", title="Model", sort=[short[m] for m in models],
                  scale=alt.Scale(range=PALETTE)),   # distinct hues first: neighbours never share one
        order=alt.Order("stack:Q"),
        tooltip=[alt.Tooltip("model:N"), alt.Tooltip("share:Q", format=".1%"),
                 alt.Tooltip("lam:Q", title="budget λ", format=".3g"),
                 alt.Tooltip("quality:Q", format=".3f"),
                 alt.Tooltip("cost_1k:Q", title="$ per 1k queries", format=".3f")],
    ).properties(title=alt.Title(f"Routing mix: {name}", subtitle="Share of queries per model at each budget"))


# -- plateau diagnostics --------------------------------------------------------------------------------------
def _table(table_or_choices, data, threshold, fn, what: str) -> pd.DataFrame:
    if isinstance(table_or_choices, pd.DataFrame):
        return table_or_choices
    if data is None:
        raise ValueError(f"{what}: pass the metrics table, or the choices with data=")
    return fn(table_or_choices, data, threshold)


def solved_by_k(table_or_choices: pd.DataFrame | Mapping[str, Any], data: RoutingData | None = None,
                threshold: float = 0.5) -> alt.Chart:
    """How many routers solve each query: a bar per ``k = 0..R``.

    Pass ``metrics.solved_by_k``'s table, or the choices ``{router: (n,) model indices}`` with ``data``.
    Tall bars at both ends and little between: the routers solve the same easy queries and fail the same hard
    ones (the plateau).
    """
    table = _table(table_or_choices, data, threshold, metrics.solved_by_k, "solved_by_k")
    r = int(table["k"].max())
    return alt.Chart(table).mark_bar().encode(
        alt.X("k:O", title=f"Routers that solve the query (count, of {r})", axis=alt.Axis(labelAngle=0)),
        alt.Y("share:Q", title=SHARE_TITLE, axis=alt.Axis(format="%")),
        color=alt.condition(alt.datum.k == 0, alt.value("#e45756"), alt.value("#4c78a8")),
        tooltip=[alt.Tooltip("k:O", title="routers solving"), alt.Tooltip("queries:Q", title="queries"),
                 alt.Tooltip("share:Q", format=".1%")],
    ).properties(title=alt.Title("Solved by k routers", subtitle="Red: queries no router solves"))


def win_loss(table_or_choices: pd.DataFrame | Mapping[str, Any], data: RoutingData | None = None,
             threshold: float = 0.5) -> alt.LayerChart:
    """Paired wins as a heatmap: cell (a, b) = share of queries where router a succeeds and b fails.

    Pass ``metrics.win_loss``'s square table, or the choices ``{router: (n,) model indices}`` with ``data``.
    """
    table = _table(table_or_choices, data, threshold, metrics.win_loss, "win_loss")
    names = [str(n) for n in table.index]
    long = table.rename_axis(index="winner", columns="loser").stack().rename("share").reset_index()
    long[["winner", "loser"]] = long[["winner", "loser"]].astype(str)
    base = alt.Chart(long).encode(
        alt.X("loser:N", title="Router b (fails)", sort=names, axis=alt.Axis(labelAngle=-40)),
        alt.Y("winner:N", title="Router a (succeeds)", sort=names),
        tooltip=[alt.Tooltip("winner:N", title="a succeeds"), alt.Tooltip("loser:N", title="b fails"),
                 alt.Tooltip("share:Q", title="share of queries", format=".1%")],
    )
    top = float(long["share"].max()) or 1.0
    cells = base.mark_rect().encode(alt.Color("share:Q", title=SHARE_TITLE, legend=alt.Legend(format="%"),
                                              scale=alt.Scale(scheme="blues", domain=[0, top])))
    text = base.mark_text(fontSize=10).encode(
        text=alt.Text("share:Q", format=".1%"),
        color=alt.condition(alt.datum.share > top / 2, alt.value("white"), alt.value("black")))
    # cells wide enough for a "12.3%" label
    return (cells + text).properties(
        width=alt.Step(52), height=alt.Step(26),
        title=alt.Title("Paired wins", subtitle=["Cell (a, b): a succeeds where b fails",
                                                 "Mirror cells of equal shade cancel (chance); an uneven pair does not"]))


# -- the plateau -------------------------------------------------------------------------------------------------
_PLATEAU_REFERENCES = {"oracle": ORACLE, "zero": ZERO, ZERO: ZERO, "zero router": ZERO}


def plateau(table: pd.DataFrame, title: str = "The routing plateau", subtitle: str | None = None,
            width: int = 420) -> alt.Chart:
    """Each router's AIQ as a dot (with its interval where given) between the zero router and the oracle.

    ``table`` has one row per router: ``router`` and ``aiq``, optionally ``lo`` and ``hi`` (an interval, e.g. a
    bootstrap CI), ``group`` (colours the dots, e.g. "learned" / "baseline") and ``set`` (one panel per data
    set, each with its own AIQ axis). The rows named ``"oracle"`` and ``"zero"`` (or ``"zero router"``) are
    drawn as dashed reference rules in their panel. Routers are sorted by AIQ within a panel. Dots, not bars:
    AIQs sit far from 0, and a bar would have to start at a cut-off axis.
    """
    if not isinstance(table, pd.DataFrame) or not {"router", "aiq"} <= set(table.columns):
        got = list(table.columns) if isinstance(table, pd.DataFrame) else type(table).__name__
        raise ValueError(f"plateau: expected a DataFrame with columns 'router' and 'aiq'; got {got}")
    frame = table.copy()
    frame["router"] = frame["router"].astype(str)
    frame["aiq"] = pd.to_numeric(frame["aiq"], errors="coerce")
    if frame["aiq"].isna().any():
        raise ValueError(f"plateau: 'aiq' must be a number on every row; missing for "
                         f"{frame.loc[frame['aiq'].isna(), 'router'].tolist()}")
    faceted = "set" in frame.columns
    if not faceted:
        frame["set"] = ""
    for col in ("lo", "hi"):
        if col not in frame.columns:
            frame[col] = np.nan
    frame["reference"] = frame["router"].map(_PLATEAU_REFERENCES)
    refs = frame[frame["reference"].notna()].copy()
    refs["label"] = refs["reference"].map({ORACLE: "oracle", ZERO: "zero router"})
    dots = frame[frame["reference"].isna()].copy()
    if dots.empty:
        raise ValueError("plateau: the table has reference rows only; add at least one router")
    dots["group"] = dots["group"].astype(str) if "group" in dots.columns else "router"
    dots["rank"] = dots.groupby("set")["aiq"].rank(ascending=False, method="first")
    rows = pd.concat([dots.assign(layer="router"), refs.assign(layer="reference")], ignore_index=True)
    rows["set"] = pd.Categorical(rows["set"], categories=list(dict.fromkeys(frame["set"])))
    rows = rows[["set", "router", "aiq", "lo", "hi", "group", "label", "layer", "rank"]]
    rows[["label", "group"]] = rows[["label", "group"]].fillna("")

    x_title = _TITLES["aiq"]
    x = alt.X("aiq:Q", title=x_title, scale=alt.Scale(zero=False, nice=False, padding=12))
    y = alt.Y("router:N", title=None, sort=alt.EncodingSortField("rank", order="ascending"))
    groups = sorted(dots["group"].unique())
    color = alt.Color("group:N", title=None, scale=alt.Scale(domain=groups, range=PALETTE[:len(groups)]),
                      legend=alt.Legend(orient="bottom", symbolOpacity=1, symbolType="circle")
                      if len(groups) > 1 else None)
    tip = [alt.Tooltip("router:N"), alt.Tooltip("aiq:Q", format=".3f"), alt.Tooltip("lo:Q", format=".3f"),
           alt.Tooltip("hi:Q", format=".3f")]

    def panel(name: str, rows: pd.DataFrame) -> alt.LayerChart:
        base = alt.Chart(rows)
        routers = base.transform_filter(alt.datum.layer == "router")
        references = base.transform_filter(alt.datum.layer == "reference")
        layers = [routers.mark_rule(strokeWidth=2, opacity=0.6).encode(
                      alt.X("lo:Q", title=x_title), alt.X2("hi:Q"), y, color, tooltip=tip)
                  .transform_filter("isValid(datum.lo) && isValid(datum.hi)"),
                  routers.mark_point(filled=True, size=60, opacity=1).encode(x, y, color, tooltip=tip),
                  references.mark_rule(color="black", strokeDash=[4, 3]).encode(
                      x, tooltip=[alt.Tooltip("label:N", title="reference"), alt.Tooltip("aiq:Q", format=".3f")]),
                  references.mark_text(align="center", baseline="bottom", y=-4, fontSize=10).encode(x, text="label:N")]
        n = int((rows["layer"] == "router").sum())
        chart = alt.layer(*layers).properties(width=width, height=24 * n)
        return chart.properties(title=alt.Title(name, fontSize=13)) if faceted else chart

    panels = [panel(name, part) for name, part in rows.groupby("set", sort=False)]
    chart = panels[0] if len(panels) == 1 else alt.vconcat(*panels, spacing=28)
    return chart.properties(title=alt.Title(title, subtitle=subtitle or (
        "AIQ per router; line: interval; dashed: zero router (random mixing) and oracle")))


# -- learning curves and score errors -------------------------------------------------------------------------
_TITLES = {
    "n_train": "Training queries (count, log scale)",
    "train_size": "Training queries (count, log scale)",
    "encoder_quality": "Encoder quality (R², 0-1)",
    "aiq": "AIQ (mean quality over the cost range, 0-1)",
    "quality": QUALITY_TITLE,
    "cost": COST_TITLE,
}


def learning_curve(frame: pd.DataFrame, x: str = "n_train", y: str = "aiq", color: str = "router",
                   references: Mapping[str, float] | None = None, x_title: str | None = None,
                   y_title: str | None = None, log_x: bool | None = None,
                   title: str = "Learning curve") -> alt.LayerChart:
    """A metric against a resource (training size, encoder quality...), one line per ``color`` group.

    Rows that repeat an ``(x, color)`` pair (seeds) are averaged, with their min-max range as a band.
    ``references`` draws horizontal rules, e.g. ``{"oracle": 0.975, "zero router": 0.823}``: the band moves a
    little, the oracle stays far. Axis titles default to known columns' titles with units; pass ``x_title`` /
    ``y_title`` for others. ``log_x`` defaults to True for a training size. ``title``: the chart's title.
    """
    missing = [c for c in (x, y, color) if c not in frame.columns]
    if missing:
        raise ValueError(f"learning_curve: the frame has no column(s) {missing}; it has {list(frame.columns)}")
    stats = (frame.groupby([color, x], sort=False)[y].agg(["mean", "min", "max", "count"]).reset_index()
             .rename(columns={"mean": y, "min": "low", "max": "high", "count": "runs"}))
    stats[color] = stats[color].astype(str)
    if log_x is None:
        log_x = x in ("n_train", "train_size")
    x_title = x_title or _TITLES.get(x, x)
    if not log_x:
        x_title = x_title.replace(", log scale", "")
    # on a log axis, ticks at the measured values only: default log ticks crowd (3,000 next to 4,000)
    ticks = sorted(stats[x].unique()) if log_x and stats[x].nunique() <= 12 else None
    xenc = alt.X(f"{x}:Q", title=x_title, scale=alt.Scale(type="log" if log_x else "linear", zero=False, nice=False),
                 axis=alt.Axis(values=[float(t) for t in ticks], labelOverlap=True) if ticks else alt.Undefined)
    y_title = y_title or _TITLES.get(y, y)
    yenc = alt.Y(f"{y}:Q", title=y_title, scale=alt.Scale(zero=False))
    # full-strength swatches: the legend is shared with the bands' pale fill
    cenc = alt.Color(f"{color}:N", title=color.replace("_", " ").capitalize(),
                     legend=alt.Legend(symbolOpacity=1, symbolType="circle"))
    tooltip = [alt.Tooltip(f"{color}:N"), alt.Tooltip(f"{x}:Q", format=".3g"), alt.Tooltip(f"{y}:Q", format=".3f"),
               alt.Tooltip("low:Q", title="min over runs", format=".3f"),
               alt.Tooltip("high:Q", title="max over runs", format=".3f"), alt.Tooltip("runs:Q")]
    base = alt.Chart(stats)
    # every layer repeats the axis title: Vega-Lite would otherwise join the layers' field names into it
    layers = [base.mark_area(opacity=0.18).encode(xenc, alt.Y("low:Q", title=y_title), alt.Y2("high:Q"), cenc,
                                                  tooltip=tooltip),
              base.mark_line(point=True).encode(xenc, yenc, cenc, tooltip=tooltip)]
    if references:
        refs = pd.DataFrame({"reference": list(references), y: [float(v) for v in references.values()]})
        rules = alt.Chart(refs).encode(yenc, tooltip=[alt.Tooltip("reference:N"),
                                                                 alt.Tooltip(f"{y}:Q", format=".3f")])
        layers += [rules.mark_rule(color="black", strokeDash=[4, 3]),
                   rules.mark_text(align="left", x=4, dy=-6, fontSize=10).encode(text="reference:N")]
    runs = int(stats["runs"].max())
    subtitle = f"Mean over up to {runs} runs; band: min to max over runs" if runs > 1 else "One run per point"
    return alt.layer(*layers).properties(title=alt.Title(title, subtitle=subtitle))


def score_error(predicted, data: RoutingData, bins: int = 20, name: str | None = None) -> alt.LayerChart:
    """Predicted scores against the true success probabilities (``data.truth``, simulated data only).

    ``predicted``: a fitted router (its ``predict(data)``) or an ``(n, m)`` array. Every (query, model) pair
    falls in a 2-D bin (``bins`` x ``bins`` over [0, 1]); the heatmap counts them, the line is the mean truth
    per predicted bin (on the diagonal: calibrated) and the title gives the mean absolute error.
    """
    if data.truth is None:
        raise ValueError("score_error needs true success probabilities (data.truth), which only simulated data "
                         "has (routerkit.simulate); on real data compare routers by their routing instead")
    if hasattr(predicted, "predict"):
        name = name or getattr(predicted, "name", type(predicted).__name__)
        predicted = predicted.predict(data)
    pred = np.asarray(predicted, dtype=float)
    if pred.shape != data.truth.shape:
        raise ValueError(f"predicted scores have shape {pred.shape}, the data's truth {data.truth.shape}")
    if int(bins) < 2:
        raise ValueError(f"bins must be at least 2, got {bins}")
    p, t = pred.ravel(), data.truth.ravel()
    edges = np.linspace(0.0, 1.0, int(bins) + 1)

    def bin_of(v):
        return np.clip(np.searchsorted(edges, v, side="right") - 1, 0, int(bins) - 1)

    pb, tb = bin_of(p), bin_of(t)
    cells = (pd.DataFrame({"pb": pb, "tb": tb}).value_counts().rename("pairs").reset_index())
    width = 1.0 / int(bins)
    cells["pred_lo"], cells["true_lo"] = cells["pb"] * width, cells["tb"] * width
    cells["pred_hi"], cells["true_hi"] = cells["pred_lo"] + width, cells["true_lo"] + width
    calib = (pd.DataFrame({"pb": pb, "truth": t, "pred": p}).groupby("pb")
             .agg(pred=("pred", "mean"), truth=("truth", "mean"), pairs=("truth", "size")).reset_index())
    mae = float(np.abs(p - t).mean())
    unit = alt.Scale(domain=[0, 1])
    x_title, y_title = "Predicted score (0-1)", "True success probability (0-1)"
    heat = alt.Chart(cells).mark_rect().encode(
        alt.X("pred_lo:Q", title=x_title, scale=unit), alt.X2("pred_hi:Q"),
        alt.Y("true_lo:Q", title=y_title, scale=unit), alt.Y2("true_hi:Q"),
        alt.Color("pairs:Q", title="(query, model) pairs (count)", scale=alt.Scale(type="log", scheme="greys")),
        tooltip=[alt.Tooltip("pred_lo:Q", title="predicted from", format=".2f"),
                 alt.Tooltip("true_lo:Q", title="true from", format=".2f"), alt.Tooltip("pairs:Q")])
    diagonal = alt.Chart(pd.DataFrame({"pred": [0.0, 1.0], "truth": [0.0, 1.0], "line": "perfect calibration"})
                         ).mark_line(color="#b22222", strokeDash=[4, 3], strokeWidth=1).encode(
        alt.X("pred:Q", title=x_title, scale=unit), alt.Y("truth:Q", title=y_title, scale=unit),
        tooltip=[alt.Tooltip("line:N")])
    line = alt.Chart(calib).mark_line(point=True, color="#f58518").encode(
        alt.X("pred:Q", title=x_title, scale=unit), alt.Y("truth:Q", title=y_title, scale=unit),
        tooltip=[alt.Tooltip("pred:Q", title="mean predicted", format=".3f"),
                 alt.Tooltip("truth:Q", title="mean truth", format=".3f"), alt.Tooltip("pairs:Q")])
    label = f"{name}: " if name else ""
    return alt.layer(heat, diagonal, line).properties(
        title=alt.Title(f"{label}predicted vs true scores (MAE {mae:.3f})",
                        subtitle="Orange: mean truth per predicted bin; dashed: perfect calibration"))


def tie_weight(alphas, shares, alpha_star: float | None = None, floor: float = 1e-3) -> alt.LayerChart:
    """A ranking router's top-model share at the largest budget against its tie weight alpha (log axis).

    ``alphas`` and ``shares``: the swept tie weights and the share of queries each trained router sends to the
    top model at ``lam = 0``. ``alpha = 0`` has no place on a log axis and is drawn at ``floor`` (the axis title
    says so). ``alpha_star``: the weight above which a constant ranker would first prefer a cheaper model to the top
    one, drawn as a labelled rule.
    """
    alphas, shares = np.asarray(alphas, dtype=float), np.asarray(shares, dtype=float)
    if alphas.ndim != 1 or alphas.shape != shares.shape or alphas.size == 0:
        raise ValueError(f"alphas and shares must be 1-D and of one length, got {alphas.shape} and {shares.shape}")
    if (alphas < 0).any() or not np.isfinite(alphas).all():
        raise ValueError("alphas must be finite and >= 0")
    if ((shares < 0) | (shares > 1)).any():
        raise ValueError("shares must lie in [0, 1]")
    frame = pd.DataFrame({"alpha": np.maximum(alphas, floor), "share": shares,
                          "label": [f"α = {a:g}" for a in alphas]})
    x = alt.X("alpha:Q", scale=alt.Scale(type="log"), title=f"Tie weight α (log scale; α = 0 drawn at {floor:g})")
    line = alt.Chart(frame).mark_line(point=True).encode(
        x, alt.Y("share:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]),
                 title="Share of queries to the top model at λ = 0"),
        tooltip=["label:N", alt.Tooltip("share:Q", title="top-model share", format=".1%")])
    layers = [line]
    subtitle = "One trained router per α"
    if alpha_star is not None:
        rule = pd.DataFrame({"alpha": [float(alpha_star)], "label": [f"α* = {float(alpha_star):.3g}"]})
        layers += [alt.Chart(rule).mark_rule(strokeDash=[4, 3], color="#b22222").encode(
                       x, tooltip=[alt.Tooltip("label:N", title="switch point")]),
                   alt.Chart(rule).mark_text(align="left", dx=4, y=8, fontSize=10, color="#b22222").encode(
                       x, text="label:N")]
        subtitle += "; red: α*, above which a constant ranker first prefers a cheaper model to the top one"
    return alt.layer(*layers).properties(title=alt.Title("The tie weight moves the top model's share",
                                                         subtitle=subtitle))
