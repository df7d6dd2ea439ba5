"""The measuring instruments: oracle, hull, AIQ, cost at quality, PGR/APGR/CPT, collapse and plateau
diagnostics, bootstrap intervals.

Conventions (used everywhere below)
-----------------------------------
- A *curve* is a set of operating points ``(cost, quality)``: cost in mean USD per query, quality the mean
  score. Functions that take a curve accept two arrays ``(cost, quality)``, a tuple of them, or an
  evaluate-style DataFrame with ``cost`` and ``quality`` columns holding ONE router.
- The *hull* of a curve is its non-decreasing convex hull (``ndch``): what randomly mixing the router's own
  operating points achieves, keeping only the part where spending more buys more. It starts at the curve's
  cheapest point (the best quality at that cost) and ends at the cheapest point of maximal quality; beyond
  that it is extended flat (spending more is always possible, by wasting money); below its cheapest point it
  is undefined (no mix of the router's points is that cheap).
- The *oracle* knows every score: per query the cheapest model among those with the best score. Queries no
  model solves (best score 0) are charged the cheapest model's cost (``no_success_cost="cheapest"``, the
  default: a real system still pays for a call) or 0 (``"zero"``: RouterBench's convention, no call).
- *Success* of a call (plateau diagnostics) is ``score >= threshold`` (default 0.5: on 0/1 data, a correct
  answer).
- The common cost range of AIQ is ``cost_range(data)``: from the mean cost of the cheapest single model to
  that of the most expensive one (all queries to the cheapest model, all to the dearest).
- *Equal costs*: where every model has the same mean cost ``c`` (self-hosted models billed alike, equal
  prices, or all free: ``c = 0``), the range is ``(c, c)`` and has no width. AIQ over it is the limit of the
  normalised area over ``[c, c + eps]`` as ``eps -> 0``: the hull's quality at ``c``, i.e. the best quality
  the router reaches at that cost (0 if it cannot be that cheap). With costs equal on every query (each
  query costs the same whichever model answers) every routing costs ``c``, so AIQ is simply the best
  quality among the router's operating points: the oracle's AIQ is its quality, the zero router's the best
  single model's.
- Costs that differ by at most a relative ``1e-12`` (``_SAME_COST``) are the same spend summed in another
  order (e.g. a router's all-cheapest routing and ``cost_range``'s ``c_min``), not a cheaper one: a budget
  that far below a curve's cheapest point reads as that point.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Mapping, NamedTuple

import numpy as np
import pandas as pd

from routerkit.data import RoutingData
from routerkit.decision import _walk, check_lams, decide, lam_grid
from routerkit.evaluate import SHARE_PREFIX, best_model, cheapest_model, choice_matrix, sweep_frame

__all__ = [
    "OracleChoice", "oracle_choice", "oracle_curve", "oracle_frontier",
    "single_model_points", "cost_range", "ndch", "zero_router",
    "aiq", "aiq_table", "quality_at_cost", "cost_at_quality", "savings",
    "Anchors", "anchors", "pgr", "apgr", "cpt",
    "selection_entropy", "collapse_table", "tie_rate", "excess_cost",
    "Band", "plateau_band", "agreement", "win_loss", "solved_by_k", "hard_query_share",
    "Interval", "bootstrap", "curve_interval", "PlateauIntervals", "plateau_intervals",
]

_NO_SUCCESS = ("cheapest", "zero")
# relative: mean costs this close are one spend summed in two orders (rounding), not two different spends
_SAME_COST = 1e-12


# ---------------------------------------------------------------------------------------------------------
# curves: input handling
# ---------------------------------------------------------------------------------------------------------
def _curve(cost, quality=None, what: str = "curve") -> tuple[np.ndarray, np.ndarray]:
    """``(cost, quality)`` float arrays from arrays, a pair, or a one-router frame; validated."""
    if quality is None:
        if isinstance(cost, pd.DataFrame):
            frame = cost
            missing = [col for col in ("cost", "quality") if col not in frame.columns]
            if missing:
                raise ValueError(f"{what}: the frame has no {missing} column(s); it needs 'cost' and 'quality'")
            if "router" in frame.columns and frame["router"].nunique() > 1:
                names = list(pd.unique(frame["router"]))
                raise ValueError(f"{what}: the frame holds {len(names)} routers {names}; pass one "
                                 f"(frame[frame.router == name]) or use aiq_table")
            cost, quality = frame["cost"].to_numpy(), frame["quality"].to_numpy()
        elif isinstance(cost, tuple) and len(cost) == 2:
            cost, quality = cost
        else:
            raise ValueError(f"{what}: give cost and quality arrays, a (cost, quality) pair, or a frame with "
                             f"'cost' and 'quality' columns")
    try:
        c = np.asarray(cost, dtype=float)
        q = np.asarray(quality, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what}: cost and quality must be numeric: {exc}") from None
    if c.ndim == 0:
        c = c.reshape(1)
    if q.ndim == 0:
        q = q.reshape(1)
    if c.ndim != 1 or q.ndim != 1:
        raise ValueError(f"{what}: cost and quality must be 1-D, got shapes {c.shape} and {q.shape}")
    if c.size != q.size:
        raise ValueError(f"{what}: cost has {c.size} points but quality has {q.size}")
    if c.size == 0:
        raise ValueError(f"{what} is empty: it needs at least one (cost, quality) point")
    for name, arr in (("cost", c), ("quality", q)):
        bad = ~np.isfinite(arr)
        if bad.any():
            raise ValueError(f"{what}: {name} has {int(bad.sum())} NaN or infinite values, first at point "
                             f"{int(np.argmax(bad))}")
    return c, q


def _check_mode(no_success_cost: str) -> None:
    if no_success_cost not in _NO_SUCCESS:
        raise ValueError(f"no_success_cost must be 'cheapest' (charge the cheapest model's call) or 'zero' "
                         f"(no call, cost 0), got {no_success_cost!r}")


def _charged_costs(data: RoutingData, no_success_cost: str) -> np.ndarray:
    """``data.costs`` with the rows of unsolvable queries zeroed under the 'zero' convention."""
    _check_mode(no_success_cost)
    if no_success_cost == "cheapest":
        return data.costs
    costs = np.array(data.costs)
    costs[data.scores.max(axis=1) == 0] = 0.0
    return costs


# ---------------------------------------------------------------------------------------------------------
# oracle and single models
# ---------------------------------------------------------------------------------------------------------
class OracleChoice(NamedTuple):
    """The per-query oracle. ``choice`` (n,) model index; ``cost`` (n,) USD charged; ``score`` (n,) the
    query's best score. Unpacks as ``choice, cost, score = oracle_choice(data)``."""

    choice: np.ndarray
    cost: np.ndarray
    score: np.ndarray

    @property
    def point(self) -> tuple[float, float]:
        """``(mean cost, mean quality)``: the oracle's operating point."""
        return float(self.cost.mean()), float(self.score.mean())


