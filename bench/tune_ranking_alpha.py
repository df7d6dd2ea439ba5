"""Choose the ranking router's default tie weight ``alpha`` by validation on TRAINING data only.

    .venv/bin/python bench/tune_ranking_alpha.py

For each dataset and seed: take the TRAINING part of the split bench/fidelity.py uses (RouterWorld
``simulate(10_000, seed)`` 70/30; the RouterBench subset's predefined ``train``), split it again 80/20
(``train_test_split(train, 0.2, seed)``), fit ``ranking`` with each candidate ``alpha`` on the 80% and measure
AIQ (plus top-model share at lam = 0) on the 20%. The test parts are never touched. The chosen default is the
candidate with the best mean validation AIQ over both datasets and all seeds.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import routerkit as rk  # noqa: E402
from fidelity import SUBSET, build, measure, subset_split, world_split  # noqa: E402

CANDIDATES = [0.0, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]


def main(seeds=(0, 1, 2)) -> None:
    rows = []
    for ds in ("world", "routerbench"):
        if ds == "routerbench" and not SUBSET.exists():
            continue
        for seed in seeds:
            train, _test_never_used = world_split(seed) if ds == "world" else subset_split()
            fit, val = rk.train_test_split(train, test_size=0.2, seed=seed)
            routers = {f"alpha={a:g}": build("ranking", seed, ds == "routerbench", alpha=a).fit(fit)
                       for a in CANDIDATES}
            table = measure(routers, fit, val)
            table = table[table["router"] != "zero"].assign(data=ds, seed=seed)
            rows.append(table)
            print(table.to_string(index=False), flush=True)
    long = pd.concat(rows, ignore_index=True)
    summary = long.groupby(["data", "router"], sort=False)[["aiq", "top_share_lam0"]].mean().unstack(0)
    print("\nmean over seeds (validation part of the training data):")
    print(summary.round(4).to_string())
    overall = long.groupby("router", sort=False)["aiq"].mean()
    print(f"\nbest mean validation AIQ over both datasets: {overall.idxmax()} ({overall.max():.4f})")


if __name__ == "__main__":
    main()
