"""Thread defaults: is routerkit's default ever slower than one thread per pool? (not a timed test)

    .venv/bin/python bench/bench_threads.py [--repeats 2]

Each path runs in a fresh process twice over: with routerkit's defaults, and with every pool forced to one
thread from the environment (``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` and
``ROUTERKIT_THREADS`` = 1, which also makes the kNN search single-threaded). Both on an idle machine and on
a busy one (another process keeps one core fully loaded for the whole measurement). The ratio is default
time over one-thread time, best of ``--repeats`` each; the target is <= 1.2 everywhere. The last column shows
what the libraries' own defaults (every pool as wide as the machine, routerkit's limit lifted with
``ROUTERKIT_THREADS`` = cores) cost on the same path, the oversubscription the default avoids.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
CLI = [sys.executable, "-m", "routerkit"]
API = """
import routerkit as rk
data = rk.load_dataset("routerworld")
train, test = rk.train_test_split(data, seed=0)
for name in ("gbdt", "knn", "mlp", "linear"):
    router = rk.routers.make(name).fit(train)
    rk.evaluate(router, test)
"""
ONE = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "ROUTERKIT_THREADS": "1"}


def paths() -> list[tuple[str, list[str]]]:
    out = [("CLI evaluate --routers all, routerworld", CLI + ["evaluate", "--data", "routerworld", "--progress", "off"]),
           ("API fit + evaluate gbdt, knn, mlp, linear, routerworld", [sys.executable, "-c", API])]
    subset = SHARED / "routerbench_subset" / "routerbench_subset_wide.parquet"
    if subset.is_file():
        out.insert(1, ("CLI evaluate --routers all, routerbench_subset",
                       CLI + ["evaluate", "--data", str(subset), "--missing", "drop", "--progress", "off"]))
    else:
        print(f"(routerbench_subset not found at {subset}: its row is skipped)")
    return out


def timed(cmd: list[str], env: dict[str, str], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(cmd, env={**os.environ, **env}, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    cores = str(len(os.sched_getaffinity(0)))
    clean = {k: v for k, v in os.environ.items() if k not in ONE}
    os.environ.clear()
    os.environ.update(clean)
    wide = {"ROUTERKIT_THREADS": cores}
    rows = []
    for load in ("idle", "busy"):
        burner = None
        if load == "busy":
            burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            for label, cmd in paths():
                default = timed(cmd, {}, args.repeats)
                single = timed(cmd, ONE, args.repeats)
                libs = timed(cmd, wide, 1)
                rows.append((load, label, default, single, default / single, libs))
        finally:
            if burner is not None:
                burner.kill()
                burner.wait()
    print(f"{cores} cores; seconds, best of {args.repeats} (the libraries' defaults: one run)\n")
    print(f"{'machine':8} {'path':58} {'default':>8} {'1 thread':>9} {'ratio':>6} {'libs wide':>10}")
    for load, label, default, single, ratio, libs in rows:
        print(f"{load:8} {label:58} {default:8.1f} {single:9.1f} {ratio:6.2f} {libs:10.1f}")
    worst = max(r[4] for r in rows)
    print(f"\nworst ratio of default to one thread per pool: {worst:.2f} "
          f"({'within' if worst <= 1.2 else 'ABOVE'} the 1.2 target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
