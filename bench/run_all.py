"""Run every benchmark and record what they print in bench/RESULTS.md (``make bench``).

``python bench/run_all.py bench_scale.py`` re-runs the named benchmark(s) alone and replaces their sections.

Each benchmark runs in its own process, so its wall time and peak memory (max resident set size) are its own.
The page states the date, the machine (cores, memory, Python, key libraries) and the command.
"""
from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
# In reading order: start-up, the simulator, the measuring instruments, the routers (at the 30,000 queries their targets
# are stated for, and at 36,000), thread defaults, the command line at scale, the report and kept routers, text
# encoders, the fidelity table, the plateau on every real data set, the decision-aware map, the notebooks.
BENCHMARKS = [["bench_startup.py"], ["bench_world.py"], ["bench_metrics.py"], ["bench_routers.py", "--n", "30000"],
              ["bench_routers.py"], ["bench_threads.py"], ["bench_scale.py"], ["bench_report.py"],
              ["bench_encoders.py"], ["fidelity.py"],
              ["plateau_real.py", "--json"], ["decision_map.py"], ["notebooks.py"]]


# CPU flags that decide which numeric kernels are fast (timings elsewhere mean little without them)
SIMD_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_tile",
              "neon", "asimd", "sve")


def cpu() -> str:
    """CPU model and its vector flags, from /proc/cpuinfo."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    model = fields.get("model name") or platform.processor() or platform.machine()
    flags = set((fields.get("flags") or fields.get("Features") or "").split())
    family = f", family {fields['cpu family']} model {fields['model']}" if "cpu family" in fields else ""
    present = [f for f in SIMD_FLAGS if f in flags]
    absent = [f for f in SIMD_FLAGS if f not in flags and f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16")]
    return (f"{model}{family}; vector flags: {' '.join(present) or 'none'}"
            + (f" (no {', '.join(absent)})" if absent else ""))


def machine() -> str:
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    libs = ", ".join(f"{name} {version(name)}" for name in ("numpy", "pandas", "scikit-learn", "torch"))
    return (f"{len(os.sched_getaffinity(0))} cores ({platform.machine()}), CPU: {cpu()}; "
            f"{mem_kb / 2**20:.1f} GiB memory, Python {platform.python_version()}, {libs}")


def run(script: list[str]) -> tuple[str, float, float, int]:
    """Output, wall seconds, peak RSS in MiB and exit code of one benchmark."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(HERE / script[0]), *script[1:]], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, cwd=HERE.parent)
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return output, time.perf_counter() - start, usage.ru_maxrss / 1024, proc.returncode


def section(script: list[str]) -> tuple[str, bool]:
    """Run one benchmark; its section of the page, and whether it failed."""
    label = " ".join(script)
    print(f"running bench/{label} ...", file=sys.stderr, flush=True)
    output, seconds, peak_mib, code = run(script)
    status = "" if code == 0 else f", **exit code {code}**"
    return (f"## bench/{label}\n\n{seconds:.1f} s wall, peak memory {peak_mib:.0f} MiB{status}\n\n"
            f"```\n{output.rstrip()}\n```\n"), bool(code)


def main(argv: list[str]) -> int:
    """All benchmarks (a new page), or only those whose script names are given (their sections replaced in
    the existing page, each marked with the time it was re-run)."""
    now = f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC"
    chosen = [script for script in BENCHMARKS if not argv or script[0] in argv]
    unknown = sorted(set(argv) - {script[0] for script in BENCHMARKS})
    if unknown:
        print(f"unknown benchmark(s) {unknown}; known: {sorted({s[0] for s in BENCHMARKS})}", file=sys.stderr)
        return 2
    results = {" ".join(script): section(script) for script in chosen}
    failed = [label for label, (_, bad) in results.items() if bad]
    if argv:
        page = (HERE / "RESULTS.md").read_text()
        for label, (text, _) in results.items():
            text = text.replace("\n\n", f"\n\nRe-run alone on {now}, same machine. ", 1)
            start = page.find(f"## bench/{label}\n")
            if start >= 0:
                end = page.find("\n## bench/", start + 1)
                page = page[:start] + text + (page[end:] if end >= 0 else "")
            else:   # a benchmark new to the page: before the first later one that is there, else at the end
                later = [" ".join(b) for b in BENCHMARKS[[" ".join(b) for b in BENCHMARKS].index(label) + 1:]]
                at = next((i for i in (page.find(f"## bench/{b}\n") for b in later) if i >= 0), -1)
                page = page[:at] + text + "\n" + page[at:] if at >= 0 else page.rstrip("\n") + "\n\n" + text
    else:
        page = (f"# Benchmark results\n\nProduced by `make bench` (`python bench/run_all.py`) on {now}.\n\n"
                f"Machine: {machine()}.\n\nTimings are wall-clock on a machine that may run other work; each "
                "benchmark repeats its measurements and reports the best (see its own header).\n\n"
                + "\n".join(text for text, _ in results.values()))
    (HERE / "RESULTS.md").write_text(page)
    print(f"wrote {HERE / 'RESULTS.md'}", file=sys.stderr)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
