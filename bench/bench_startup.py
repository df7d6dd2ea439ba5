"""Start-up: `import routerkit` against `import pandas`, and the command line's first answer (not a timed test).

    .venv/bin/python bench/bench_startup.py

Each command runs in a fresh process; best of 3 (the least disturbed by other work). Targets: `import routerkit`
at most 2x `import pandas`; `routerkit --help` and `routerkit data info routerworld` in about a second. Heavy
libraries (torch, scikit-learn, altair) load only when a router, an encoder or a chart is first used.
"""
from __future__ import annotations

import subprocess
import sys
import time

PY = sys.executable
COMMANDS = [
    ("import pandas", [PY, "-c", "import pandas"]),
    ("import routerkit", [PY, "-c", "import routerkit"]),
    ("routerkit --help", [PY, "-m", "routerkit", "--help"]),
    ("routerkit data info routerworld", [PY, "-m", "routerkit", "data", "info", "routerworld"]),
    ("import routerkit; rk.routers (torch, scikit-learn)", [PY, "-c", "import routerkit as rk; rk.routers"]),
]


def best_of(cmd: list[str], repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    times = {label: best_of(cmd) for label, cmd in COMMANDS}
    print("fresh process each, best of 3, seconds (Python's own start-up included)\n")
    for label, seconds in times.items():
        print(f"{label:52} {seconds:6.2f}")
    ratio = times["import routerkit"] / times["import pandas"]
    print(f"\nimport routerkit / import pandas = {ratio:.2f} (target <= 2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
