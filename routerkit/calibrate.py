"""Budgets a user can set: the budget λ that meets a spend, quality or share target on validation data.

A router's budget λ prices a dollar in score units; nobody thinks in those units. What a user has is a target: spend
at most $X per query, reach quality Q, or send at most a fraction f of the calls to a given model. :func:`calibrate`
sweeps a fitted router over budgets on validation queries (with :func:`routerkit.evaluate`) and returns the λ that
meets the target there: RouteLLM's threshold calibration (Ong et al., arXiv 2406.18665, which picks the threshold
that sends a chosen share of calls to the strong model), generalised to any number of models and to cost and
quality targets. A λ chosen on validation queries is an estimate: :meth:`Calibration.check` measures what it
realises on other queries (a test part, or a shifted set such as :func:`routerkit.leave_task_out`'s held-out task).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from routerkit.data import RoutingData, _did_you_mean
from routerkit.decision import lam_grid
from routerkit.evaluate import SHARE_PREFIX, _follows_shared_rule, evaluate

__all__ = ["Calibration", "calibrate"]

# relative slack: a mean cost or quality equal to the target up to summation order meets it
_SLACK = 1e-12
# budgets in the default calibration grid of a shared-rule router (evaluate sweeps 50): a target between two
# budgets of a coarse grid would be met with money to spare
FINE_GRID = 1000


@dataclass(frozen=True)
class Calibration:
    """The calibrated budget and what it realises on the calibration queries.

    ``lam``: the budget to route with (``router.route(data, lam)``); ``target``: the targets asked for
    (``cost``, ``quality``, ``max_share``, whichever were given); ``cost`` (mean USD per query), ``quality``
    (mean score) and ``shares`` (share of queries per model) at ``lam`` on the ``n_queries`` calibration queries.
    """

    lam: float
    target: dict[str, Any]
    cost: float
    quality: float
    shares: dict[str, float] = field(repr=False)
    n_queries: int

    def check(self, router: Any, data: RoutingData) -> pd.Series:
        """What ``lam`` realises on other queries, against the target: ``cost``, ``quality``, one
        ``share:<model>`` per capped model, and ``met`` (every target met there, with no slack)."""
        if not isinstance(data, RoutingData):
            raise TypeError(f"data must be a RoutingData, got {type(data).__name__}")
        row = evaluate(router, data, lams=[self.lam]).iloc[0]
        out: dict[str, Any] = {"lam": self.lam, "n_queries": len(data), "cost": float(row["cost"]),
                               "quality": float(row["quality"])}
        met = True
        if "cost" in self.target:
            out["target_cost"] = self.target["cost"]
            met &= out["cost"] <= self.target["cost"] * (1 + _SLACK)
        if "quality" in self.target:
            out["target_quality"] = self.target["quality"]
            met &= out["quality"] >= self.target["quality"] * (1 - _SLACK)
        for model, cap in self.target.get("max_share", {}).items():
            share = float(row[SHARE_PREFIX + model])
            out[SHARE_PREFIX + model] = share
            out[f"max_share:{model}"] = cap
            met &= share <= cap + _SLACK
        out["met"] = bool(met)
        return pd.Series(out, name=getattr(router, "name", type(router).__name__))


def _number(name: str, value: Any, low: float, high: float = math.inf) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not (math.isfinite(x) and low <= x <= high):
        raise ValueError(f"{name} must be a finite number in [{low:g}, {high:g}], got {value!r}")
    return x


def _shares(max_share: Any, models: list[str]) -> dict[str, float]:
    if not isinstance(max_share, Mapping) or not max_share:
        raise ValueError("max_share must be a non-empty mapping {model name: largest share of queries in [0, 1]}")
    caps = {}
    for model, cap in max_share.items():
        if model not in models:
            hint = _did_you_mean(model, models)
            raise ValueError(f"max_share names {model!r}, which is not one of the data's models"
                             + (f" (did you mean {hint!r}?)" if hint else f": {models}"))
        caps[str(model)] = _number(f"max_share[{model!r}]", cap, 0.0, 1.0)
    return caps


def calibrate(router: Any, val: RoutingData, *, target_cost: float | None = None,
              target_quality: float | None = None, max_share: Mapping[str, float] | None = None,
              lams=None) -> Calibration:
    """The budget λ at which a fitted ``router`` meets a target on the validation queries ``val``.

    Targets (give ``target_cost`` or ``target_quality``, or neither, and optionally ``max_share``):

    - ``target_cost``: spend at most this mean USD per query; the λ with the highest quality among those that do;
    - ``target_quality``: reach at least this mean score; the cheapest λ that does;
    - ``max_share={model: fraction}``: send at most that share of the queries to each named model (e.g. a
      rate-limited or a dear model); alone, the λ with the highest quality among those that keep every cap; with a
      cost or quality target, a cap is one more condition.

    The router is swept over ``lams``. By default, for a router that decides by the shared rule, the 50 budgets
    :func:`routerkit.evaluate` sweeps (``decision.lam_grid``: from λ = 0, the largest budget, to the budget where
    every query goes to the cheapest model) and 1,000 more spread over the same range, so that a target is met
    closely rather than with a coarse grid's money to spare; for any other router, evaluate's own grid. Ties go to
    the cheaper routing, then to the larger λ. A target that no budget meets raises a ValueError that names the best value the
    router reaches on ``val``. The result holds the λ and what it realises on ``val``; ``result.check(router,
    test)`` measures the same on other queries.
    """
    if not isinstance(val, RoutingData):
        raise TypeError(f"val must be a RoutingData, got {type(val).__name__}")
    if target_cost is not None and target_quality is not None:
        raise ValueError("give target_cost or target_quality, not both: one is the goal, the other follows from it")
    if target_cost is None and target_quality is None and max_share is None:
        raise ValueError("give a target: target_cost=..., target_quality=... or max_share={model: fraction}")
    target: dict[str, Any] = {}
    if target_cost is not None:
        target["cost"] = _number("target_cost", target_cost, 0.0)
    if target_quality is not None:
        target["quality"] = _number("target_quality", target_quality, 0.0, 1.0)
    if max_share is not None:
        target["max_share"] = _shares(max_share, list(val.models))

    if lams is None and _follows_shared_rule(router):
        s_hat, c_hat = router.predict(val), router.cost_estimate(val)
        # evaluate's grid too, so the calibration never misses a budget the evaluate curve shows
        lams = np.union1d(lam_grid(s_hat, c_hat), lam_grid(s_hat, c_hat, n=FINE_GRID))
    frame = evaluate(router, val, lams=lams).reset_index(drop=True)
    cost, quality, lam = (frame[k].to_numpy(float) for k in ("cost", "quality", "lam"))
    ok = np.ones(len(frame), dtype=bool)
    capped = np.ones(len(frame), dtype=bool)      # within every share cap
    unmet = []
    if "cost" in target:
        fits = cost <= target["cost"] * (1 + _SLACK)
        if not fits.any():
            unmet.append(f"target_cost {target['cost']:.4g} USD per query is below the cheapest this router "
                         f"routes for on these queries ({cost.min():.4g})")
        ok &= fits
    if "quality" in target:
        fits = quality >= target["quality"] * (1 - _SLACK)
        if not fits.any():
            unmet.append(f"target_quality {target['quality']:.4g} is above the best quality this router reaches "
                         f"on these queries ({quality.max():.4g})")
        ok &= fits
    for model, cap in target.get("max_share", {}).items():
        share = frame[SHARE_PREFIX + model].to_numpy(float)
        fits = share <= cap + _SLACK
        if not fits.any():
            unmet.append(f"max_share {cap:.4g} for {model!r} is below the smallest share this router sends it "
                         f"on these queries ({share.min():.4g})")
        ok &= fits
        capped &= fits
    if unmet:
        raise ValueError("; ".join(unmet))
    if not ok.any():            # each reachable alone; within the caps the goal is not
        if "cost" not in target and "quality" not in target:
            raise ValueError(f"each max_share cap is reachable alone, but no budget keeps them all at once on these "
                             f"queries ({', '.join(f'{m}: {c:g}' for m, c in target['max_share'].items())}): relax one")
        if "quality" in target:
            raise ValueError(f"target_quality {target['quality']:.4g} is above the best quality this router reaches "
                             f"within the max_share caps on these queries ({quality[capped].max():.4g})")
        raise ValueError(f"target_cost {target['cost']:.4g} USD per query is below the cheapest this router routes "
                         f"for within the max_share caps on these queries ({cost[capped].min():.4g})")
    idx = np.flatnonzero(ok)
    if "quality" in target:      # the cheapest budget that reaches the quality
        order = np.lexsort((-lam[idx], cost[idx]))
    else:                        # the best quality within the caps
        order = np.lexsort((-lam[idx], cost[idx], -quality[idx]))
    best = frame.iloc[idx[order[0]]]
    shares = {m: float(best[SHARE_PREFIX + m]) for m in val.models}
    return Calibration(lam=float(best["lam"]), target=target, cost=float(best["cost"]),
                       quality=float(best["quality"]), shares=shares, n_queries=len(val))
