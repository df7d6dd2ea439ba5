"""Run the notebook series twice: time and peak memory per notebook, and whether both runs print the same.

    python bench/notebooks.py [NOTEBOOK ...]      # default: every notebook in notebooks/

Each run executes a notebook with nbconvert in its own process (its kernel included in the peak memory).
"Same output" compares every cell's printed text and plain-text results between the two runs.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT_SECONDS, SERIES_LIMIT_SECONDS, LIMIT_GB = 90, 8 * 60, 3.0


def execute(notebook: Path, out: Path) -> tuple[float, float]:
    """Wall seconds and peak resident memory (GB, the largest of nbconvert and its kernel) of one run."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                             "--ExecutePreprocessor.timeout=600", "--output", str(out), str(notebook)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=notebook.parent)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"{notebook.name} failed:\n{err.decode()[-2000:]}")
    return time.perf_counter() - start, usage.ru_maxrss / 2**20


def printed(path: Path) -> list[str]:
    """Every cell's printed text and plain-text results, in order."""
    texts = []
    for cell in json.loads(path.read_text())["cells"]:
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            texts.append("".join(text))
    return texts


def main() -> int:
    notebooks = [Path(a).resolve() for a in sys.argv[1:]] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    rows, total, ok = [], 0.0, True
    with tempfile.TemporaryDirectory() as tmp:
        for nb in notebooks:
            runs = []
            for k in (1, 2):
                out = Path(tmp) / f"{nb.stem}.run{k}.ipynb"
                seconds, gb = execute(nb, out)
                runs.append((seconds, gb, printed(out)))
            seconds = min(r[0] for r in runs)
            gb = max(r[1] for r in runs)
            same = runs[0][2] == runs[1][2]
            total += seconds
            fine = same and seconds < LIMIT_SECONDS and gb < LIMIT_GB
            ok &= fine
            rows.append(f"| {nb.name} | {seconds:.1f} | {gb:.2f} | {'yes' if same else 'NO'} |")
    ok &= total < SERIES_LIMIT_SECONDS
    print(f"Limits: each notebook under {LIMIT_SECONDS} s and {LIMIT_GB} GB, the series under "
          f"{SERIES_LIMIT_SECONDS // 60} minutes; two runs print the same.\n")
    print("| notebook | seconds (best of 2) | peak memory (GB) | same output twice |\n|---|---|---|---|")
    print("\n".join(rows))
    print(f"| **series** | **{total:.1f}** | | |")
    print("\nwithin limits" if ok else "\nOUTSIDE LIMITS")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
