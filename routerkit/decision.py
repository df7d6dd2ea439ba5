"""The decision rule every score-based router shares, and the budget grid it is swept over.

A score-based router estimates, for query ``i`` and model ``j``, a score ``s_hat[i, j]`` (the quality it
expects) and a cost ``c_hat[i, j]`` (USD, known before the call). For a budget parameter ``lam >= 0`` (the
price of one USD in score units: a call must earn ``lam * cost`` more score to be worth it) it picks

    choice_i(lam) = argmax_j  u_ij(lam),    u_ij(lam) = s_hat[i, j] - lam * c_hat[i, j]

with ties broken towards the cheaper model (lower ``c_hat``), then towards the lower column index.

``lam = 0`` is pure quality (the highest expected score, the cheapest of equals); as ``lam`` grows the
cheaper models take over, and above the largest breakpoint every query goes to its cheapest model.

Ties, exactly
-------------
Two models tie at ``lam`` when their utilities are equal; floating point cannot be trusted to see that:
with scores ``(0.1, 0.0)`` and costs ``(0.3, 0.0)`` the two tie at ``lam = 1/3``, yet
``0.1 - (0.1 / 0.3) * 0.3`` is ``1.4e-17``, and a plain argmax would pick the dearer model. The rule
therefore compares utilities at the budget nudged up by a relative ``RTOL = 1e-9``::

    lam' = lam * (1 + RTOL)

so a model beats a cheaper one only if its utility is higher by more than ``RTOL * lam * (c_j - c_k)``:
utilities equal up to that margin count as tied and go to the cheaper model, whatever the rounding. At
``lam = 0`` ties are exact equality of the scores (equal scores are equal floats). The margin is a billionth
of the cost term: no router's estimates are meaningful at that resolution, and rounding error (about 1e-16
relative) stays far below it.

How it is computed (vectorised, no loop over queries)
-----------------------------------------------------
For one query the winner as ``lam`` grows walks down the upper-left convex hull of the points
``(c_hat[i, j], s_hat[i, j])``: from ``w0 = argmax s`` (cheapest of equals) to the next model, the cheaper
model that catches up first, at breakpoint ``beta = (s_w - s_k) / (c_w - c_k)`` (the smallest such ratio;
ties to the cheaper model), and so on to the cheapest model. ``_walk`` does this for all queries at once,
one hull step per iteration (at most ``m - 1`` iterations, each over the queries still walking), each step
a sweep over the ``m`` models of whole-vector operations across queries (a models-major layout: numpy
reduces a short axis of 11 slowly, and elementwise work across 36,000 queries fast). A grid of
``L`` budgets is then filled in ``O(L * n)``: each breakpoint is located in the sorted grid by binary search
and the choice matrix is a cumulative sum of the model changes. ``decide`` for one ``lam`` and for a grid
uses the same code, so a router's ``route(data, lam)`` and a vectorised sweep agree to the last bit.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["RTOL", "decide", "lam_grid", "aggregate", "check_lams", "Walk"]

#: Relative tolerance of the tie rule: utilities are compared at ``lam * (1 + RTOL)``.
RTOL = 1e-9


class Walk(NamedTuple):
    """Every change of decision of the rule, per query, as ``lam`` grows from 0.

    ``first`` (n,): the choice at ``lam = 0``. ``query``, ``lam``, ``old``, ``new`` (E,): at breakpoint
    ``lam`` (the change applies to every budget ``b`` with ``b * (1 + RTOL) >= lam``), query ``query`` switches from model ``old`` to the cheaper model ``new``. Per query the breakpoints are
    non-decreasing and the last ``new`` is the query's cheapest model.
    """

    first: np.ndarray
    query: np.ndarray
    lam: np.ndarray
    old: np.ndarray
    new: np.ndarray


def _check_sc(s_hat, c_hat) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(s_hat, dtype=float)
    c = np.asarray(c_hat, dtype=float)
    if s.ndim != 2:
        raise ValueError(f"s_hat must be a 2-D array (n_queries, n_models), got shape {s.shape}")
    if c.shape != s.shape:
        raise ValueError(f"c_hat has shape {c.shape} but s_hat has shape {s.shape}")
    if s.shape[0] == 0 or s.shape[1] == 0:
        raise ValueError(f"s_hat is empty (shape {s.shape}): nothing to decide")
    for name, arr in (("s_hat", s), ("c_hat", c)):
        bad = ~np.isfinite(arr)
        if bad.any():
            i, j = (int(k) for k in np.argwhere(bad)[0])
            raise ValueError(f"{name} has {int(bad.sum())} NaN or infinite entries, first at query {i}, "
                             f"model {j}")
    return s, c


def check_lams(lams) -> tuple[np.ndarray, bool]:
    """Validate budgets: finite and non-negative. Returns ``(lams as 1-D float array, was_scalar)``."""
    arr = np.asarray(lams, dtype=float)
    scalar = arr.ndim == 0
    arr = arr.reshape(-1) if scalar else arr
    if arr.ndim != 1:
        raise ValueError(f"lams must be a number or a 1-D array of budgets, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError("lams is empty: give at least one budget")
    if np.isnan(arr).any():
        raise ValueError(f"lams has {int(np.isnan(arr).sum())} NaN entries, first at position "
                         f"{int(np.argmax(np.isnan(arr)))}")
    if np.isinf(arr).any():
        raise ValueError("lams must be finite: an infinite budget has no cost-quality meaning "
                         "(use a large finite lam; lam_grid's largest value already sends every query to "
                         "its cheapest model)")
    if (arr < 0).any():
        k = int(np.argmax(arr < 0))
        raise ValueError(f"lams must be non-negative (a negative lam would pay for expensive calls), got "
                         f"{arr[k]:g} at position {k}")
    return arr, scalar


def _lex_best_t(key1_t: np.ndarray, key2_t: np.ndarray) -> np.ndarray:
    """Per query (column of the models-major (m, n) keys): the model with the smallest ``key1``, ties to the
    smallest ``key2``, then the lowest index. Exact comparisons; one elementwise sweep over the m models.

    numpy reduces a short axis slowly; sweeping the models with whole-vector operations over the queries is
    an order of magnitude faster for the (n large, m ~ 10) shapes of routing.
    """
    best = np.zeros(key1_t.shape[1], dtype=np.intp)
    b1, b2 = key1_t[0].copy(), key2_t[0].copy()
    for j in range(1, key1_t.shape[0]):
        k1, k2 = key1_t[j], key2_t[j]
        better = (k1 < b1) | ((k1 == b1) & (k2 < b2))   # strict: equal keys keep the lower index
        best[better] = j
        np.copyto(b1, k1, where=better)
        np.copyto(b2, k2, where=better)
    return best


def _walk(s: np.ndarray, c: np.ndarray) -> Walk:
    """All decision changes of the rule on ``(s, c)`` (see the module docstring).

    One iteration per hull step (at most ``m - 1``), over the queries still walking; inside, one sweep over
    the models of elementwise operations on those queries (models-major layout, see ``_lex_best_t``). From
    the current winner ``w`` the next is the cheaper model ``k`` (``c_k < c_w``) with the smallest
    ``(s_w - s_k) / (c_w - c_k)``, ties to the lower cost, then the lower index.
    """
    n, m = s.shape
    st, ct = np.ascontiguousarray(s.T), np.ascontiguousarray(c.T)
    first = _lex_best_t(-st, ct)
    cur = first.copy()
    prev = np.zeros(n)
    active = np.arange(n)
    full = True
    out_q, out_lam, out_old, out_new = [], [], [], []
    for _ in range(m - 1):
        k = active.size
        w = cur[active]
        sw, cw = st[w, active], ct[w, active]
        best_r = np.full(k, np.inf)
        best_c = np.full(k, np.inf)
        best_j = np.full(k, -1, dtype=np.intp)
        for j in range(m):
            sj = st[j] if full else st[j, active]
            cj = ct[j] if full else ct[j, active]
            den = cw - cj
            ok = den > 0
            r = np.full(k, np.inf)
            np.divide(sw - sj, den, out=r, where=ok)
            better = ok & ((r < best_r) | ((r == best_r) & (cj < best_c)))
            best_j[better] = j
            np.copyto(best_r, r, where=better)
            np.copyto(best_c, cj, where=better)
        has = best_j >= 0
        if not has.any():
            break
        q = active[has]
        nxt = best_j[has]
        beta = np.maximum(best_r[has], prev[q])  # per query non-decreasing
        out_q.append(q)
        out_lam.append(beta)
        out_old.append(cur[q])
        out_new.append(nxt)
        cur[q] = nxt
        prev[q] = beta
        active = q
        full = False
    if out_q:
        cat = np.concatenate
        return Walk(first, cat(out_q), cat(out_lam), cat(out_old), cat(out_new))
    empty_i, empty_f = np.zeros(0, dtype=np.intp), np.zeros(0)
    return Walk(first, empty_i, empty_f, empty_i, empty_i)


def decide(s_hat, c_hat, lams) -> np.ndarray:
    """Choose one model per query for each budget: ``argmax_j s_hat[i, j] - lam * c_hat[i, j]``.

    Parameters
    ----------
    s_hat : array (n, m)
        Estimated score (or any utility in score units) per query and model. Finite.
    c_hat : array (n, m)
        Estimated cost in USD per query and model, known before the call. Finite.
    lams : float or array (L,)
        Budget parameters, finite and ``>= 0``, in any order (duplicates allowed).

    Returns
    -------
    array of int, shape (n,) for a scalar ``lams``, (L, n) for an array (row ``k`` for ``lams[k]``).

    Ties go to the cheaper model (lower ``c_hat``), then to the lower column index; ties are detected with
    the relative tolerance ``RTOL`` on the cost term (see the module docstring), so budgets that sit exactly
    on a breakpoint (as ``lam_grid`` produces) resolve to the cheaper model.
    """
    s, c = _check_sc(s_hat, c_hat)
    lam, scalar = check_lams(lams)
    walk = _walk(s, c)
    out = _fill(walk, s.shape[0], lam)
    return out[0] if scalar else out


def _fill(walk: Walk, n: int, lam: np.ndarray) -> np.ndarray:
    """Choice matrix (L, n) of a walk at budgets ``lam`` (validated)."""
    L = lam.size
    nudged = lam * (1.0 + RTOL)
    in_order = bool(np.all(nudged[1:] >= nudged[:-1]))
    order = None if in_order else np.argsort(nudged, kind="stable")
    sorted_lam = nudged if in_order else nudged[order]
    out = np.zeros((L, n), dtype=np.intp)
    out[0] = walk.first
    if walk.query.size:
        # a change at breakpoint b applies to every sorted budget >= b: rows searchsorted(left) .. L-1
        g = np.searchsorted(sorted_lam, walk.lam, side="left")
        keep = g < L
        flat = out.reshape(-1)
        np.add.at(flat, g[keep] * n + walk.query[keep], walk.new[keep] - walk.old[keep])
        # row 0 holds first + the changes at g = 0; the others are cumulated below
    np.cumsum(out, axis=0, out=out)
    if order is None:
        return out
    unsorted = np.empty_like(out)
    unsorted[order] = out
    return unsorted


def lam_grid(s_hat, c_hat, n: int = 50, max_ratio: float = 1e6) -> np.ndarray:
    """Budgets that sweep the rule from "best expected score" to "every query to its cheapest model".

    The grid is ``0`` followed by ``n - 1`` geometrically spaced values from ``lam_lo`` to ``lam_hi``:

    - ``lam_hi``: the largest budget at which any decision changes, i.e. the largest final breakpoint
      ``max_i max_j (s_ij - s_iK) / (c_ij - c_iK)`` over models ``j`` dearer than query ``i``'s cheapest
      model ``K``. At ``lam_hi`` (and above) every query goes to its cheapest model (the tie rule resolves
      the breakpoint itself to the cheaper model).
    - ``lam_lo``: the smallest budget at which any decision changes (the smallest first breakpoint, where
      the ``lam = 0`` choice of some query is first overtaken by a cheaper model), floored at
      ``lam_hi / max_ratio`` so that near-ties in ``s_hat`` (a difference of 1e-12, say) do not stretch the
      grid over decades where nothing else happens.

    Geometric spacing matches how budgets act: a decision flips where ``lam`` equals a score difference
    over a cost difference, and those ratios spread over orders of magnitude. If no decision ever changes
    (every query's cheapest model is also its best) the grid is ``[0.0]``; if all changes happen at a
    single budget it is ``[0.0, lam_hi]``.
    """
    s, c = _check_sc(s_hat, c_hat)
    if int(n) < 2:
        raise ValueError(f"n must be at least 2 (0 and one positive budget), got {n}")
    if not max_ratio > 1:
        raise ValueError(f"max_ratio must be > 1, got {max_ratio}")
    st, ct = np.ascontiguousarray(s.T), np.ascontiguousarray(c.T)
    cols = np.arange(s.shape[0])
    # last breakpoint: from the cheapest model K (ties to the higher score, then lower index)
    K = _lex_best_t(ct, -st)
    sK, cK = st[K, cols], ct[K, cols]
    # first breakpoint: from the lam = 0 choice w0
    w0 = _lex_best_t(-st, ct)
    sw, cw = st[w0, cols], ct[w0, cols]
    last = np.full(cols.size, -np.inf)
    first = np.full(cols.size, np.inf)
    r = np.empty(cols.size)
    for j in range(s.shape[1]):
        den = ct[j] - cK
        ok = den > 0
        r.fill(-np.inf)
        np.divide(st[j] - sK, den, out=r, where=ok)
        np.maximum(last, r, out=last)
        den = cw - ct[j]
        ok = den > 0
        r.fill(np.inf)
        np.divide(sw - st[j], den, out=r, where=ok)
        np.minimum(first, r, out=first)
    moving = np.isfinite(first) & (last > 0)
    if not moving.any():
        return np.array([0.0])
    hi = float(last[moving].max())
    lo = max(float(first[moving].min()), hi / float(max_ratio))
    if lo <= 0 or hi / lo <= 1 + 1e-12:
        return np.array([0.0, hi])
    grid = np.geomspace(lo, hi, int(n) - 1)
    grid[0], grid[-1] = lo, hi
    return np.concatenate([[0.0], grid])


def aggregate(choices, scores, costs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Quality, cost and model shares of a choice matrix.

    Parameters
    ----------
    choices : int array (L, n) (or (n,), treated as one row)
    scores, costs : arrays (n, m): the TRUE score and cost of every call.

    Returns
    -------
    quality (L,) : ``mean_i scores[i, choices[k, i]]``
    cost (L,) : ``mean_i costs[i, choices[k, i]]`` (USD per query)
    shares (L, m) : ``#{i : choices[k, i] = j} / n``

    Means are numpy's (pairwise) sums over the contiguous row, divided by ``n``; every path in routerkit
    goes through this one function, so the same choices always give bit-identical numbers.
    """
    ch = np.asarray(choices)
    if ch.ndim == 1:
        ch = ch[None, :]
    scores = np.asarray(scores, dtype=float)
    costs = np.asarray(costs, dtype=float)
    n, m = scores.shape
    if costs.shape != (n, m):
        raise ValueError(f"costs has shape {costs.shape} but scores has shape {scores.shape}")
    if ch.ndim != 2 or ch.shape[1] != n:
        raise ValueError(f"choices must have shape (L, {n}), got {ch.shape}")
    if not np.issubdtype(ch.dtype, np.integer):
        raise ValueError(f"choices must be integer model indices, got dtype {ch.dtype}")
    if ch.size and (ch.min() < 0 or ch.max() >= m):
        raise ValueError(f"choices must be model indices in [0, {m - 1}], got values in "
                         f"[{ch.min()}, {ch.max()}]")
    L = ch.shape[0]
    sf, cf = np.ascontiguousarray(scores).reshape(-1), np.ascontiguousarray(costs).reshape(-1)
    offsets = np.arange(n, dtype=np.intp) * m
    quality, cost, shares = np.empty(L), np.empty(L), np.empty((L, m))
    # blocks of rows small enough to stay in cache; each row's mean is the same whatever the block size
    rows = max(1, _BLOCK // max(n, 1))
    idx = np.empty((min(rows, L), n), dtype=np.intp)
    buf = np.empty((min(rows, L), n))
    for a in range(0, L, rows):  # loop over budgets, not queries
        b = min(L, a + rows)
        ix, bf = idx[: b - a], buf[: b - a]
        np.add(ch[a:b], offsets, out=ix)
        np.take(sf, ix, out=bf)
        quality[a:b] = bf.mean(axis=1)
        np.take(cf, ix, out=bf)
        cost[a:b] = bf.mean(axis=1)
        np.add(ch[a:b], (np.arange(b - a, dtype=np.intp) * m)[:, None], out=ix)
        shares[a:b] = np.bincount(ix.reshape(-1), minlength=(b - a) * m).reshape(b - a, m) / n
    return quality, cost, shares


_BLOCK = 1 << 16
