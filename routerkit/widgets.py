"""Explorers for the notebooks: a budget slider on the frontier, a router picker, a query inspector.

The logic lives in pure functions (``budget_point``, ``budget_summary``, ``pick_routers``, ``query_table``...)
that the tests call directly; the widgets only wire controls to them. Callbacks write widget state (an HTML
widget's ``value``, an Output widget's ``outputs``) and never print: printed text from a callback lands in
whichever cell ran last, which breaks nbval's output comparison.
"""
from __future__ import annotations

import html
from typing import Any, Mapping, Sequence

import altair as alt
import ipywidgets as widgets
import numpy as np
import pandas as pd

from routerkit import plots
from routerkit.data import RoutingData
from routerkit.decision import decide, lam_grid
from routerkit.evaluate import SHARE_PREFIX

__all__ = ["budget_explorer", "router_picker", "query_inspector", "BudgetExplorer", "RouterPicker",
           "QueryInspector", "budget_point", "budget_shares", "budget_summary", "budget_chart", "pick_routers",
           "query_choices", "query_table", "query_html"]


def _show(out: widgets.Output, chart: alt.TopLevelMixin) -> None:
    """Replace an Output widget's contents with ``chart`` (its mime bundle, as the active renderer makes it)."""
    bundle = chart._repr_mimebundle_()
    data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
    out.outputs = ({"output_type": "display_data", "data": data, "metadata": metadata},)


def _routers_in(curves: pd.DataFrame) -> list[str]:
    return [str(n) for n in pd.unique(curves["router"])]


# -- budget explorer ------------------------------------------------------------------------------------------
def budget_point(curves: pd.DataFrame, router: str, lam: float) -> pd.Series:
    """The row of ``router`` in an evaluate frame whose budget is nearest to ``lam``."""
    rows = curves[curves["router"] == router]
    if rows.empty:
        raise ValueError(f"router {router!r} is not in the frame; it has {_routers_in(curves)}")
    return rows.iloc[int(np.argmin(np.abs(rows["lam"].to_numpy() - float(lam))))]


def budget_shares(point: pd.Series) -> pd.DataFrame:
    """Per model, the share of queries routed to it at one operating point (largest first)."""
    shares = point[[c for c in point.index if str(c).startswith(SHARE_PREFIX)]].astype(float)
    table = pd.DataFrame({"model": [c[len(SHARE_PREFIX):] for c in shares.index], "share": shares.to_numpy()})
    return table.sort_values("share", ascending=False, kind="stable").reset_index(drop=True)


def budget_summary(point: pd.Series) -> str:
    """HTML: the operating point's router, budget, quality, cost and top-model share."""
    return (f"<b>{html.escape(str(point['router']))}</b> at budget λ = {point['lam']:.4g}: "
            f"quality <b>{point['quality']:.3f}</b>, cost <b>${point['cost'] * 1000:.3f}</b> per 1k queries, "
            f"{point['top_share']:.1%} of queries to the top model ({html.escape(str(point['top_model']))})")


