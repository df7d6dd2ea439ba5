"""RouterWorld: how fast it generates, and how close it sits to RouterBench (not a timed test).

    .venv/bin/python bench/bench_world.py            # speed and fidelity tables
    .venv/bin/python bench/bench_world.py --speed    # speed only

Speed: wall time of ``simulate`` per size; the first call also reads data/ and fits the loadings (cached).
Fidelity: RouterWorld at its defaults against the RouterBench aggregates stored in data/ (the tests check those
are the subset's own numbers), plus what only a simulator can show: the Bayes router's quality.
"""
from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd
from sklearn.neighbors import KNeighborsRegressor

from routerkit.data import train_test_split
from routerkit.resources import resource_path
from routerkit.world import MODELS, load_calibration, simulate, structure


def speed(sizes=(1_000, 10_000, 100_000), repeats=5) -> pd.DataFrame:
    load_calibration.cache_clear()
    start = time.perf_counter()
    simulate(10_000)
    cold = time.perf_counter() - start
    rows = [{"n_queries": 10_000, "call": "first (reads data/)", "seconds": cold}]
    for n in sizes:
        times = []
        for rep in range(repeats):
            start = time.perf_counter()
            simulate(n, seed=rep)
            times.append(time.perf_counter() - start)
        rows.append({"n_queries": n, "call": f"median of {repeats}", "seconds": float(np.median(times))})
    return pd.DataFrame(rows)


def fidelity(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    world = simulate(seed=seed)
    facts = pd.read_csv(resource_path("routerworld_calibration.csv"))
    shares = pd.read_csv(resource_path("routerworld_tasks.csv")).set_index("task")["share"]
    facts["weight"] = facts["task"].map(shares)
    real = facts.groupby("model")[["accuracy", "mean_cost_usd", "weight"]].apply(
        lambda g: pd.Series({"accuracy": np.average(g["accuracy"], weights=g["weight"]),
                             "cost": np.average(g["mean_cost_usd"], weights=g["weight"])}))
    per_model = pd.DataFrame({
        "model": list(MODELS),
        "acc_real": real.loc[list(MODELS), "accuracy"].to_numpy(),
        "acc_world": world.scores.mean(axis=0),
        "cost_real_usd": real.loc[list(MODELS), "cost"].to_numpy(),
        "cost_world_usd": world.costs.mean(axis=0),
    })

    stored = pd.read_csv(resource_path("routerworld_structure.csv")).set_index("scope").loc["all"]
    sim = structure(world)
    keys = ["tie_rate", "oracle", "none_solved", "single_solver", "mean_phi", "best_quality"]
    rows = [{"quantity": k, "routerbench": float(stored[k]), "routerworld": sim[k]} for k in keys]

    train, test = train_test_split(world, test_size=0.3, seed=seed)
    knn = KNeighborsRegressor(n_neighbors=100, weights="distance").fit(train.features, train.scores)
    at = np.arange(len(test))
    rows += [
        {"quantity": "oracle (test split)", "routerbench": np.nan, "routerworld": test.scores.max(axis=1).mean()},
        {"quantity": "Bayes router, lam=0 (test split)", "routerbench": np.nan,
         "routerworld": test.scores[at, test.truth.argmax(axis=1)].mean()},
        {"quantity": "kNN-100 router, lam=0 (test split)", "routerbench": np.nan,
         "routerworld": test.scores[at, knn.predict(test.features).argmax(axis=1)].mean()},
    ]
    return per_model, pd.DataFrame(rows)


def main(argv: list[str]) -> None:
    pd.set_option("display.width", 160)
    print("RouterWorld generation time\n")
    print(speed().to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    if "--speed" in argv:
        return
    per_model, summary = fidelity()
    print("\nPer model, default world (10,000 queries, seed 0) vs RouterBench (task-mix weighted)\n")
    print(per_model.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    print("\nStructure\n")
    print(summary.to_string(index=False, float_format=lambda x: f"{x:.4f}", na_rep="-"))


if __name__ == "__main__":
    main(sys.argv[1:])