def oracle_choice(data: RoutingData, no_success_cost: str = "cheapest") -> OracleChoice:
    """Per query, the cheapest model among those with the best score (ties in cost: the lower index).

    This is the decision rule at ``lam = 0`` on the true scores and costs. Where no model succeeds (best
    score 0) every model ties, so the choice is the query's cheapest model; it is charged its cost
    (``"cheapest"``) or nothing (``"zero"``: no call is made; ``choice`` still names the cheapest model so
    that shares stay defined).
    """
    _check_mode(no_success_cost)
    choice = decide(data.scores, data.costs, 0.0)
    rows = np.arange(len(data))
    cost = _charged_costs(data, no_success_cost)[rows, choice]
    return OracleChoice(choice, np.array(cost), data.scores[rows, choice].copy())


def oracle_curve(data: RoutingData, lams=None, no_success_cost: str = "cheapest") -> pd.DataFrame:
    """The budgeted oracle: per query ``argmax_j score_ij - lam * cost_ij`` (true values), ties to the cheaper.

    Returns an evaluate-style frame (router ``"oracle"``). Default ``lams``:
    ``decision.lam_grid(data.scores, data.costs)``. At ``lam = 0`` it is ``oracle_choice``; at the largest
    default budget every query goes to its cheapest model. Between grid points the exact oracle frontier
    may bulge above the chords: ``oracle_frontier`` gives every vertex.
    """
    costs = _charged_costs(data, no_success_cost)
    grid = lam_grid(data.scores, data.costs) if lams is None else check_lams(lams)[0]
    choices = decide(data.scores, data.costs, grid)
    return sweep_frame("oracle", grid, choices, data, data.models[best_model(data)], costs=costs)


def oracle_frontier(data: RoutingData, no_success_cost: str = "cheapest") -> tuple[np.ndarray, np.ndarray]:
    """The exact cost-quality frontier of routing with known scores: ``(cost, quality)`` vertices.

    Every deterministic routing's point lies on or below it, and every point on it is reached by the budgeted
    oracle at some ``lam`` (vertices) or a mix of two neighbouring budgets (edges). Computed from every
    breakpoint of every query (one sort of at most ``n (m - 1)`` events, no grid), cumulating the changes of
    total score and cost; returned through ``ndch`` (increasing cost and quality, collinear points dropped).
    Where no budget changes a decision (every model costs the same on each query, or all are free) it is the
    single point of ``oracle_choice``.
    """
    costs = _charged_costs(data, no_success_cost)
    s = data.scores
    walk = _walk(s, data.costs)
    n = len(data)
    rows = np.arange(n)
    q0 = math.fsum(s[rows, walk.first])
    c0 = math.fsum(costs[rows, walk.first])
    order = np.argsort(walk.lam, kind="stable")
    qi, old, new, lam = walk.query[order], walk.old[order], walk.new[order], walk.lam[order]
    dq = s[qi, new] - s[qi, old]
    dc = costs[qi, new] - costs[qi, old]
    # partial sums in extended precision, so the vertices carry (almost) no accumulated rounding
    cq = (np.longdouble(q0) + np.cumsum(dq, dtype=np.longdouble)).astype(float)
    cc = (np.longdouble(c0) + np.cumsum(dc, dtype=np.longdouble)).astype(float)
    last_of_group = np.ones(lam.size, dtype=bool)
    if lam.size:
        last_of_group[:-1] = lam[1:] != lam[:-1]
    total_q = np.concatenate([[q0], cq[last_of_group]]) / n
    total_c = np.concatenate([[c0], cc[last_of_group]]) / n
    return ndch(total_c, total_q)


def single_model_points(data: RoutingData) -> pd.DataFrame:
    """One row per model: ``model``, ``quality`` (mean score), ``cost`` (mean USD per query)."""
    return pd.DataFrame({"model": list(data.models), "quality": data.scores.mean(axis=0),
                         "cost": data.costs.mean(axis=0)})


def cost_range(data: RoutingData) -> tuple[float, float]:
    """The default AIQ range ``(c_min, c_max)``: mean cost of the cheapest and of the dearest single model.

    ``(c, c)`` when every model has the same mean cost (equal prices, or all free: ``(0.0, 0.0)``); ``aiq``
    over that zero-width range is defined (see the module docstring).
    """
    c = data.costs.mean(axis=0)
    return float(c.min()), float(c.max())


# ---------------------------------------------------------------------------------------------------------
# hull, AIQ, cost at quality
# ---------------------------------------------------------------------------------------------------------
def ndch(cost, quality=None) -> tuple[np.ndarray, np.ndarray]:
    """The non-decreasing convex hull of a curve: ``(cost, quality)`` of its vertices, cost increasing.

    Algorithm, O(p log p) for p points:

    1. sort by cost, ties by quality descending;
    2. keep the points whose quality is strictly above every cheaper (or equally cheap) point (the Pareto
       front, in one vectorised running maximum): a dominated point is never a vertex of the
       non-decreasing part, and this cuts the hull to the part that starts at the cheapest point and ends at
       the cheapest point of maximal quality;
    3. Andrew's monotone chain upper hull over those points: a point is popped when it lies on or below
       the segment joining its neighbours (cross product >= 0, evaluated exactly as stored: no tolerance, so
       a point above a chord by any representable margin is kept), so collinear points are dropped.

    The result is concave, strictly increasing in cost and in quality, and lies on or above every input
    point whose cost is at least its first cost (extended flat to the right of its last vertex).
    """
    c, q = _curve(cost, quality, "ndch")
    order = np.lexsort((-q, c))
    c, q = c[order], q[order]
    keep = np.ones(c.size, dtype=bool)
    if c.size > 1:
        keep[1:] = q[1:] > np.maximum.accumulate(q)[:-1]
    hc: list[float] = []
    hq: list[float] = []
    for x, y in zip(c[keep].tolist(), q[keep].tolist()):
        while len(hc) >= 2 and (hc[-1] - hc[-2]) * (y - hq[-2]) - (hq[-1] - hq[-2]) * (x - hc[-2]) >= 0:
            hc.pop()
            hq.pop()
        hc.append(x)
        hq.append(y)
    return np.array(hc), np.array(hq)


def zero_router(data: RoutingData) -> tuple[np.ndarray, np.ndarray]:
    """The zero router: ``ndch`` of the single-model points (randomly mixing whole models, no query
    information). Its AIQ, ``aiq(*zero_router(data), *cost_range(data))``, is the floor a router must beat:
    it starts at the cheapest model, exactly ``c_min``. Where every model has the same mean cost the hull is
    one point, ``(c, best single model's quality)``, and that quality is its AIQ."""
    return ndch(data.costs.mean(axis=0), data.scores.mean(axis=0))


