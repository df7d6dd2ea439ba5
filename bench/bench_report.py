"""From analysis to decision, timed: `routerkit report`, `calibrate --save`, loading a kept router and `routerkit
route`. Not a timed test.

    .venv/bin/python bench/bench_report.py

Rows: the report with its defaults (every default router, seeds 0-4) on RouterWorld and, where
../shared/data holds it, on the RouterBench subset; `calibrate --router knn --save` and `route` of 10,000 new
prompts on a synthetic long file of 12,000 x 9 with prompts (bench/scale_data.py, never real data), with the
size of the kept router and the time `rk.routers.load` takes in a fresh process. Each command runs in its own
process with routerkit's defaults; peak memory is its maximum resident set size. Target on 2 cores: the report's
defaults on RouterWorld within 2 minutes.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from bench_scale import DATA, ROOT, run, write_long

OUT = ROOT / "build" / "bench-report"
SUBSET = ROOT.parent / "shared" / "data" / "routerbench_subset" / "routerbench_subset_wide.parquet"
N_ROUTE = 10_000


def load_seconds(path: Path) -> tuple[float, float]:
    """Seconds to import what loading needs (routerkit's routers: torch, scikit-learn; skops) in a fresh process,
    then seconds `rk.routers.load` takes."""
    code = ("import time; t0 = time.perf_counter()\nimport routerkit as rk, routerkit.routers, skops.io\n"
            f"t1 = time.perf_counter(); rk.routers.load({str(path)!r}); t2 = time.perf_counter()\n"
            "print(t1 - t0, t2 - t1)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT).stdout
    imports, load = map(float, out.split())
    return imports, load


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    print("each command in its own process; seconds wall (with Python start-up), peak resident memory\n")
    rows = []
    t, gb, _ = run(["report", "--data", "routerworld", "--out", str(OUT / "world.html"), "--progress", "off"])
    charts = len(json.loads((OUT / "world.json").read_text())["charts"])
    rows.append(("report, RouterWorld 10,000 x 11, seeds 0-4", t, gb, f"{charts} charts"))
    if SUBSET.exists():
        t, gb, _ = run(["report", "--data", str(SUBSET), "--missing", "drop", "--out", str(OUT / "subset.html"),
                        "--progress", "off"])
        rows.append(("report, RouterBench subset 3,150 x 11, seeds 0-4", t, gb, ""))
    else:
        rows.append(("report, RouterBench subset", float("nan"), float("nan"), f"skipped: no {SUBSET}"))

    data = write_long(DATA / "long_12k_x9.parquet", 12_000, 9, seed=1)
    kept = OUT / "knn.router"
    t, gb, _ = run(["calibrate", "--data", str(data), "--router", "knn", "--target-quality", "0.65", "--save",
                    str(kept), "--json", str(OUT / "calibrate.json"), "--progress", "off"])
    rows.append(("calibrate knn --save, 12,000 x 9", t, gb, f"kept router {kept.stat().st_size / 2**20:.1f} MiB"))
    imports, load = load_seconds(kept)
    rows.append(("rk.routers.load of that router", load, float("nan"),
                 f"in a fresh process, after {imports:.1f} s of imports (torch, scikit-learn, skops)"))
    prompts = pd.read_parquet(data, columns=["query_id", "task", "prompt"]).drop_duplicates("query_id")
    new = prompts.sample(N_ROUTE, random_state=0)
    (OUT / "new.jsonl").write_text(new.rename(columns={"query_id": "id"}).to_json(orient="records", lines=True))
    lam = json.loads((OUT / "calibrate.json").read_text())["lam"]
    t, gb, _ = run(["route", "--router", str(kept), "--prompts", str(OUT / "new.jsonl"), "--budget", str(lam),
                    "--out", str(OUT / "choices.jsonl")])
    rows.append((f"route {N_ROUTE:,} prompts with it", t, gb, f"{N_ROUTE / t:,.0f} prompts/s with start-up"))

    width = max(len(r[0]) for r in rows)
    print(f"{'command':{width}}  {'seconds':>7}  {'peak GB':>7}  note")
    for label, t, gb, note in rows:
        print(f"{label:{width}}  {t:7.1f}  {gb:7.2f}  {note}".replace("nan", "  -"))
    print(f"\ntarget (report defaults on RouterWorld < 120 s): {'met' if rows[0][1] < 120 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
