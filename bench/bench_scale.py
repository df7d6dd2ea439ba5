"""The command line at scale: wall time and peak memory of `routerkit data info` and `routerkit evaluate` on
long files of 10,000, 50,000 and 200,000 queries x 20 models, and `--routers all` on 12,000 x 9 (the size of an
MMLU-Pro routing set). Not a timed test.

    .venv/bin/python bench/bench_scale.py

The files are made by bench/scale_data.py (synthetic, with task and prompt columns) into build/bench-data/ on
first use. Each command runs in its own process with routerkit's defaults; peak memory is its maximum resident
set size. Targets on 2 cores at 200,000 x 20: `data info` < 5 s, `evaluate --routers task_best,knn,linear`
< 60 s, peak memory < 2 GB; `--routers all` on 12,000 x 9 < 60 s. The evaluate rows also show where the time
goes (stage seconds from `--progress lines`).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "build" / "bench-data"
CLI = [sys.executable, "-m", "routerkit"]


def write_long(path: Path, n_queries: int, n_models: int, seed: int) -> Path:
    """bench/scale_data.py in a process of its own: a child started from this one would count this process's
    memory (the data frame) in its own peak if it were made here."""
    subprocess.run([sys.executable, str(ROOT / "bench" / "scale_data.py"), "--queries", str(n_queries),
                    "--models", str(n_models), "--seed", str(seed), "--out", str(path)], check=True,
                   stdout=subprocess.DEVNULL)
    return path


def run(args: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in GB and stderr of one routerkit command."""
    start = time.perf_counter()
    proc = subprocess.Popen(CLI + args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"routerkit {' '.join(args)} failed:\n{err}")
    return time.perf_counter() - start, usage.ru_maxrss / 2 ** 20, err


def _short(label: str) -> str:
    """'load data', 'load routers', 'encode prompts', 'fit knn', 'route knn' from a stage's line."""
    words = label.split()
    if words[0] == "load":
        return "load routers" if words[1] == "the" else "load data"
    if words[0] == "route":
        return "route " + words[words.index("with") + 1]
    return " ".join(words[:2])


def stages(err: str) -> str:
    """'load 1.0, encode 20.1, ...' from the [seconds] stamps of --progress lines."""
    stamps = [(float(t), _short(label)) for t, label in re.findall(r"\[\s*([\d.]+) s\] (.+)", err)]
    done = re.search(r"done in ([\d.]+) s", err)
    ends = [t for t, _ in stamps[1:]] + [float(done.group(1)) if done else stamps[-1][0]]
    return ", ".join(f"{label} {end - t:.1f}" for (t, label), end in zip(stamps, ends) if end - t >= 0.5)


def main() -> int:
    print("each command in its own process; seconds wall (with Python start-up), peak resident memory\n")
    rows = []
    for n in (10_000, 50_000, 200_000):
        path = write_long(DATA / f"long_{n // 1000}k_x20.parquet", n, 20, seed=0)
        t, gb, _ = run(["data", "info", str(path)])
        rows.append((f"data info, {n:,} x 20", t, gb, ""))
        t, gb, err = run(["evaluate", "--data", str(path), "--routers", "task_best,knn,linear", "--progress", "lines"])
        rows.append((f"evaluate task_best,knn,linear, {n:,} x 20", t, gb, stages(err)))
    path = write_long(DATA / "long_12k_x9.parquet", 12_000, 9, seed=1)
    t, gb, err = run(["evaluate", "--data", str(path), "--routers", "all", "--progress", "lines"])
    rows.append(("evaluate --routers all, 12,000 x 9", t, gb, stages(err)))
    width = max(len(r[0]) for r in rows)
    print(f"{'command':{width}}  {'seconds':>7}  {'peak GB':>7}  where the time goes (s)")
    for label, t, gb, where in rows:
        print(f"{label:{width}}  {t:7.1f}  {gb:7.2f}  {where}")
    big_info, big_eval, all_12k = rows[4], rows[5], rows[6]
    ok = big_info[1] < 5 and big_eval[1] < 60 and max(big_info[2], big_eval[2]) < 2 and all_12k[1] < 60
    print(f"\ntargets (200k x 20: data info < 5 s, evaluate < 60 s, < 2 GB; all routers on 12k x 9 < 60 s): "
          f"{'met' if ok else 'NOT met'}")
    per_query = [(rows[i][2] - rows[1][2]) / (n - 10_000) * 1e6 for i, n in ((3, 50_000), (5, 200_000))]
    print(f"evaluate's memory beyond the 10k run: {per_query[0]:.1f} and {per_query[1]:.1f} KB per extra query "
          "(50k and 200k): linear growth keeps these close")
    return 0


if __name__ == "__main__":
    sys.exit(main())