def _before_start(c, c0: float):
    """Is budget ``c`` cheaper than a hull's first cost ``c0`` (beyond rounding, see ``_SAME_COST``)?"""
    return c < c0 - _SAME_COST * abs(c0)


def _height(hc: np.ndarray, hq: np.ndarray, c: float) -> float:
    """The hull's quality at budget ``c``: flat right of its last vertex, 0 before its first."""
    return 0.0 if _before_start(c, hc[0]) else float(np.interp(c, hc, hq))


def _hull_area(hc: np.ndarray, hq: np.ndarray, a: float, b: float) -> float:
    """Exact integral over [a, b] of the hull (flat right of its last vertex, 0 left of its first; an ``a``
    below the first by rounding only starts the hull at ``a``)."""
    lo = hc[0] if _before_start(a, hc[0]) else a
    if lo >= b:
        return 0.0
    inner = hc[(hc > lo) & (hc < b)]
    xs = np.concatenate([[lo], inner, [b]])
    ys = np.interp(xs, hc, hq)
    return float(np.sum((xs[1:] - xs[:-1]) * (ys[1:] + ys[:-1])) / 2.0)


def _check_range(c_min, c_max, need_min: bool = True) -> tuple[float | None, float]:
    if c_max is None or (need_min and c_min is None):
        raise ValueError("give the common cost range c_min and c_max (e.g. metrics.cost_range(data))")
    c_max = float(c_max)
    c_min = None if c_min is None else float(c_min)
    if not math.isfinite(c_max) or (c_min is not None and not math.isfinite(c_min)):
        raise ValueError(f"c_min and c_max must be finite, got {c_min} and {c_max}")
    if c_min is not None and c_min > c_max:
        raise ValueError(f"c_min must be <= c_max, got c_min={c_min:g} > c_max={c_max:g}")
    return c_min, c_max


def aiq(cost, quality=None, c_min=None, c_max=None, variant: str = "normalized") -> float:
    """Average Improvement in Quality (RouterBench): the mean height of the router's hull over a cost range.

    ``variant="normalized"`` (default)::

        AIQ = 1 / (c_max - c_min) * integral_{c_min}^{c_max} H(c) dc

    where ``H`` is ``ndch`` of the curve, extended flat beyond its last vertex, and counted as 0 below its
    cheapest point ``c_0`` (no mix of the router's points costs less; a sweep that reaches the all-cheapest
    routing, as evaluate's default grid does, starts at or below ``c_min``, up to a rounding that counts as
    no gap (``_SAME_COST``), and is unaffected). Parts of the hull outside ``[c_min, c_max]`` are ignored.
    Same range for every router => comparable numbers; the oracle's is the ceiling, the zero router's the
    floor. Use ``cost_range(data)`` for the range.

    ``variant="routerbench"``: RouterBench's released code (``evaluation/AIQ.py``)::

        AIQ_RB = 1 / c_max * integral_{c_0}^{c_max} H(c) dc

    it integrates from the router's own cheapest point ``c_0`` and divides by ``c_max`` (the largest cost
    of all compared curves), not by the range's width; ``c_min`` is not used (may be None). The two agree
    only when ``c_0 = c_min = 0``; with ``c_0 = c_min > 0`` RouterBench's is smaller by the factor
    ``(c_max - c_min) / c_max``, and a router whose hull starts cheaper than ``c_min`` is credited for the
    area below ``c_min`` too.

    Zero-width range (every model costs the same, so ``cost_range`` gives ``c_min = c_max = c``): AIQ is the
    limit of the normalised area over ``[c, c + eps]`` as ``eps -> 0``, the hull's quality ``H(c)`` (0 if the
    curve's cheapest point is dearer than ``c``). The routerbench variant with ``c_max = 0`` (all models
    free) is its limit the same way: ``H(0)``; with equal costs ``c > 0`` it integrates from each curve's
    first cost ``c`` to ``c_max = c``, over nothing, and is 0 for every router: use the normalised variant.

    A single point ``(c_0, q)`` (one model, or one fixed routing) is its own hull: its AIQ over a range with
    ``c_min <= c_0 <= c_max`` is ``q (c_max - c_0) / (c_max - c_min)``, its quality times the share of the
    range at or above its cost: ``q`` for the cheapest model, 0 for the dearest. That measures where the
    point sits in the range, not how good the model is: a single model's AIQ is not meaningful on its own
    (compare models by quality and cost, or mix them: ``zero_router``).

    Exact: the integral of the piecewise-linear hull is a sum of trapezoids over its vertices and the range
    ends, with no sampling.
    """
    if variant not in ("normalized", "routerbench"):
        raise ValueError(f"variant must be 'normalized' or 'routerbench', got {variant!r}")
    c_min, c_max = _check_range(c_min, c_max, need_min=variant == "normalized")
    hc, hq = ndch(cost, quality)
    if variant == "normalized":
        if c_min == c_max:
            return _height(hc, hq, c_max)
        return _hull_area(hc, hq, c_min, c_max) / (c_max - c_min)
    if c_max < 0 or (c_max == 0 and hc[0] < 0):
        raise ValueError(f"the routerbench variant divides by c_max: it needs c_max > 0, or c_max = 0 with no "
                         f"point of the curve below cost 0; got c_max={c_max:g}, cheapest point {hc[0]:g}")
    if c_max == 0:
        return _height(hc, hq, 0.0)
    return _hull_area(hc, hq, hc[0], c_max) / c_max


def aiq_table(frame: pd.DataFrame, c_min=None, c_max=None, variant: str = "normalized") -> pd.Series:
    """AIQ of every router in an evaluate frame (Series indexed by router name, in order of appearance)."""
    if not isinstance(frame, pd.DataFrame) or "router" not in frame.columns:
        raise ValueError("aiq_table needs an evaluate frame with a 'router' column")
    if frame.empty:
        raise ValueError("aiq_table: the frame is empty")
    names = list(pd.unique(frame["router"]))
    values = [aiq(frame[frame["router"] == nm], None, c_min, c_max, variant) for nm in names]
    return pd.Series(values, index=pd.Index(names, name="router"), name="aiq")


def quality_at_cost(cost, quality=None, c=None) -> float | np.ndarray:
    """Hull quality at budget ``c`` (mean USD per query): linear along hull edges, flat beyond the last
    vertex, NaN below the curve's cheapest point. ``c`` may be an array.

    A cost below the cheapest point by at most a relative ``1e-12`` reads as that point: it is the same
    routing's mean cost summed in another order (e.g. a router's all-cheapest routing against
    ``oracle_frontier``'s first vertex), not a cheaper one.
    """
    if c is None:
        raise ValueError("give the cost c at which to read the hull")
    hc, hq = ndch(cost, quality)
    ca = np.asarray(c, dtype=float)
    if not np.isfinite(ca).all():
        raise ValueError("c must be finite")
    below = _before_start(ca, hc[0])
    out = np.where(below, np.nan, np.interp(ca, hc, hq))
    return float(out) if out.ndim == 0 else out


