"""Sweep a router over budgets and measure what its choices cost and earn: ``evaluate``.

The router protocol
-------------------
Every router in ``routerkit.routers`` follows scikit-learn's conventions:

- ``__init__(**hyperparameters)`` stores hyperparameters only; learned attributes end in ``_``.
- ``fit(train: RoutingData) -> self``.
- ``predict(data: RoutingData) -> ndarray (n, m)``: estimated score (or utility, in score units) of each
  model on each query, columns in ``data.models`` order.
- ``route(data: RoutingData, lam: float) -> ndarray (n,) of int``: the chosen model index per query at
  budget ``lam >= 0`` (``lam`` prices a dollar in score units: 0 means "quality at any price").
- Score-based routers also expose
  ``cost_estimate(data: RoutingData) -> ndarray (n, m)``: the cost (USD) of each call as known before it
  is made (e.g. the model's mean training cost on the query's task), and decide with the shared rule
  ``route(data, lam) == routerkit.decision.decide(predict(data), cost_estimate(data), lam)``:
  ``argmax_j s_hat[i, j] - lam * c_hat[i, j]``, ties to the cheaper model.
- ``models_: list[str]``: the model names seen in ``fit``, in column order (must equal ``data.models``).
- ``top_model_: str``: the best single model on the training data (highest mean score, ties to the cheaper).
- Optional ``name: str``: a display name (default: the class name).

- Optional ``shared_rule: bool``: whether ``route`` is exactly the shared rule on ``predict`` and
  ``cost_estimate``. When absent, a subclass of ``routerkit.routers.base.Router`` follows it unless it
  overrides ``route`` (baselines that ignore ``lam``, random mixing, budget-conditioned rankers do), and any
  other object with ``predict`` and ``cost_estimate`` is assumed to follow it.

``evaluate`` uses the fast path for routers that follow the shared rule: it predicts once and decides every
budget in one vectorised call (identical, bit for bit, to calling ``route`` per budget). Otherwise it calls
``route(data, lam)`` once per budget.

The frame
---------
One row per (router, budget): ``router`` (name), ``lam`` (NaN for a fixed choice array), ``quality``
(mean TRUE score of the chosen models), ``cost`` (mean TRUE cost in USD per query of the chosen calls),
``top_model`` (name), ``top_share`` (share of queries routed to it), and one column ``share:<model>`` per
model (the share of queries routed to that model; they sum to 1 on each row).
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from routerkit.data import RoutingData
from routerkit.decision import aggregate, check_lams, decide, lam_grid
from routerkit.threads import limited

__all__ = ["evaluate", "choice_matrix", "sweep_choices", "best_model", "cheapest_model", "sweep_frame", "SHARE_PREFIX",
           "FRAME_COLUMNS"]

#: Prefix of the per-model share columns: ``share:<model name>``.
SHARE_PREFIX = "share:"
#: Columns every evaluate-style frame starts with (the share columns follow).
FRAME_COLUMNS = ["router", "lam", "quality", "cost", "top_model", "top_share"]


def best_model(data: RoutingData) -> int:
    """Index of the best single model on ``data``: highest mean score, ties to the lower mean cost, then
    the lower index."""
    q = data.scores.mean(axis=0)
    c = data.costs.mean(axis=0)
    cand = q == q.max()
    return int(np.flatnonzero(cand & (c == c[cand].min()))[0])


def cheapest_model(data: RoutingData) -> int:
    """Index of the cheapest single model on ``data``: lowest mean cost, ties to the higher mean score,
    then the lower index."""
    q = data.scores.mean(axis=0)
    c = data.costs.mean(axis=0)
    cand = c == c.min()
    return int(np.flatnonzero(cand & (q == q[cand].max()))[0])


def sweep_frame(name: str, lams: np.ndarray, choices: np.ndarray, data: RoutingData, top_model: str,
                costs: np.ndarray | None = None) -> pd.DataFrame:
    """The evaluate frame of a choice matrix ``choices`` (L, n) made at budgets ``lams`` (L,).

    ``costs`` overrides ``data.costs`` for the cost column (the oracle's "no call where nothing succeeds"
    convention charges 0 on those queries).
    """
    if top_model not in data.models:
        raise ValueError(f"top model {top_model!r} is not one of the data's models {data.models}")
    quality, cost, shares = aggregate(choices, data.scores, data.costs if costs is None else costs)
    top = data.models.index(top_model)
    frame = pd.DataFrame({
        "router": [name] * len(quality),
        "lam": np.asarray(lams, dtype=float),
        "quality": quality,
        "cost": cost,
        "top_model": [top_model] * len(quality),
        "top_share": shares[:, top],
    })
    share_cols = pd.DataFrame(shares, columns=[SHARE_PREFIX + m for m in data.models])
    return pd.concat([frame, share_cols], axis=1)


def _name_of(router: Any) -> str:
    name = getattr(router, "name", None)
    if isinstance(name, str) and name:
        return name
    return type(router).__name__


def _check_models(name: str, router: Any, data: RoutingData) -> None:
    models = getattr(router, "models_", None)
    if models is None:
        return
    models = list(models)
    if models == list(data.models):
        return
    missing = [m for m in data.models if m not in models]
    extra = [m for m in models if m not in data.models]
    if missing or extra:
        detail = (f"models missing from the router: {missing}" if missing else "") + \
                 ("; " if missing and extra else "") + \
                 (f"models the data lacks: {extra}" if extra else "")
    else:
        detail = "same models in a different column order"
    raise ValueError(f"router {name!r} was fitted on models {models} but the data has {list(data.models)} "
                     f"({detail}); fit it on data with the same models, or select them with "
                     f"data.select_models(router.models_)")


def _check_choices(name: str, choices: Any, data: RoutingData, what: str) -> np.ndarray:
    arr = np.asarray(choices)
    n, m = len(data), data.n_models
    if arr.shape != (n,):
        raise ValueError(f"{what} of router {name!r} must have shape ({n},) (one model index per query), "
                         f"got {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{what} of router {name!r} must be integer model indices, got dtype {arr.dtype}")
    if arr.min() < 0 or arr.max() >= m:
        raise ValueError(f"{what} of router {name!r} must be model indices in [0, {m - 1}], got values in "
                         f"[{arr.min()}, {arr.max()}]")
    return arr.astype(np.intp, copy=False)


def _check_matrix(name: str, value: Any, data: RoutingData, what: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.shape != (len(data), data.n_models):
        raise ValueError(f"{what} of router {name!r} must have shape ({len(data)}, {data.n_models}), "
                         f"got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{what} of router {name!r} has {int((~np.isfinite(arr)).sum())} NaN or infinite "
                         f"entries")
    return arr


def _is_choice_array(obj: Any) -> bool:
    return isinstance(obj, (np.ndarray, list, tuple, pd.Series)) and not hasattr(obj, "route")


def _top_name(router: Any, top_model: str | None, data: RoutingData) -> str:
    name = getattr(router, "top_model_", None)
    if name is None:
        name = top_model
    if name is None:
        name = data.models[best_model(data)]
    return str(name)


def _follows_shared_rule(router: Any) -> bool:
    """Does ``router.route(data, lam)`` equal ``decide(router.predict(data), router.cost_estimate(data), lam)``?"""
    if not (callable(getattr(router, "predict", None)) and callable(getattr(router, "cost_estimate", None))):
        return False
    flag = getattr(router, "shared_rule", None)
    if isinstance(flag, (bool, np.bool_)):
        return bool(flag)
    try:
        from routerkit.routers.base import Router
    except ImportError:  # pragma: no cover - routers not importable: trust the protocol
        return True
    if isinstance(router, Router):
        return getattr(type(router), "route", None) is Router.route
    return True


def _evaluate_one(name: str, router: Any, data: RoutingData, lams: np.ndarray | None,
                  top_model: str | None, fast: bool | None) -> pd.DataFrame:
    if _is_choice_array(router):
        choices = _check_choices(name, router, data, "the choice array")
        top = top_model if top_model is not None else data.models[best_model(data)]
        return sweep_frame(name, np.array([np.nan]), choices[None, :], data, top)

    _check_models(name, router, data)
    top = _top_name(router, top_model, data)
    if top not in data.models:
        raise ValueError(f"top model {top!r} of router {name!r} is not one of the data's models {data.models}")
    scored = _follows_shared_rule(router)
    has_route = callable(getattr(router, "route", None))
    if fast and not scored:
        raise ValueError(f"fast=True needs a router that decides by the shared rule on predict and "
                         f"cost_estimate, and router {name!r} does not (see routerkit.evaluate's docstring)")
    if not scored and not has_route:
        raise TypeError(f"router {name!r} ({type(router).__name__}) has neither route(data, lam) nor "
                        f"predict + cost_estimate: it does not follow the router protocol "
                        f"(see routerkit.evaluate's docstring)")
    grid, choices = _sweep_choices(name, router, data, lams, scored, fast)
    return sweep_frame(name, grid, choices, data, top)


def _sweep_choices(name: str, router: Any, data: RoutingData, lams: np.ndarray | None, scored: bool,
                   fast: bool | None) -> tuple[np.ndarray, np.ndarray]:
    """The budget grid and the (L, n) choices on it, as :func:`evaluate` sweeps a router."""
    s_hat = c_hat = None
    if scored:
        s_hat = _check_matrix(name, router.predict(data), data, "predict(data)")
        c_hat = _check_matrix(name, router.cost_estimate(data), data, "cost_estimate(data)")
    if lams is None:
        grid = lam_grid(s_hat, c_hat) if scored else lam_grid(data.scores, data.costs)
    else:
        grid = lams
    use_fast = scored if fast is None else bool(fast)
    if use_fast:
        return grid, decide(s_hat, c_hat, grid)
    if not callable(getattr(router, "route", None)):
        raise TypeError(f"fast=False needs route(data, lam), and router {name!r} has none")
    return grid, np.stack([_check_choices(name, router.route(data, float(lam)), data,
                                          f"route(data, lam={float(lam):g})") for lam in grid])


def choice_matrix(router: Any, data: RoutingData, lams=None) -> np.ndarray:
    """The (L, n) model choices of ``router`` at every budget :func:`evaluate` sweeps it over (same grid,
    same path), e.g. for :func:`routerkit.metrics.curve_interval`."""
    return sweep_choices(router, data, lams)[1]


def sweep_choices(router: Any, data: RoutingData, lams=None) -> tuple[np.ndarray, np.ndarray]:
    """The budgets :func:`evaluate` sweeps ``router`` over, (L,), and its model choices at each, (L, n): what
    :func:`choice_matrix` returns, with the grid its rows belong to (``sweep_frame`` makes the frame)."""
    if not isinstance(data, RoutingData):
        raise TypeError(f"data must be a RoutingData, got {type(data).__name__}")
    name = _name_of(router)
    _check_models(name, router, data)
    grid = None if lams is None else check_lams(lams)[0]
    scored = _follows_shared_rule(router)
    if not scored and not callable(getattr(router, "route", None)):
        raise TypeError(f"router {name!r} ({type(router).__name__}) has neither route(data, lam) nor "
                        f"predict + cost_estimate")
    with limited():
        return _sweep_choices(name, router, data, grid, scored, None)


def evaluate(router: Any, data: RoutingData, lams=None, top_model: str | None = None, *,
             fast: bool | None = None, progress: bool = False) -> pd.DataFrame:
    """Sweep one or several routers over budgets; one tidy row per (router, budget).

    Parameters
    ----------
    router
        One of: a router (see the protocol in this module's docstring); a fixed choice array (n,) of model
        indices (a baseline: one row, ``lam`` NaN, named ``"choices"``); a list of routers or choice arrays
        (named by ``router.name`` or class name; duplicate names are an error, pass a dict); a dict
        ``{name: router or choice array}``.
    data : RoutingData
        Queries to route, with their TRUE scores and costs (quality and cost are measured on these).
    lams : float or array, optional
        Budgets, finite and ``>= 0``. Default: per router, ``decision.lam_grid(predict(data),
        cost_estimate(data))`` for routers that follow the shared rule (0, then 49 geometric steps from the first budget at
        which any of its decisions changes to the budget at which every query goes to its cheapest model by
        ``cost_estimate``), and ``decision.lam_grid(data.scores, data.costs)`` for other routers (the same
        construction on the true scores and costs: the budgets where the oracle's decisions change).
    top_model : str, optional
        The model whose share is reported as ``top_share`` when the router has no ``top_model_``. Default:
        the best single model on ``data`` (highest mean score, ties to the cheaper).
    fast : bool, optional
        ``None`` (default) uses the vectorised path for routers that follow the shared rule (see the
        protocol above); ``False`` forces ``route(data, lam)`` per budget (to check a router against the shared rule);
        ``True`` requires the vectorised path.
    progress : bool
        Show a progress bar over routers (tqdm).

    Returns
    -------
    DataFrame with columns ``router, lam, quality, cost, top_model, top_share, share:<model>...``, rows in
    the order of the routers and, per router, of ``lams``. ``quality = mean_i scores[i, choice_i]``,
    ``cost = mean_i costs[i, choice_i]`` (USD per query), ``share:<m> = #{i : choice_i = m} / n``,
    ``top_share = share:<top_model>``.

    Raises
    ------
    ValueError
        A router fitted on other models (``models_ != data.models``); predictions or choices of the wrong
        shape, type or range; ``lams`` with NaN, infinite or negative values; an unknown ``top_model``.
    """
    if not isinstance(data, RoutingData):
        raise TypeError(f"data must be a RoutingData, got {type(data).__name__}")
    grid = None
    if lams is not None:
        grid, _ = check_lams(lams)
    if isinstance(router, Mapping):
        items = [(str(k), v) for k, v in router.items()]
        if not items:
            raise ValueError("no routers to evaluate: the dict is empty")
    elif isinstance(router, (list, tuple)) and router and not _is_scalar_seq(router):
        items = []
        for k, r in enumerate(router):
            items.append(("choices" if _is_choice_array(r) else _name_of(r), r))
        names = [nm for nm, _ in items]
        dup = sorted({nm for nm in names if names.count(nm) > 1})
        if dup:
            raise ValueError(f"several routers share the name(s) {dup}: pass a dict {{name: router}} to name "
                             f"them")
    else:
        items = [("choices" if _is_choice_array(router) else _name_of(router), router)]
    if top_model is not None and top_model not in data.models:
        raise ValueError(f"top_model {top_model!r} is not one of the data's models {data.models}")
    iterator = items
    if progress:
        from tqdm.auto import tqdm
        iterator = tqdm(items, desc="evaluate", unit="router")
    with limited():
        frames = [_evaluate_one(name, r, data, grid, top_model, fast) for name, r in iterator]
    return pd.concat(frames, ignore_index=True)


def _is_scalar_seq(seq: Sequence) -> bool:
    """A list/tuple of plain numbers is a choice array, not a list of routers."""
    return all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in seq)
