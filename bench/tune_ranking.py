"""Choose the ranking router's default formulation and hyperparameters by validation on TRAINING data only.

    .venv/bin/python bench/tune_ranking.py                 # every candidate, both datasets, seeds 0-2
    .venv/bin/python bench/tune_ranking.py --data world --seeds 0 --candidates default,legacy

Procedure. For each dataset and seed: take the TRAINING part of the split bench/fidelity.py uses (RouterWorld
``simulate(10_000, seed)`` 70/30; the RouterBench subset's predefined ``train``), split it again 80/20
(``train_test_split(train, 0.2, seed)``), fit every candidate on the 80% (the router's own early stopping
holds out a further 15% of that 80%) and measure on the 20% (AIQ, quality at the top model's cost, cost at
the top model's quality, top-model share at lam = 0), next to ``mlp``, ``pairwise`` and ``task_best``.
The test parts are never touched. The default is the candidate with the best mean validation AIQ over both
datasets and all seeds; cost at the top model's quality breaks near-ties (within 0.002).
The table this produced is recorded in the docstring of routerkit/routers/ranking.py.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
import routerkit as rk  # noqa: E402
from fidelity import SUBSET, build, measure, subset_split, world_split  # noqa: E402
from routerkit.routers.ranking import LEGACY  # noqa: E402

torch.set_num_threads(1)
threadpool_limits(1)

_LIN = dict(head="linear", temperature=0.1, weight_decay=1e-2, dropout=0.2)
CANDIDATES = {
    # the original formulation and training (one budget per batch, 30 epochs, no early stopping)
    "legacy": dict(LEGACY, alpha=0.03),
    # new training (a budget per query, cosine schedule, early stopping), FiLM budget head
    "film pairwise const a=.003": dict(head="film", loss="pairwise", tie_mode="constant", alpha=0.003, temperature=1.0,
                                       weight_decay=1e-4, dropout=0.0, score_weight=0.0),
    "film pairwise gap": dict(head="film", loss="pairwise", tie_mode="budget", alpha=1.0, lr=3e-3, temperature=1.0,
                              weight_decay=1e-4, dropout=0.0, score_weight=0.0),
    "film expected_utility": dict(head="film", loss="expected_utility", temperature=1.0, lr=3e-3,
                                  weight_decay=1e-4, dropout=0.0, score_weight=0.0),
    "film listwise": dict(head="film", loss="listwise", alpha=0.0, temperature=1.0, lr=3e-3,
                          weight_decay=1e-4, dropout=0.0, score_weight=0.0),
    # linear budget head f = g(x) - lam * c_hat, unregularised
    "linear pairwise gap (wd 1e-4)": dict(head="linear", loss="pairwise", tie_mode="budget", alpha=1.0,
                                          temperature=0.1, weight_decay=1e-4, dropout=0.0, score_weight=0.0),
    # linear head, regularised (weight decay 1e-2, dropout 0.2)
    "linear pairwise gap": dict(_LIN, loss="pairwise", tie_mode="budget", alpha=1.0, score_weight=0.0),
    "linear pairwise gap sw=.3": dict(_LIN, loss="pairwise", tie_mode="budget", alpha=1.0, score_weight=0.3),
    "linear pairwise gap sw=1": dict(_LIN, loss="pairwise", tie_mode="budget", alpha=1.0, score_weight=1.0),
    "linear pairwise gap sw=3": dict(_LIN, loss="pairwise", tie_mode="budget", alpha=1.0, score_weight=3.0),
    "linear pairwise gap sw=1 a=.3": dict(_LIN, loss="pairwise", tie_mode="budget", alpha=0.3, score_weight=1.0),
    "linear pairwise gap sw=1 T=.2": dict(_LIN, loss="pairwise", tie_mode="budget", alpha=1.0, score_weight=1.0,
                                          temperature=0.2),
    "linear pairwise gap sw=1 wd=3e-2": dict(_LIN, loss="pairwise", tie_mode="budget", alpha=1.0,
                                             score_weight=1.0, weight_decay=3e-2),
    "linear pairwise const a=.03 sw=1": dict(_LIN, loss="pairwise", tie_mode="constant", alpha=0.03,
                                             score_weight=1.0),
    "linear expected_utility sw=1": dict(_LIN, loss="expected_utility", temperature=0.05, score_weight=1.0),
    "linear listwise sw=1": dict(_LIN, loss="listwise", alpha=0.0, score_weight=1.0),
    "linear score-only (sw=1000)": dict(_LIN, loss="pairwise", tie_mode="budget", alpha=1.0,
                                        score_weight=1000.0),
}
REFERENCE = ["mlp", "pairwise", "task_best"]


def validate(datasets, seeds, candidates: dict) -> pd.DataFrame:
    rows = []
    for ds in datasets:
        for seed in seeds:
            train, _test_never_used = world_split(seed) if ds == "world" else subset_split()
            fit, val = rk.train_test_split(train, test_size=0.2, seed=seed)
            routers = {n: build(n, seed, ds == "routerbench").fit(fit) for n in REFERENCE}
            for label, params in candidates.items():
                t0 = time.perf_counter()
                routers[label] = build("ranking", seed, ds == "routerbench", **params).fit(fit)
                print(f"  [{ds} seed {seed}] {label:36s} fit {time.perf_counter() - t0:5.1f} s", flush=True)
            table = measure(routers, fit, val)
            rows.append(table[table["router"] != "zero"].assign(data=ds, seed=seed))
    return pd.concat(rows, ignore_index=True)


def summarise(long: pd.DataFrame) -> pd.DataFrame:
    cols = ["aiq", "cost_at_top_q", "top_share_lam0"]
    g = long.groupby(["router", "data"], sort=False)
    mean, sd, k = g[cols].mean(), g[cols].std(ddof=1), g["cost_at_top_q"].count()
    out = pd.DataFrame(index=mean.index)
    out["aiq"] = [f"{m:.3f} ± {s:.3f}" for m, s in zip(mean["aiq"], sd["aiq"])]
    out["cost_at_top_q"] = [f"{m:.2f} ({n}/{long['seed'].nunique()})" if n else "never"
                            for m, n in zip(mean["cost_at_top_q"], k)]
    out["top_share_lam0"] = mean["top_share_lam0"].round(2)
    out = out.unstack("data")
    out[("mean_aiq", "all")] = long.groupby("router", sort=False)["aiq"].mean().round(4)
    return out.sort_values(("mean_aiq", "all"), ascending=False)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="both", choices=["both", "world", "routerbench"])
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--candidates", default="all", help="comma-separated labels of CANDIDATES")
    args = ap.parse_args()
    cands = CANDIDATES if args.candidates == "all" else {c: CANDIDATES[c] for c in args.candidates.split(",")}
    sets = ["world", "routerbench"] if args.data == "both" else [args.data]
    sets = [d for d in sets if d == "world" or SUBSET.exists()]
    long = validate(sets, [int(s) for s in args.seeds.split(",")], cands)
    table = summarise(long)
    pd.set_option("display.width", 250)
    print("\nvalidation part of the TRAINING data, mean ± sd over seeds (cost in USD per 1,000 queries):")
    print(table.to_string())
    ranked = long[long["router"].isin(cands)].groupby("router")["aiq"].mean().sort_values(ascending=False)
    print(f"\nbest mean validation AIQ over {sets}: {ranked.index[0]} ({ranked.iloc[0]:.4f})")
    return None


if __name__ == "__main__":
    main()
