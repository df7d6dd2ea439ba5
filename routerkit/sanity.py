"""What to check in a routing dataset before trusting an analysis of it (``routerkit data info`` prints it).

- ``model_summary``: each model's mean quality and cost, and how often it gives its most common score;
- ``sanity_flags``: models that answer almost every query the same way (a constant answerer makes the oracle
  look better than any router could be), models whose costs are the same column twice, models statistically
  tied with the best one (so "the top model's share" is read with care), the share of queries no model
  solves, the tie rate and the queries a loader dropped.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from routerkit.data import RoutingData
from routerkit.evaluate import best_model
from routerkit.metrics import tie_rate

__all__ = ["model_summary", "tied_with_best", "sanity_flags", "flag_notes"]

# A model that gives one score on at least this share of queries is flagged as a constant answerer.
CONSTANT_SHARE = 0.99
# A query is solved by a model whose score reaches this (as in metrics.solved_by_k).
SOLVED = 0.5


def _modal_share(scores: np.ndarray) -> np.ndarray:
    """Per column, the share of rows holding the column's most common value."""
    out = np.empty(scores.shape[1])
    for j in range(scores.shape[1]):       # loop over models; np.unique is vectorised over queries
        _, counts = np.unique(scores[:, j], return_counts=True)
        out[j] = counts.max() / len(scores)
    return out


def _same_columns(matrix: np.ndarray, names: list[str]) -> list[list[str]]:
    """Groups (of two or more) of names whose columns are identical, in column order."""
    groups: dict[bytes, list[int]] = {}
    for j in range(matrix.shape[1]):       # loop over models: a column's bytes are its identity
        groups.setdefault(np.ascontiguousarray(matrix[:, j]).tobytes(), []).append(j)
    return [[names[j] for j in cols] for cols in groups.values() if len(cols) > 1]


def model_summary(data: RoutingData) -> pd.DataFrame:
    """One row per model: ``quality`` (mean score), ``mean_cost`` (USD per call) and ``modal_share`` (share
    of queries on which it gives its most common score), sorted by quality, best first."""
    frame = pd.DataFrame({"model": data.models, "quality": data.scores.mean(axis=0),
                          "mean_cost": data.costs.mean(axis=0), "modal_share": _modal_share(data.scores)})
    return frame.sort_values(["quality", "mean_cost"], ascending=[False, True], kind="stable").reset_index(drop=True)


def tied_with_best(data: RoutingData, n_boot: int = 1000, level: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """Paired bootstrap over queries of ``quality(best) - quality(model)`` for every other model.

    The best model is ``evaluate.best_model`` (highest mean score, ties to the cheaper). Each replicate draws
    ``n`` queries with replacement, the same for every model (so the comparison is paired), as counts per
    query. Returns ``model, gap, low, high, tied`` (``tied``: the interval reaches 0), sorted by gap.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    if int(n_boot) < 10:
        raise ValueError(f"n_boot must be at least 10, got {n_boot}")
    best = best_model(data)
    others = [j for j in range(data.n_models) if j != best]
    diff = (data.scores[:, [best]] - data.scores[:, others]).astype(np.float32)
    rng = np.random.default_rng(seed)
    n = len(diff)
    reps = np.empty((int(n_boot), diff.shape[1]))
    for b in range(int(n_boot)):                   # loop over replicates; each is vectorised over queries
        counts = np.bincount(rng.integers(0, n, size=n), minlength=n).astype(np.float32)
        reps[b] = counts @ diff / n
    tail = (1 - level) / 2
    low, high = np.quantile(reps, [tail, 1 - tail], axis=0)
    frame = pd.DataFrame({"model": [data.models[j] for j in others], "gap": diff.mean(axis=0, dtype=np.float64),
                          "low": low, "high": high})
    frame["tied"] = frame["low"] <= 0
    return frame.sort_values("gap", kind="stable").reset_index(drop=True)


def sanity_flags(data: RoutingData, n_boot: int = 1000, seed: int = 0) -> dict[str, Any]:
    """The checks of this module's docstring, as plain numbers and lists (JSON-ready)."""
    summary = model_summary(data)
    constant = summary.loc[summary["modal_share"] >= CONSTANT_SHARE, "model"].tolist()
    same_costs = _same_columns(data.costs, data.models)
    tied = tied_with_best(data, n_boot=n_boot, seed=seed)
    dropped = data.meta.get("dropped_queries") or data.meta.get("dropped_rows") or {}
    return {
        "models": summary.to_dict(orient="records"),
        "best_model": data.models[best_model(data)],
        "tied_with_best": tied.loc[tied["tied"], "model"].tolist(),
        "constant_models": constant,
        "same_cost_columns": same_costs,
        "unsolved_share": float((data.scores.max(axis=1) < SOLVED).mean()),
        "tie_rate": tie_rate(data),
        "dropped_queries": int(dropped.get("count", 0)) if isinstance(dropped, dict) else 0,
    }


def flag_notes(flags: dict[str, Any], n_boot: int) -> list[str]:
    """The checks of :func:`sanity_flags` that fire, one line each: what was found and why it matters.
    ``n_boot``: the bootstrap replicates ``flags`` were computed with (the line on ties with the best says it)."""
    lines = []
    for model in flags["constant_models"]:
        lines.append(f"{model} gives one score on at least {CONSTANT_SHARE:.0%} of queries: a constant answerer "
                     "makes the oracle look better than any router can be")
    for group in flags["same_cost_columns"]:
        lines.append(f"{', '.join(group)} cost the same on every query (equal prices, or a copied column)")
    if flags["tied_with_best"]:
        lines.append(f"{', '.join(flags['tied_with_best'])} not significantly below {flags['best_model']} (paired "
                     f"bootstrap, 95%, {n_boot} replicates): read 'top model share' with care")
    if flags["dropped_queries"]:
        lines.append(f"{flags['dropped_queries']} queries were dropped for missing values: every figure is of the "
                     "complete queries only")
    return lines