def budget_chart(base: alt.LayerChart, point: pd.Series) -> alt.VConcatChart:
    """The frontier ``base`` with ``point`` marked, above the routing mix at that point (stacked, not side by
    side: a notebook's output area is narrow)."""
    marker = pd.DataFrame({"cost_1k": [point["cost"] * 1000], "quality": [point["quality"]],
                           "lam": [point["lam"]], "router": [str(point["router"])]})
    mark = alt.Chart(marker).mark_point(shape="circle", size=300, filled=False, strokeWidth=3,
                                        color="#e45756").encode(
        x="cost_1k:Q", y="quality:Q",
        tooltip=[alt.Tooltip("router:N"), alt.Tooltip("lam:Q", title="budget λ", format=".3g"),
                 alt.Tooltip("quality:Q", format=".3f"),
                 alt.Tooltip("cost_1k:Q", title="$ per 1k queries", format=".3f")])
    mix = alt.Chart(budget_shares(point)).mark_bar().encode(
        alt.X("share:Q", title=plots.SHARE_TITLE, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        alt.Y("model:N", title="Model", sort="-x"),
        tooltip=[alt.Tooltip("model:N"), alt.Tooltip("share:Q", format=".1%")],
    ).properties(width=460, title="Routing mix at this budget")
    return alt.vconcat(base + mark, mix)


class BudgetExplorer(widgets.VBox):
    """A router dropdown and a budget slider over its evaluated budgets; the frontier with the chosen point,
    the routing mix there, and a line with quality and cost. Controls: ``router``, ``slider``; views:
    ``summary`` (HTML), ``chart`` (Output)."""

    def __init__(self, curves: pd.DataFrame, data: RoutingData, router: str | None = None):
        self.curves = plots._check_curves(curves, "budget_explorer")
        names = _routers_in(self.curves)
        self.router = widgets.Dropdown(options=names, value=router or names[0], description="Router")
        self.slider = widgets.SelectionSlider(options=[0.0], description="Budget λ", continuous_update=False,
                                              layout=widgets.Layout(width="520px"))
        self.summary = widgets.HTML()
        self.chart = widgets.Output()
        self._base = plots.frontier(self.curves, data)
        self._settling = False
        super().__init__([widgets.HBox([self.router, self.slider]), self.summary, self.chart])
        self.router.observe(self._on_router, names="value")
        self.slider.observe(self._on_budget, names="value")
        self._on_router()

    def _on_router(self, change: Any = None) -> None:
        lams = self.curves.loc[self.curves["router"] == self.router.value, "lam"].to_numpy()
        # large lam (thrifty) on the left, lam = 0 (most money) on the right, like the charts' budget axes
        options = [(f"{lam:.3g}", float(lam)) for lam in np.unique(lams)[::-1]]
        # new options reset the value to their first one: draw once, after the slider has settled on lam = 0
        self._settling = True
        try:
            self.slider.options = options
            self.slider.value = options[-1][1]
        finally:
            self._settling = False
        self._on_budget()

    def _on_budget(self, change: Any = None) -> None:
        if self._settling:
            return
        point = budget_point(self.curves, self.router.value, self.slider.value)
        self.summary.value = budget_summary(point)
        _show(self.chart, budget_chart(self._base, point))


def budget_explorer(curves: pd.DataFrame, data: RoutingData, router: str | None = None) -> BudgetExplorer:
    """A slider over one router's budgets (``curves``: an evaluate frame; ``data``: the queries it was
    measured on): shows the point on the frontier, the routing mix there, quality and cost."""
    return BudgetExplorer(curves, data, router)


# -- router picker --------------------------------------------------------------------------------------------
def pick_routers(curves: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """The rows of the routers ``names`` (in the frame's order)."""
    unknown = [n for n in names if n not in _routers_in(curves)]
    if unknown:
        raise ValueError(f"unknown router(s) {unknown}; the frame has {_routers_in(curves)}")
    return curves[curves["router"].isin(list(names))]


class RouterPicker(widgets.VBox):
    """Tick routers to overlay on the frontier. Control: ``picker`` (SelectMultiple); view: ``chart``."""

    def __init__(self, curves: pd.DataFrame, data: RoutingData, selected: Sequence[str] | None = None):
        self.curves = plots._check_curves(curves, "router_picker")
        self.data = data
        names = _routers_in(self.curves)
        self.picker = widgets.SelectMultiple(options=names, value=tuple(selected or names[:3]),
                                             description="Routers", rows=min(8, len(names)))
        self.chart = widgets.Output()
        super().__init__([self.picker, self.chart])
        self.picker.observe(self._on_pick, names="value")
        self._on_pick()

    def _on_pick(self, change: Any = None) -> None:
        chosen = pick_routers(self.curves, self.picker.value)
        _show(self.chart, plots.frontier(chosen if len(chosen) else None, self.data))


def router_picker(curves: pd.DataFrame, data: RoutingData, selected: Sequence[str] | None = None) -> RouterPicker:
    """Choose which routers of ``curves`` to overlay on the frontier of ``data`` (default: the first three)."""
    return RouterPicker(curves, data, selected)


# -- query inspector ------------------------------------------------------------------------------------------
def query_choices(data: RoutingData, routers: Mapping[str, Any], lam: float) -> dict[str, np.ndarray]:
    """Every router's choice per query at budget ``lam``, then the oracle's (true scores and costs)."""
    choices = {name: np.asarray(r.route(data, float(lam))) for name, r in routers.items()}
    choices[plots.ORACLE] = decide(data.scores, data.costs, float(lam))
    return choices


def query_table(data: RoutingData, choices: Mapping[str, np.ndarray], i: int) -> pd.DataFrame:
    """One row per model for query ``i``: score, true success probability (if known), cost ($ per 1k calls),
    and the routers (and oracle) that chose it."""
    table = pd.DataFrame({"model": data.models, "score": data.scores[i]})
    if data.truth is not None:
        table["truth"] = data.truth[i]
    table["cost_1k"] = data.costs[i] * 1000
    picked = [[name for name, ch in choices.items() if ch[i] == j] for j in range(data.n_models)]
    table["chosen by"] = [", ".join(p) for p in picked]
    return table


def query_html(data: RoutingData, table: pd.DataFrame, i: int) -> str:
    """The query's header (id, task, prompt) and its table, rows chosen by someone highlighted."""
    head = [f"<b>Query {i}</b>"]
    if data.ids is not None:
        head.append(f"id {html.escape(str(data.ids[i]))}")
    if data.tasks is not None:
        head.append(f"task <b>{html.escape(str(data.tasks[i]))}</b>")
    prompt = "" if data.prompts is None else f"<pre style='white-space:pre-wrap'>{html.escape(str(data.prompts[i])[:600])}</pre>"
    cols = {"model": "model", "score": "score", "truth": "P(correct)", "cost_1k": "cost ($ per 1k calls)",
            "chosen by": "chosen by"}
    header = "".join(f"<th>{cols[c]}</th>" for c in table.columns)
    rows = []
    for _, row in table.iterrows():
        style = " style='background:#fde8d4'" if row["chosen by"] else ""
        cells = [html.escape(str(row["model"])), f"{row['score']:.2f}"]
        if "truth" in table.columns:
            cells.append(f"{row['truth']:.2f}")
        cells += [f"{row['cost_1k']:.4f}", html.escape(row["chosen by"])]
        rows.append(f"<tr{style}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (" · ".join(head) + prompt
            + f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


class QueryInspector(widgets.VBox):
    """Pick a query and a budget; see each model's score and cost and who chose what. Controls: ``query``
    (BoundedIntText), ``budget`` (SelectionSlider over the oracle's budget grid); view: ``view`` (HTML)."""

    def __init__(self, data: RoutingData, routers: Mapping[str, Any] | Sequence[Any], query: int = 0):
        self.data = data
        self.routers = dict(routers) if isinstance(routers, Mapping) else {
            getattr(r, "name", type(r).__name__): r for r in routers}
        lams = lam_grid(data.scores, data.costs)[::-1]
        self.query = widgets.BoundedIntText(value=query, min=0, max=len(data) - 1, description="Query")
        self.budget = widgets.SelectionSlider(options=[(f"{lam:.3g}", float(lam)) for lam in lams],
                                              value=0.0, description="Budget λ", continuous_update=False)
        self.view = widgets.HTML()
        super().__init__([widgets.HBox([self.query, self.budget]), self.view])
        self.query.observe(self._on_query, names="value")
        self.budget.observe(self._on_budget, names="value")
        self._on_budget()

    def _on_budget(self, change: Any = None) -> None:
        # routing is vectorised over all queries, so one call per budget serves every query shown after it
        self.choices = query_choices(self.data, self.routers, self.budget.value)
        self._on_query()

    def _on_query(self, change: Any = None) -> None:
        i = int(self.query.value)
        self.view.value = query_html(self.data, query_table(self.data, self.choices, i), i)


def query_inspector(data: RoutingData, routers: Mapping[str, Any] | Sequence[Any], query: int = 0) -> QueryInspector:
    """Inspect one query of ``data``: each model's score and cost, each fitted router's choice (``routers``:
    a dict ``{name: router}`` or a list named by ``router.name``) and the oracle's, at a chosen budget."""
    return QueryInspector(data, routers, query)
