"""Every router on RouterWorld and on the real RouterBench subset: the plateau and collapse table.

    .venv/bin/python bench/fidelity.py                      # both datasets, 3 seeds
    .venv/bin/python bench/fidelity.py --data world --seeds 0

Per dataset and seed: fit every registered router on the training part, sweep it over budgets on the test
part with ``rk.evaluate`` (default grids) and report
- ``aiq``: normalised AIQ over ``metrics.cost_range(test)`` (cheapest to dearest single model),
- ``q_at_top_cost``: hull quality at the top model's mean test cost (top model = best single on train),
- ``cost_at_top_q``: hull cost (USD per 1,000 queries) to reach the top model's test quality (NaN: never;
  ``(k/3)``: reached in k seeds only, mean over those),
- ``top_share_lam0``: share of test queries sent to the top model at lam = 0 (the largest budget),
- ``aiq_ci95``: a bootstrap 95% interval of the AIQ over test queries (``BOOTSTRAP`` resamples of the queries,
  the router's choices at every budget fixed, the cost range fixed),
then the mean and the spread (standard deviation) over seeds. Rows ``zero`` (random mixing of single
models, ``metrics.zero_router``) and ``oracle`` bracket the band.

``--variants`` adds the ranking router's formulations (``RANKING_VARIANTS``, rows ``ranking[...]``) next to
the registered routers, e.g. the focused comparison of the ranking variants against the best score routers:

    .venv/bin/python bench/fidelity.py --routers mlp,pairwise,task_best,ranking --variants

RouterWorld: ``simulate(10_000, seed)`` at its defaults, 70/30 split with the same seed, routers seeded with
it. RouterBench subset (read from ../shared, never copied): ``load_routerbench(missing="drop")``, its own
``predefined_split``; features TF-IDF + SVD-128 of the prompts (fitted on the training prompts) plus the task
one-hot; the split is fixed, so the seeds vary only the routers' randomness.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

import routerkit as rk
from routerkit import metrics
from routerkit.evaluate import evaluate
from routerkit.routers.ranking import LEGACY

from _setup import seeded
import ranking_variants  # noqa: F401  (registers ``ranking_variant``: the losses the library dropped)

try:                                    # one thread per fit: shared machines oversubscribe badly otherwise
    import torch
    torch.set_num_threads(1)
    from threadpoolctl import threadpool_limits
    threadpool_limits(1)
except ImportError:                     # pragma: no cover
    pass

SUBSET = Path(__file__).resolve().parents[2] / "shared" / "data" / "routerbench_subset" / "routerbench_subset_wide.parquet"
BOOTSTRAP = 500
ROUTERS = ["oracle", "best_single", "cheapest", "random", "task_best", "cluster_best", "knn", "linear", "mlp",
           "mf", "pairwise", "gbdt", "ranking"]


# the ranking router's formulations (see routerkit/routers/ranking.py); ``ranking`` itself is the default
_LIN = dict(head="linear", temperature=0.1, weight_decay=1e-2, dropout=0.2)
RANKING_VARIANTS = {
    "legacy": dict(LEGACY, alpha=0.003),        # the original router, exactly (one budget per batch, no stopping)
    "film-pairwise-const": dict(head="film", loss="pairwise", tie_mode="constant", alpha=0.003, temperature=1.0,
                                weight_decay=1e-4, dropout=0.0),       # original formulation, new training
    "linear-pairwise-const-sw0": dict(_LIN, loss="pairwise", tie_mode="constant", alpha=0.03, score_weight=0.0),
    "linear-pairwise-gap": dict(_LIN, loss="pairwise", tie_mode="budget", alpha=1.0, score_weight=1.0),
    "linear-pairwise-gap-sw0": dict(_LIN, loss="pairwise", tie_mode="budget", alpha=1.0, score_weight=0.0),
    "linear-expected-utility": dict(_LIN, loss="expected_utility", temperature=0.05, score_weight=1.0),
    "linear-listwise": dict(_LIN, loss="listwise", alpha=0.0, score_weight=1.0),
}


def build(name: str, seed: int, task_onehot: bool, **extra):
    return seeded(rk.routers.make(name, **extra), seed, task_onehot)


def aiq_interval(router, curve: pd.DataFrame, test, c_min: float, c_max: float, seed: int) -> tuple[float, float]:
    """Bootstrap 95% interval of the AIQ over test queries: the choices at every budget of ``curve`` are kept,
    the queries resampled (a resample is a row of multiplicities, so every curve is one matrix product)."""
    lams = curve["lam"].to_numpy()
    choices = np.stack([np.asarray(router.route(test, lam)).reshape(-1) for lam in lams])     # (L, n)
    rows = np.arange(len(test))
    s, c = test.scores[rows, choices], test.costs[rows, choices]                              # (L, n)
    n = len(test)
    weights = np.random.default_rng(seed).multinomial(n, np.full(n, 1 / n), size=BOOTSTRAP) / n  # (B, n)
    qs, cs = s @ weights.T, c @ weights.T                                                     # (L, B)
    values = [metrics.aiq(cs[:, b], qs[:, b], c_min, c_max) for b in range(BOOTSTRAP)]
    lo, hi = np.percentile(values, [2.5, 97.5])
    return float(lo), float(hi)


def measure(routers: dict, train, test, seed: int = 0) -> pd.DataFrame:
    """One row per router: aiq, q_at_top_cost, cost_at_top_q, top_share_lam0 (see module docstring)."""
    frame = evaluate(routers, test)
    c_min, c_max = metrics.cost_range(test)
    any_router = next(iter(routers.values()))
    top = test.model_index(any_router.top_model_)
    top_q, top_c = test.scores[:, top].mean(), test.costs[:, top].mean()
    rows = []
    for name, r in routers.items():
        f = frame[frame["router"] == name]
        lam0 = r.route(test, 0.0)
        lo, hi = aiq_interval(r, f, test, c_min, c_max, seed)
        rows.append({"router": name, "aiq": metrics.aiq(f, None, c_min, c_max),
                     "q_at_top_cost": metrics.quality_at_cost(f, None, top_c),
                     "cost_at_top_q": 1e3 * metrics.cost_at_quality(f, None, top_q),
                     "top_share_lam0": float((lam0 == top).mean()), "aiq_lo": lo, "aiq_hi": hi})
    zc, zq = metrics.zero_router(test)
    rows.append({"router": "zero", "aiq": metrics.aiq(zc, zq, c_min, c_max),
                 "q_at_top_cost": metrics.quality_at_cost(zc, zq, top_c),
                 "cost_at_top_q": 1e3 * metrics.cost_at_quality(zc, zq, top_q), "top_share_lam0": np.nan})
    return pd.DataFrame(rows)


def world_split(seed: int):
    return rk.train_test_split(rk.simulate(n_queries=10_000, seed=seed), test_size=0.3, seed=seed)


def subset_split():
    data = rk.load_routerbench(SUBSET, missing="drop")
    return rk.predefined_split(data)


def run(dataset: str, seeds, names=ROUTERS, extra: dict | None = None, variants: dict | None = None) -> pd.DataFrame:
    out = []
    for seed in seeds:
        train, test = world_split(seed) if dataset == "world" else subset_split()
        onehot = dataset == "routerbench"
        routers = {}
        for n in names:
            t0 = time.perf_counter()
            routers[n] = build(n, seed, onehot, **(extra or {}).get(n, {})).fit(train)
            print(f"  [{dataset} seed {seed}] {n:14s} fit {time.perf_counter() - t0:6.2f} s", flush=True)
        for label, params in (variants or {}).items():
            t0 = time.perf_counter()
            kind = "ranking_variant" if "loss" in params else "ranking"
            routers[f"ranking[{label}]"] = build(kind, seed, onehot, **params).fit(train)
            print(f"  [{dataset} seed {seed}] ranking[{label}] fit {time.perf_counter() - t0:6.2f} s", flush=True)
        table = measure(routers, train, test, seed)
        table["seed"] = seed
        out.append(table)
    return pd.concat(out, ignore_index=True)


def summarise(long: pd.DataFrame) -> pd.DataFrame:
    cols = ["aiq", "q_at_top_cost", "cost_at_top_q", "top_share_lam0"]
    g = long.groupby("router", sort=False)[cols]
    mean, sd = g.mean(), g.std(ddof=1).fillna(0.0)
    table = pd.DataFrame(index=mean.index)
    reached = g.count()
    n_seeds = long["seed"].nunique()
    for c in cols:
        table[c] = [(f"{m:.3f} ± {s:.3f}" + (f" ({k}/{n_seeds})" if k < n_seeds else "")) if np.isfinite(m)
                    else "nan" for m, s, k in zip(mean[c], sd[c], reached[c])]
    bounds = long.groupby("router", sort=False)[["aiq_lo", "aiq_hi"]].mean()
    table["aiq_ci95"] = [f"[{lo:.3f}, {hi:.3f}]" if np.isfinite(lo) else "" for lo, hi in
                         zip(bounds["aiq_lo"], bounds["aiq_hi"])]
    return table.sort_values("aiq", key=lambda s: s.str.slice(0, 5).astype(float), ascending=False)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="both", choices=["both", "world", "routerbench"])
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--routers", default=",".join(ROUTERS), help="comma-separated registry names")
    ap.add_argument("--variants", action="store_true", help="add the ranking formulations RANKING_VARIANTS")
    args = ap.parse_args()
    names = args.routers.split(",")
    seeds = [int(s) for s in args.seeds.split(",")]
    sets = ["world", "routerbench"] if args.data == "both" else [args.data]
    for ds in sets:
        if ds == "routerbench" and not SUBSET.exists():
            print(f"skip routerbench: {SUBSET} not found")
            continue
        long = run(ds, seeds, names, variants=RANKING_VARIANTS if args.variants else None)
        print(f"\n== {ds}: mean ± sd over seeds {seeds} (cost_at_top_q in USD per 1,000 queries; aiq_ci95: "
              f"bootstrap over test queries, bounds averaged over seeds) ==")
        print(summarise(long).to_string())


if __name__ == "__main__":
    main()