def cost_at_quality(cost, quality=None, q=None) -> float | np.ndarray:
    """Least mean cost at which the hull reaches quality ``q``: linear interpolation along hull edges.

    ``q`` at or below the hull's first quality costs the hull's first (cheapest) cost; ``q`` above its
    maximum quality is never reached: NaN. ``q`` may be an array.
    """
    if q is None:
        raise ValueError("give the target quality q")
    hc, hq = ndch(cost, quality)
    qa = np.asarray(q, dtype=float)
    if not np.isfinite(qa).all():
        raise ValueError("q must be finite")
    out = np.where(qa > hq[-1], np.nan, np.interp(qa, hq, hc))
    return float(out) if out.ndim == 0 else out


def savings(a, b, q) -> float | np.ndarray:
    """Relative saving of curve ``a`` over curve ``b`` at target quality ``q``::

        savings = 1 - cost_at_quality(a, q) / cost_at_quality(b, q)

    ``a`` and ``b``: ``(cost, quality)`` pairs or one-router frames. NaN where either never reaches ``q`` or
    ``b``'s cost is 0 and ``a``'s is not (no finite ratio); 0 where both cost 0 (free models: nothing to
    save). Positive: ``a`` is cheaper at that quality.
    """
    ca = np.asarray(cost_at_quality(a, None, q), dtype=float)
    cb = np.asarray(cost_at_quality(b, None, q), dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(cb == 0, np.where(ca == 0, 0.0, np.nan), 1.0 - ca / np.where(cb == 0, 1.0, cb))
    return float(out) if np.ndim(out) == 0 else out


# ---------------------------------------------------------------------------------------------------------
# PGR, APGR, CPT: RouteLLM's metrics, generalised to many models
# ---------------------------------------------------------------------------------------------------------
class Anchors(NamedTuple):
    """The weak and strong reference models of PGR: names, mean qualities and mean costs."""

    weak: str
    strong: str
    q_weak: float
    q_strong: float
    c_weak: float
    c_strong: float


def anchors(data: RoutingData, weak: str | None = None, strong: str | None = None) -> Anchors:
    """Weak model (default: the cheapest single model, ``evaluate.cheapest_model``) and strong model
    (default: the best single model, ``evaluate.best_model``) with their mean quality and cost on ``data``."""
    w = cheapest_model(data) if weak is None else data.model_index(weak)
    s = best_model(data) if strong is None else data.model_index(strong)
    q = data.scores.mean(axis=0)
    c = data.costs.mean(axis=0)
    a = Anchors(data.models[w], data.models[s], float(q[w]), float(q[s]), float(c[w]), float(c[s]))
    if w == s:
        raise ValueError(f"PGR's weak and strong models are both {a.weak!r}: the cheapest model is also the "
                         f"best (as when every model costs the same); name them with weak= and strong=")
    if not a.q_strong > a.q_weak:
        raise ValueError(f"PGR needs the strong model to score higher than the weak one: {a.strong!r} has "
                         f"{a.q_strong:.6g}, {a.weak!r} has {a.q_weak:.6g}")
    return a


def pgr(quality, data: RoutingData, weak: str | None = None, strong: str | None = None):
    """Performance Gap Recovered::

        PGR = (q_router - q_weak) / (q_strong - q_weak)

    RouteLLM's definition (Ong et al. 2024, arXiv 2406.18665), unchanged for many models: only the two
    anchors need naming (see ``anchors``). 0 = the weak model's quality, 1 = the strong model's. ``quality``:
    a number, an array, or a frame (its ``quality`` column).
    """
    a = anchors(data, weak, strong)
    qa = quality["quality"].to_numpy() if isinstance(quality, pd.DataFrame) else np.asarray(quality, float)
    out = (qa - a.q_weak) / (a.q_strong - a.q_weak)
    return float(out) if np.ndim(out) == 0 else out


def _axis_curve(curve, a: Anchors, axis: str, what: str) -> tuple[np.ndarray, np.ndarray, float, float]:
    if axis == "cost":
        x, q = _curve(curve, None, what)
        if not a.c_strong > a.c_weak:
            raise ValueError(f"axis='cost' needs the strong model to cost more than the weak one: "
                             f"{a.strong!r} costs {a.c_strong:.6g}, {a.weak!r} {a.c_weak:.6g}; use axis='share'")
        return x, q, a.c_weak, a.c_strong
    if axis == "share":
        if isinstance(curve, pd.DataFrame):
            col = SHARE_PREFIX + a.strong
            if col not in curve.columns:
                raise ValueError(f"{what}: axis='share' needs the frame's {col!r} column")
            if "router" in curve.columns and curve["router"].nunique() > 1:
                raise ValueError(f"{what}: the frame holds several routers; pass one")
            x, q = _curve(curve[col].to_numpy(), curve["quality"].to_numpy(), what)
        else:
            x, q = _curve(curve, None, what)
        return x, q, 0.0, 1.0
    raise ValueError(f"axis must be 'cost' or 'share', got {axis!r}")


def apgr(curve, data: RoutingData, weak: str | None = None, strong: str | None = None,
         axis: str = "cost") -> float:
    """Average Performance Gap Recovered: the mean PGR of the router's hull across the budget range.

    RouteLLM (two models) defines ``APGR = integral_0^1 PGR(R_alpha) d c(R_alpha)`` with ``c`` the share
    of calls to the strong model, sweeping the router's threshold from all-weak (0) to all-strong (1).

    Generalisation: the x axis is the normalised cost ``u = (cost - c_weak) / (c_strong - c_weak)``
    (``axis="cost"``, default) or RouteLLM's share of calls to the strong model (``axis="share"``), and the
    curve is the router's hull ``H`` (``ndch``) in that plane::

        APGR = integral_0^1 (H(u) - q_weak) / (q_strong - q_weak) du
             = (AIQ over [x_weak, x_strong] - q_weak) / (q_strong - q_weak)

    with AIQ's conventions (flat beyond the last vertex, quality 0 below the curve's cheapest point). With
    two models whose per-call costs are constant, ``u`` IS the share of strong calls, so both axes give
    RouteLLM's number whenever the router's raw curve is already concave and non-decreasing (RouteLLM's
    code integrates the raw points by trapezoids; the hull is what mixing the router's operating points
    achieves, and is never lower). A frame needs a ``share:<strong>`` column for ``axis="share"``.
    """
    a = anchors(data, weak, strong)
    x, q, lo, hi = _axis_curve(curve, a, axis, "apgr")
    area = aiq(x, q, lo, hi, "normalized")
    return (area - a.q_weak) / (a.q_strong - a.q_weak)


def cpt(curve, data: RoutingData, x=0.5, weak: str | None = None, strong: str | None = None,
        axis: str = "cost", normalized: bool = True):
    """Call-Performance Threshold: the least budget at which the router's hull reaches PGR ``x``.

    RouteLLM: ``CPT(x%)`` = the minimum share of calls to the strong model needed to reach PGR ``x%``.
    Generalised: the target quality is ``q_weak + x (q_strong - q_weak)`` and the budget is read off the hull
    with ``cost_at_quality``: with ``axis="cost"`` as the normalised cost
    ``(cost - c_weak) / (c_strong - c_weak)`` (``normalized=True``, comparable to RouteLLM's share; below 0
    if the router is cheaper than the weak model) or in USD per query (``normalized=False``); with
    ``axis="share"`` as the share of strong calls. ``x`` is a fraction (0.5 for CPT(50%)), a number or an
    array. NaN where the hull never reaches the target.
    """
    a = anchors(data, weak, strong)
    xs, q, lo, hi = _axis_curve(curve, a, axis, "cpt")
    xa = np.asarray(x, dtype=float)
    if not np.isfinite(xa).all():
        raise ValueError("x (the PGR target, a fraction) must be finite")
    target = a.q_weak + xa * (a.q_strong - a.q_weak)
    budget = np.asarray(cost_at_quality(xs, q, target), dtype=float)
    if axis == "cost" and normalized:
        budget = (budget - lo) / (hi - lo)
    return float(budget) if budget.ndim == 0 else budget


# ---------------------------------------------------------------------------------------------------------
# collapse diagnostics
# ---------------------------------------------------------------------------------------------------------
def _share_matrix(shares) -> tuple[np.ndarray, pd.Index | None]:
    if isinstance(shares, pd.DataFrame):
        cols = [col for col in shares.columns if str(col).startswith(SHARE_PREFIX)]
        if not cols:
            raise ValueError(f"the frame has no '{SHARE_PREFIX}<model>' columns")
        return shares[cols].to_numpy(dtype=float), shares.index
    arr = np.asarray(shares, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"shares must be (L, m) or (m,), got shape {arr.shape}")
    return arr, None


def selection_entropy(shares):
    """Normalised entropy of the model shares per budget::

        H = - sum_j p_j ln p_j / ln m        (0 ln 0 = 0)

    1 = queries spread evenly over the ``m`` models, 0 = all to one model (collapse). ``shares``: an
    evaluate frame (its ``share:`` columns; returns a Series on the frame's index), an (L, m) array or one
    (m,) row (returns an array).
    """
    p, index = _share_matrix(shares)
    m = p.shape[1]
    if m < 2:
        raise ValueError("selection entropy needs at least 2 models")
    if not np.isfinite(p).all() or (p < 0).any():
        raise ValueError("shares must be finite and non-negative")
    sums = p.sum(axis=1)
    if not np.allclose(sums, 1.0, rtol=0, atol=1e-9):
        k = int(np.argmax(np.abs(sums - 1.0)))
        raise ValueError(f"shares must sum to 1 on each row; row {k} sums to {sums[k]:.12g}")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    h = -terms.sum(axis=1) / math.log(m)
    h = np.clip(h, 0.0, 1.0) + 0.0  # + 0.0 turns -0.0 (one model takes everything) into 0.0
    return pd.Series(h, index=index, name="entropy") if index is not None else h


def collapse_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Routing-collapse view of an evaluate frame: per router and budget, ``top_share`` (the top model's
    call rate) and ``entropy`` (``selection_entropy``), with ``lam``, ``quality`` and ``cost``."""
    needed = ["router", "lam", "quality", "cost", "top_model", "top_share"]
    missing = [col for col in needed if col not in frame.columns]
    if missing:
        raise ValueError(f"collapse_table needs an evaluate frame; missing columns {missing}")
    out = frame[needed].copy()
    out["entropy"] = selection_entropy(frame)
    return out


def tie_rate(data, tol: float = 0.0) -> float:
    """Share of queries where two or more models reach the query's best score (within ``tol``)::

        tie_rate = mean_i [ #{j : s_ij >= max_k s_ik - tol} >= 2 ]

    ``data``: a RoutingData or an (n, m) score array. On 0/1 scores with ``tol = 0`` this counts queries
    that several models answer correctly, or that none does (all tie at 0).
    """
    s = data.scores if isinstance(data, RoutingData) else np.asarray(data, dtype=float)
    if s.ndim != 2 or s.shape[0] == 0:
        raise ValueError(f"scores must be a non-empty (n, m) array, got shape {s.shape}")
    if not np.isfinite(s).all():
        raise ValueError("scores have NaN or infinite values")
    if not (tol >= 0 and math.isfinite(tol)):
        raise ValueError(f"tol must be finite and >= 0, got {tol}")
    best = s.max(axis=1, keepdims=True)
    return float(((s >= best - tol).sum(axis=1) >= 2).mean())


def excess_cost(curve, data: RoutingData, no_success_cost: str = "cheapest") -> pd.DataFrame:
    """Excess cost over the oracle frontier at equal quality, per operating point.

    For a point ``(cost, quality)``: ``oracle_cost = cost_at_quality(oracle_frontier(data), quality)``,
    ``excess_cost = cost - oracle_cost`` (USD per query) and ``excess_ratio = excess_cost / oracle_cost``
    (0 where both costs are 0, as with free models; NaN where only ``oracle_cost`` is 0). An excess within
    a relative ``1e-12`` of ``oracle_cost`` is rounding (the same spend summed in another order, as when
    every model costs the same) and is reported as 0. Both are >= 0 for any routing of ``data``. Returns
    the input frame with the three columns added, or a new frame ``cost, quality, oracle_cost,
    excess_cost, excess_ratio`` for arrays.
    """
    if isinstance(curve, pd.DataFrame):
        missing = [col for col in ("cost", "quality") if col not in curve.columns]
        if missing:
            raise ValueError(f"excess_cost: the frame has no {missing} column(s)")
        c, q = _curve(curve["cost"].to_numpy(), curve["quality"].to_numpy(), "excess_cost")
        out = curve.copy()
    else:
        c, q = _curve(curve, None, "excess_cost")
        out = pd.DataFrame({"cost": c, "quality": q})
    fc, fq = oracle_frontier(data, no_success_cost)
    oc = np.asarray(cost_at_quality(fc, fq, q), dtype=float)
    excess = c - oc
    # the oracle's spend summed in another order (e.g. every model costs the same): rounding, not excess
    excess[np.abs(excess) <= _SAME_COST * np.abs(oc)] = 0.0
    out["oracle_cost"] = oc
    out["excess_cost"] = excess
    with np.errstate(divide="ignore", invalid="ignore"):
        out["excess_ratio"] = np.where(oc > 0, excess / np.where(oc > 0, oc, 1.0),
                                       np.where(excess == 0, 0.0, np.nan))
    return out


# ---------------------------------------------------------------------------------------------------------
# plateau diagnostics
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Band:
    """The routing plateau in numbers (see ``plateau_band``)."""

    aiq: pd.Series
    lo: float
    hi: float
    width: float
    oracle_aiq: float
    zero_aiq: float
    gap: float
    ratio: float
    at_cost: float | None = None
    quality: pd.Series | None = None
    quality_width: float | None = None
    oracle_quality: float | None = None
    quality_gap: float | None = None
    quality_ratio: float | None = None


def plateau_band(frame: pd.DataFrame, data: RoutingData, c_min=None, c_max=None, at_cost=None,
                 no_success_cost: str = "cheapest") -> Band:
    """Band width of a set of routers against their gap to the oracle.

    AIQ (normalised, over ``[c_min, c_max]``, default ``cost_range(data)``) of every router in ``frame``:
    ``width = max - min`` (the spread of the band), ``gap = oracle AIQ - max`` (how far the best router
    stays below the exact oracle frontier), ``ratio = width / gap`` (a plateau: small). Also the zero
    router's AIQ (the floor). With ``at_cost`` (mean USD per query), the same at matched cost: each
    router's hull quality at that budget (``quality_at_cost``; NaN for a router whose cheapest point is
    dearer), ``quality_width``, the oracle frontier's quality there, ``quality_gap`` and ``quality_ratio``.
    Where every model costs the same the range has no width and each AIQ is a best quality at that cost
    (see ``aiq``): the band is then a band of qualities, the oracle's quality its ceiling and the best single
    model's its floor.
    """
    if c_min is None and c_max is None:
        c_min, c_max = cost_range(data)
    table = aiq_table(frame, c_min, c_max)
    fc, fq = oracle_frontier(data, no_success_cost)
    oracle = aiq(fc, fq, c_min, c_max)
    zc, zq = zero_router(data)
    zero = aiq(zc, zq, c_min, c_max)
    lo, hi = float(table.min()), float(table.max())
    gap = oracle - hi
    kwargs: dict[str, Any] = {}
    if at_cost is not None:
        names = list(table.index)
        qual = pd.Series([quality_at_cost(frame[frame["router"] == nm], None, at_cost) for nm in names],
                         index=table.index, name="quality")
        oq = float(quality_at_cost(fc, fq, at_cost))
        qw = float(qual.max() - qual.min())
        qgap = oq - float(qual.max())
        kwargs = dict(at_cost=float(at_cost), quality=qual, quality_width=qw, oracle_quality=oq,
                      quality_gap=qgap, quality_ratio=qw / qgap if qgap > 0 else math.inf)
    return Band(table, lo, hi, hi - lo, oracle, zero, gap, (hi - lo) / gap if gap > 0 else math.inf, **kwargs)


def _choice_matrix(choices: Mapping[str, Any], n: int | None, m: int | None) -> tuple[list[str], np.ndarray]:
    if not isinstance(choices, Mapping) or not choices:
        raise ValueError("choices must be a non-empty dict {router name: (n,) array of model indices}")
    names = [str(k) for k in choices]
    rows = []
    for name, value in choices.items():
        arr = np.asarray(value)
        if arr.ndim != 1:
            raise ValueError(f"choices of {name!r} must be 1-D (one model index per query), got shape {arr.shape}")
        if not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"choices of {name!r} must be integer model indices, got dtype {arr.dtype}")
        if n is not None and arr.size != n:
            raise ValueError(f"choices of {name!r} have {arr.size} entries but the data has {n} queries")
        if arr.size == 0:
            raise ValueError(f"choices of {name!r} are empty")
        if m is not None and (arr.min() < 0 or arr.max() >= m):
            raise ValueError(f"choices of {name!r} must be model indices in [0, {m - 1}]")
        rows.append(arr)
    sizes = {r.size for r in rows}
    if len(sizes) > 1:
        raise ValueError(f"choices have different lengths {sorted(sizes)}: one entry per query for every router")
    return names, np.stack(rows).astype(np.intp)


def _success(choices, data: RoutingData, threshold: float) -> tuple[list[str], np.ndarray]:
    if not (math.isfinite(threshold)):
        raise ValueError(f"threshold must be finite, got {threshold}")
    names, ch = _choice_matrix(choices, len(data), data.n_models)
    got = data.scores[np.arange(len(data))[None, :], ch]
    return names, got >= threshold


def agreement(choices: Mapping[str, Any]) -> pd.DataFrame:
    """Share of queries on which two routers pick the same model: ``A[a, b] = mean_i [ch_a(i) == ch_b(i)]``.

    ``choices``: dict ``{name: (n,) model indices}``. Symmetric, 1 on the diagonal.
    """
    names, ch = _choice_matrix(choices, None, None)
    same = (ch[:, None, :] == ch[None, :, :]).mean(axis=2)
    return pd.DataFrame(same, index=names, columns=names)


def win_loss(choices: Mapping[str, Any], data: RoutingData, threshold: float = 0.5) -> pd.DataFrame:
    """Paired wins: ``W[a, b]`` = share of queries where router ``a``'s choice succeeds and ``b``'s fails.

    Success is ``score >= threshold``. ``W[a, b] - W[b, a]`` is the difference of their success rates;
    large ``W[a, b]`` and ``W[b, a]`` that cancel are the signature of routers that fail different queries
    by chance rather than by skill. Diagonal 0.
    """
    names, ok = _success(choices, data, threshold)
    wins = (ok[:, None, :] & ~ok[None, :, :]).mean(axis=2)
    return pd.DataFrame(wins, index=names, columns=names)


def solved_by_k(choices: Mapping[str, Any], data: RoutingData, threshold: float = 0.5) -> pd.DataFrame:
    """Histogram of ``k`` = number of routers whose choice succeeds on a query, ``k = 0..R``.

    Columns ``k``, ``queries`` (count), ``share`` (count / n). Mass at ``k = 0`` and ``k = R`` with little
    between: the routers solve the same easy queries and fail the same hard ones.
    """
    names, ok = _success(choices, data, threshold)
    counts = np.bincount(ok.sum(axis=0), minlength=len(names) + 1)
    return pd.DataFrame({"k": np.arange(len(names) + 1), "queries": counts, "share": counts / len(data)})


def hard_query_share(choices: Mapping[str, Any], data: RoutingData, threshold: float = 0.5) -> float:
    """Share of queries that the oracle solves (some model reaches ``threshold``) and no router does."""
    _, ok = _success(choices, data, threshold)
    oracle_ok = data.scores.max(axis=1) >= threshold
    return float((oracle_ok & ~ok.any(axis=0)).mean())


# ---------------------------------------------------------------------------------------------------------
# bootstrap
# ---------------------------------------------------------------------------------------------------------
class Interval(NamedTuple):
    """A bootstrap estimate and its percentile interval."""

    estimate: float
    low: float
    high: float


def bootstrap(fn: Callable[[RoutingData], float] | Any, data: RoutingData | None = None, n: int = 1000,
              seed: int = 0, ci: float = 0.95) -> Interval:
    """Percentile bootstrap over queries of any scalar metric.

    ``fn(data_subset) -> float`` is evaluated on the full data (``estimate``) and on ``n`` resamples of the
    queries drawn with replacement (``data[idx]``, ``idx`` uniform on ``0..N-1``, size ``N``); ``low`` and
    ``high`` are the ``(1 - ci) / 2`` and ``(1 + ci) / 2`` quantiles of the resampled values (numpy's
    linear interpolation). Vectorised case: pass an array of per-query values instead of ``fn`` (e.g. the
    score of each chosen call) and the statistic is their mean, computed for all resamples at once in
    blocks (``data`` is then optional and only checks the length). Resamples are drawn with
    ``numpy.random.default_rng(seed)``: the same seed gives the same interval. If any resampled value is
    NaN (a metric undefined on some resample, like a quality never reached), ``low`` and ``high`` are NaN
    and a warning says how many.
    """
    if int(n) < 1:
        raise ValueError(f"n (number of resamples) must be >= 1, got {n}")
    if not 0 < ci < 1:
        raise ValueError(f"ci must be in (0, 1), got {ci}")
    rng = np.random.default_rng(seed)
    n = int(n)
    if callable(fn):
        if not isinstance(data, RoutingData):
            raise ValueError("bootstrap(fn, data): data must be a RoutingData when fn is a function")
        size = len(data)
        estimate = float(fn(data))
        stats = np.empty(n)
        for b in range(n):
            stats[b] = float(fn(data[rng.integers(0, size, size=size)]))
    else:
        values = np.asarray(fn, dtype=float)
        if values.ndim != 1 or values.size == 0:
            raise ValueError(f"per-query values must be a non-empty 1-D array, got shape {values.shape}")
        if data is not None and len(data) != values.size:
            raise ValueError(f"{values.size} per-query values but the data has {len(data)} queries")
        size = values.size
        estimate = float(values.mean())
        stats = np.empty(n)
        block = max(1, 2_000_000 // size)
        for start in range(0, n, block):
            stop = min(n, start + block)
            idx = rng.integers(0, size, size=(stop - start, size))
            stats[start:stop] = values[idx].mean(axis=1)
    return _percentile_interval(estimate, stats, ci)


def _percentile_interval(estimate: float, stats: np.ndarray, ci: float, why: str = "") -> Interval:
    """The ``ci`` percentile interval of resampled values; NaN bounds, with a warning, if any is not finite."""
    bad = ~np.isfinite(stats)
    if bad.any():
        warnings.warn(f"{int(bad.sum())} of {len(stats)} bootstrap resamples gave NaN or infinite values{why}; "
                      f"the interval is undefined", RuntimeWarning, stacklevel=3)
        return Interval(estimate, math.nan, math.nan)
    low, high = np.quantile(stats, [(1 - ci) / 2, (1 + ci) / 2])
    return Interval(estimate, float(low), float(high))


_CURVE_STATS = ("aiq", "cost_at_quality")


def curve_interval(choices, data: RoutingData, stat: str = "aiq", *, baseline=None, c_min=None, c_max=None,
                   q=None, n: int = 1000, seed: int = 0, ci: float = 0.95) -> Interval:
    """Bootstrap interval of a router's AIQ or cost at a quality, over the test queries, its choices fixed.

    ``choices`` is the router's (L, n) choice matrix over a budget grid (one row per budget, e.g.
    ``evaluate.choice_matrix(router, test)``). Each of ``n`` resamples draws the queries with replacement
    (``numpy.random.default_rng(seed)``), recomputes the curve's quality and cost at every budget from the
    chosen calls' scores and costs, and the statistic on it:

    - ``"aiq"``: normalised AIQ over ``[c_min, c_max]``; by default each resample's own ``cost_range`` (its
      cheapest and dearest single model), as the AIQ of those queries would be measured. Pass both to hold
      the range fixed instead (with equal prices a fixed zero-width range would miss every resample whose
      mean cost moved);
    - ``"cost_at_quality"``: the hull's cost to reach quality ``q`` (a number, or ``"best_single"``: the
      resample's best single-model quality, so the target moves with the queries as in a real test). NaN
      where never reached; the interval is then NaN, with a warning, as in :func:`bootstrap`.

    ``baseline``: another router's choice matrix; the interval is then of the PAIRED difference
    ``stat(choices) - stat(baseline)`` on the same resamples, which is narrower than two separate intervals
    because both routers see the same queries.
    """
    if stat not in _CURVE_STATS:
        raise ValueError(f"stat must be one of {_CURVE_STATS}, got {stat!r}")
    if int(n) < 1:
        raise ValueError(f"n (number of resamples) must be >= 1, got {n}")
    if not 0 < ci < 1:
        raise ValueError(f"ci must be in (0, 1), got {ci}")
    size = len(data)

    def matrix(obj, what):
        arr = np.asarray(obj)
        if arr.ndim == 1:
            arr = arr[None, :]
        if arr.ndim != 2 or arr.shape[1] != size:
            raise ValueError(f"{what} must be an (L, {size}) choice matrix, got shape {arr.shape}")
        if not np.issubdtype(arr.dtype, np.integer) or arr.min() < 0 or arr.max() >= data.n_models:
            raise ValueError(f"{what} must hold model indices 0..{data.n_models - 1}")
        rows = np.arange(size)
        return data.scores[rows, arr], data.costs[rows, arr]

    curves = [matrix(choices, "choices")] + ([] if baseline is None else [matrix(baseline, "baseline")])
    fixed_range = c_min is not None and c_max is not None
    if stat == "aiq" and (c_min is None) != (c_max is None):
        raise ValueError("give both c_min and c_max (a fixed range), or neither (each resample's cost_range)")
    if stat == "cost_at_quality" and q is None:
        raise ValueError("stat='cost_at_quality' needs q: a quality, or 'best_single'")

    def value(weights):
        """The statistic (or paired difference) with per-query weights (counts of a resample)."""
        total = weights.sum()
        if stat == "aiq":
            if fixed_range:
                lo, hi = c_min, c_max
            else:   # cost_range of the weighted queries: cheapest and dearest single model's mean cost
                model_cost = data.costs.T @ weights / total
                lo, hi = float(model_cost.min()), float(model_cost.max())
        out = []
        for s, c in curves:
            quality, cost = s @ weights / total, c @ weights / total
            if stat == "aiq":
                out.append(aiq(cost, quality, lo, hi))
            else:
                if isinstance(q, str):   # the best single model's quality, less a rounding step: its own
                    # choices, summed by another product, must count as reaching it
                    target = float((data.scores.T @ weights / total).max()) * (1 - 1e-12)
                else:
                    target = float(q)
                out.append(float(cost_at_quality(cost, quality, target)))
        return out[0] if len(out) == 1 else out[0] - out[1]

    if isinstance(q, str) and q != "best_single":
        raise ValueError(f"q must be a number or 'best_single', got {q!r}")
    estimate = value(np.ones(size))
    rng = np.random.default_rng(seed)
    stats = np.array([value(np.bincount(rng.integers(0, size, size=size), minlength=size).astype(float))
                      for _ in range(int(n))])
    return _percentile_interval(estimate, stats, ci, " (a quality never reached)")


@dataclass(frozen=True)
class PlateauIntervals:
    """Bootstrap intervals of a plateau: see :func:`plateau_intervals`."""

    aiq: pd.DataFrame
    band: pd.DataFrame
    n: int
    ci: float


def plateau_intervals(choices: Mapping[str, Any], data: RoutingData, learned=None, *, n: int = 1000,
                      seed: int = 0, ci: float = 0.95, no_success_cost: str = "cheapest") -> PlateauIntervals:
    """Percentile bootstrap intervals of every router's AIQ, of the zero router and oracle, and of the band.

    ``choices`` maps each router's name to the fitted router, or to its (L, n_queries) choice matrix over a
    budget grid; a router is swept over the grid :func:`evaluate` uses (``evaluate.choice_matrix``), so each
    estimate equals :func:`aiq_table` of the evaluate frame. ``learned``: the routers that make up the band (default: all).
    Each of ``n`` resamples draws the test queries with replacement (``numpy.random.default_rng(seed)``) and
    recomputes, on those queries, every router's curve, the cost range (``cost_range`` of the resample), the
    zero router, the oracle frontier, and from them every statistic, so that the intervals are joint: a
    difference between two routers is judged on the same resamples (paired), which is narrower than two
    separate intervals.

    Returns ``aiq``: one row per router, then ``zero router`` and ``oracle``, with ``aiq`` (the estimate on
    all the queries), ``low``, ``high``, and the paired difference to the best learned router (by estimate)
    ``vs_best``, ``vs_best_low``, ``vs_best_high`` (0 for that router itself; an interval that holds 0 means
    the data cannot tell the two apart), and likewise to the zero router, ``vs_zero``, ``vs_zero_low``,
    ``vs_zero_high`` (is a router above random mixing, or below it, beyond the noise?); ``band``: rows ``width`` (best minus worst learned), ``gap`` (oracle
    minus best learned), ``gain`` (best learned minus zero router) and ``ratio`` (width / gap), with
    ``estimate``, ``low``, ``high``. Within a resample "best" and "worst" are that resample's own.
    """
    if not isinstance(data, RoutingData):
        raise TypeError(f"data must be a RoutingData, got {type(data).__name__}")
    if not isinstance(choices, Mapping) or not choices:
        raise ValueError("choices must be a non-empty mapping of router name to its (L, n) choice matrix")
    if int(n) < 1:
        raise ValueError(f"n (number of resamples) must be >= 1, got {n}")
    if not 0 < ci < 1:
        raise ValueError(f"ci must be in (0, 1), got {ci}")
    _check_mode(no_success_cost)
    names = list(choices)
    learned = names if learned is None else list(learned)
    unknown = [k for k in learned if k not in choices]
    if unknown or not learned:
        raise ValueError(f"learned must name routers in choices ({names}); got {learned}")
    size = len(data)
    rows = np.arange(size)
    picked = {}
    for name in names:
        value = choices[name]
        if callable(getattr(value, "route", None)) or callable(getattr(value, "predict", None)):
            value = choice_matrix(value, data)
        arr = np.asarray(value)
        arr = arr[None, :] if arr.ndim == 1 else arr
        if arr.ndim != 2 or arr.shape[1] != size:
            raise ValueError(f"choices[{name!r}] must be an (L, {size}) choice matrix, got shape {arr.shape}")
        if not np.issubdtype(arr.dtype, np.integer) or arr.min() < 0 or arr.max() >= data.n_models:
            raise ValueError(f"choices[{name!r}] must hold model indices 0..{data.n_models - 1}")
        picked[name] = (data.costs[rows, arr], data.scores[rows, arr])          # (L, n) each
    bare = RoutingData(scores=data.scores, costs=data.costs, models=list(data.models))

    def statistics(counts: np.ndarray, sample: RoutingData) -> np.ndarray:
        """[every router's AIQ, zero router, oracle] on the queries weighted by ``counts``."""
        w = counts / counts.sum()
        model_cost, model_quality = data.costs.T @ w, data.scores.T @ w
        lo, hi = float(model_cost.min()), float(model_cost.max())
        if np.isclose(lo, hi, rtol=1e-9, atol=0):     # equal prices: one cost (sums differ only by rounding)
            hi = lo
        out = [aiq(c @ w, q @ w, lo, hi) for c, q in picked.values()]
        out.append(aiq(*ndch(model_cost, model_quality), lo, hi))
        out.append(aiq(*oracle_frontier(sample, no_success_cost), lo, hi))
        return np.array(out)

    estimate = statistics(np.ones(size), bare)
    rng = np.random.default_rng(seed)
    draws = np.empty((int(n), len(names) + 2))
    for b in range(int(n)):
        idx = rng.integers(0, size, size=size)
        draws[b] = statistics(np.bincount(idx, minlength=size).astype(float), bare[idx])

    band_cols = [names.index(k) for k in learned]
    best = band_cols[int(np.argmax(estimate[band_cols]))]
    q = [(1 - ci) / 2, (1 + ci) / 2]

    def interval(values: np.ndarray) -> tuple[float, float]:
        if not np.isfinite(values).all():
            return math.nan, math.nan
        low, high = np.quantile(values, q)
        return float(low), float(high)

    zero_col = len(names)
    table = []
    for j, name in enumerate([*names, "zero router", "oracle"]):
        table.append((name, estimate[j], *interval(draws[:, j]),
                      estimate[j] - estimate[best], *interval(draws[:, j] - draws[:, best]),
                      estimate[j] - estimate[zero_col], *interval(draws[:, j] - draws[:, zero_col])))
    aiq_frame = pd.DataFrame(table, columns=["router", "aiq", "low", "high", "vs_best", "vs_best_low",
                                             "vs_best_high", "vs_zero", "vs_zero_low", "vs_zero_high"]
                             ).set_index("router")

    def band_stats(values: np.ndarray) -> np.ndarray:
        inside = values[..., band_cols]
        top, bottom = inside.max(axis=-1), inside.min(axis=-1)
        zero, oracle = values[..., -2], values[..., -1]
        gap = oracle - top
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(gap > 0, (top - bottom) / gap, np.inf)
        return np.stack([top - bottom, gap, top - zero, ratio], axis=-1)

    band_est, band_draws = band_stats(estimate), band_stats(draws)
    band = pd.DataFrame([(est, *interval(band_draws[:, k])) for k, est in enumerate(band_est)],
                        index=pd.Index(["width", "gap", "gain", "ratio"], name="statistic"),
                        columns=["estimate", "low", "high"])
    return PlateauIntervals(aiq_frame, band, int(n), float(ci))
