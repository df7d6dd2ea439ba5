"""Text encoders on real prompts: MiniLM embedding throughput and the embedding cache's hit time.

    .venv/bin/python bench/bench_encoders.py [--n 500] [--threads 1,2]

Prompts: the first ``--n`` of the RouterBench subset (../shared/data/routerbench_subset, never copied; mean
~2,000 characters, so most are cut at MiniLM's 256 tokens). For each thread setting, a fresh embedding cache
(a temporary folder): the first ``transform`` embeds every prompt (prompts per second), the second reads them
all back from the cache (seconds). TF-IDF + SVD-128 (the default encoder) on the same prompts, for scale.
Needs the extra ``routerkit[encoders]``.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import routerkit as rk

SUBSET = Path(__file__).resolve().parents[2] / "shared" / "data" / "routerbench_subset" / "routerbench_subset_wide.parquet"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--threads", default="1,2", help="worker settings to time, comma-separated")
    args = parser.parse_args()
    if not SUBSET.is_file():
        print(f"skipped: the RouterBench subset is not at {SUBSET}")
        return 0
    prompts = list(rk.load_dataset(SUBSET, missing="drop").prompts[: args.n])
    chars = sum(map(len, prompts)) / len(prompts)
    print(f"{len(prompts)} RouterBench-subset prompts, mean {chars:,.0f} characters\n")
    print("| encoder | threads | first call (s) | prompts/s | cache hit (s) |")
    print("|---|---|---|---|---|")
    start = time.perf_counter()
    rk.encoders.TfidfSVDEncoder().fit_transform(prompts)
    tfidf = time.perf_counter() - start
    print(f"| TF-IDF + SVD-128 (fit_transform) | 1 | {tfidf:.2f} | {len(prompts) / tfidf:,.0f} | n/a |")
    for threads in [int(t) for t in args.threads.split(",")]:
        rk.set_threads(threads)
        with tempfile.TemporaryDirectory() as cache:
            enc = rk.encoders.MiniLMEncoder(cache_dir=cache, progress=False).fit()
            start = time.perf_counter()
            enc.transform(prompts)
            first = time.perf_counter() - start
            start = time.perf_counter()
            enc.transform(prompts)
            hit = time.perf_counter() - start
        print(f"| MiniLM (max 256 tokens) | {threads} | {first:.1f} | {len(prompts) / first:.1f} | {hit:.3f} |")
    rk.set_threads(None)
    print("\nthreads = routerkit's setting (rk.set_threads): MiniLM hands batches to that many worker threads, "
          "each running torch on one thread; the default is one worker per core.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
