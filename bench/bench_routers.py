"""Router speed: fit and route wall times per registered router (not a timed test).

    .venv/bin/python bench/bench_routers.py                # 30,000 x 11, 64-dim features (the spec's size)
    .venv/bin/python bench/bench_routers.py --n 10000      # other sizes

Fit on 70% of ``simulate(n_queries=N, n_features=64)``, route 10,000 queries at one budget. The targets
(2-core CPU): fit under 60 s, route 10,000 under 1 s. Times depend on machine load.
"""
from __future__ import annotations

import argparse
import time

import pandas as pd
import torch

import routerkit as rk


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=30_000, help="training queries")
    ap.add_argument("--routers", default="all")
    args = ap.parse_args()
    data = rk.simulate(n_queries=args.n + 10_000, seed=0, n_features=64)
    train, test = data[:args.n], data[args.n:]
    names = [n for n in rk.routers.available() if not n.startswith("single:")] + ["single:gpt-4-1106-preview"]
    if args.routers != "all":
        names = args.routers.split(",")
    rows = []
    print(f"train {len(train)} x {train.n_models}, features {train.features.shape[1]}, route {len(test)}; "
          f"torch threads {torch.get_num_threads()}")
    for name in names:
        r = rk.routers.make(name)
        t0 = time.perf_counter()
        r.fit(train)
        t1 = time.perf_counter()
        r.route(test, 50.0)
        t2 = time.perf_counter()
        rows.append({"router": name, "fit_s": t1 - t0, "route_10k_s": t2 - t1,
                     "fit_ok": t1 - t0 < 60, "route_ok": t2 - t1 < 1})
        print(f"{name:28s} fit {t1 - t0:7.2f} s   route {t2 - t1:6.3f} s", flush=True)
    print(pd.DataFrame(rows).to_string(index=False, float_format="%.3f"))


if __name__ == "__main__":
    main()
