"""Router speed and memory: fit and route wall times and peak memory per registered router (not a timed test).

    .venv/bin/python bench/bench_routers.py                # 36,000 x 11, 64-dim features
    .venv/bin/python bench/bench_routers.py --n 30000      # other sizes

Each router runs in a process of its own (so its peak resident memory is its own): it fits on ``N`` queries of
``simulate(n_queries=N + 10_000, n_features=64)`` and routes the other 10,000 at one budget: the first call
(``route_first_s``, with any one-time warm-up) and the best of three more (``route_10k_s``, the least disturbed
by other work on the machine). Targets on a 2-core CPU: fit under 60 s at 30,000 queries, route 10,000 under
1 s (judged on ``route_10k_s``). Routers run with routerkit's thread defaults (one thread per native pool, one
kNN search worker per core); ``--threads N`` sets ``rk.set_threads(N)`` instead.

Then the kNN search itself against the plainest exact search on the same features and machine: one torch
float32 matrix product of all 10,000 queries with the 30,000 training queries and ``torch.topk``, torch using
every core. Target: within 1.2x of it, and under 1 s.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

ROUTE_N = 10_000


def one(name: str, n: int, threads: int) -> dict:
    """Fit and route one router in this process; returns its timings."""
    import routerkit as rk

    if threads:
        rk.set_threads(threads)
    data = rk.simulate(n_queries=n + ROUTE_N, seed=0, n_features=64)
    train, test = data[:n], data[n:]
    router = rk.routers.make(name)
    t0 = time.perf_counter()
    router.fit(train)
    t1 = time.perf_counter()
    router.route(test, 50.0)
    first = time.perf_counter() - t1
    again = []
    for _ in range(3):
        t2 = time.perf_counter()
        router.route(test, 50.0)
        again.append(time.perf_counter() - t2)
    return {"router": name, "fit_s": t1 - t0, "route_first_s": first, "route_10k_s": min(again)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=36_000, help="training queries")
    ap.add_argument("--routers", default="all", help="comma-separated names, or 'all'")
    ap.add_argument("--threads", type=int, default=0, help="rk.set_threads(N); 0: routerkit's defaults")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one router and print JSON
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.n, args.threads)))
        return 0

    import pandas as pd

    import routerkit as rk

    names = [n for n in rk.routers.available() if not n.startswith("single:")] + ["single:gpt-4-1106-preview"]
    if args.routers != "all":
        names = args.routers.split(",")
    print(f"fit on {args.n:,} x 11 (64-dim features), route {ROUTE_N:,}; one process per router, "
          + (f"rk.set_threads({args.threads})" if args.threads else "routerkit's thread defaults"))
    rows = []
    for name in names:
        proc = subprocess.Popen([sys.executable, __file__, "--one", name, "--n", str(args.n),
                                 "--threads", str(args.threads)],
                                stdout=subprocess.PIPE, text=True)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        if os.waitstatus_to_exitcode(status):
            print(f"{name}: failed", file=sys.stderr)
            return 1
        row = json.loads(out.strip().splitlines()[-1])
        row["peak_memory_mb"] = usage.ru_maxrss / 1024
        rows.append(row)
    table = pd.DataFrame(rows)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    slow = table[(table.fit_s >= 60) | (table.route_10k_s >= 1)]
    print(f"\nat {args.n:,} training queries: " + ("every router fits in under 60 s and routes 10,000 queries in "
          "under 1 s" if slow.empty else f"over 60 s to fit or 1 s to route: {', '.join(slow.router)}"))
    if args.routers == "all" or "knn" in names:
        knn_kernel(args.n)
    return 0


def knn_kernel(n: int, k: int = 25, repeats: int = 5) -> None:
    """routerkit's kNN search against one plain torch float32 product + top-k, on the knn router's features."""
    import numpy as np
    import torch

    import routerkit as rk
    from routerkit.routers.knn import cosine_top_k

    data = rk.simulate(n_queries=n + ROUTE_N, seed=0, n_features=64)
    X = (data.features - data.features[:n].mean(axis=0)) / data.features[:n].std(axis=0)
    X = (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)
    ref, queries = torch.from_numpy(X[:n]), torch.from_numpy(X[n:])

    def best(fn) -> float:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times)

    cores = len(os.sched_getaffinity(0))

    def plain():
        torch.set_num_threads(cores)
        with torch.no_grad():
            torch.topk(queries @ ref.T, k, dim=1, sorted=False)

    with torch.no_grad():
        ours = best(lambda: cosine_top_k(ref, queries, k))
        reference = best(plain)
    print(f"\nkNN search, {ROUTE_N:,} queries against {n:,} x 64, k={k}, best of {repeats}: routerkit "
          f"{ours:.3f} s, plain torch float32 matmul + topk on {cores} threads {reference:.3f} s, ratio "
          f"{ours / reference:.2f} (targets: <= 1.2 and < 1 s: "
          f"{'met' if ours <= 1.2 * reference and ours < 1 else 'NOT met'})")


if __name__ == "__main__":
    sys.exit(main())
