"""Synthetic long-format routing results at any size, for the scale benchmarks (never a copy of real data).

    .venv/bin/python bench/scale_data.py --queries 200000 --models 20 --out /tmp/long_200k.parquet

One row per (query, model) with ``query_id``, ``model``, ``score``, ``cost``, ``task`` and ``prompt``: the layout a
researcher's own results have. Prompts are short word sequences whose words depend on the task and on a hidden
query difficulty, so a text encoder finds some signal; scores are 0/1 draws from an item-response model.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

N_TASKS = 8
VOCAB = 2_000
WORDS_PER_PROMPT = 24


def make_long(n_queries: int, n_models: int, seed: int = 0) -> pd.DataFrame:
    """Long results for ``n_queries`` x ``n_models`` (rows ordered by query, then model)."""
    rng = np.random.default_rng(seed)
    task = rng.integers(N_TASKS, size=n_queries)
    difficulty = rng.normal(size=n_queries)
    ability = np.sort(rng.normal(0.0, 1.0, size=n_models))
    price = 1e-6 * np.exp(np.linspace(-1.0, 4.0, n_models))            # dearer models are better
    p = 1.0 / (1.0 + np.exp(-(ability[None, :] - difficulty[:, None] + 0.5 * rng.normal(size=(n_queries, n_models)))))
    score = (rng.random((n_queries, n_models)) < p).astype(np.float64)
    tokens = rng.lognormal(5.5, 0.6, size=n_queries)
    cost = tokens[:, None] * price[None, :] * rng.uniform(0.8, 1.2, size=(n_queries, n_models))

    # words: a task block of the vocabulary, shifted by difficulty, plus common words
    block = VOCAB // N_TASKS
    centre = task * block + np.clip((difficulty + 3) / 6, 0, 1) * (block - 1)
    words = np.where(rng.random((n_queries, WORDS_PER_PROMPT)) < 0.6,
                     np.clip(np.rint(centre[:, None] + rng.normal(0, 20, (n_queries, WORDS_PER_PROMPT))), 0, VOCAB - 1),
                     rng.integers(VOCAB, size=(n_queries, WORDS_PER_PROMPT))).astype(np.int64)
    vocab = np.array([f"w{k}" for k in range(VOCAB)], dtype=object)
    prompts = np.array([" ".join(row) for row in vocab[words]], dtype=object)

    models = np.array([f"model-{j:02d}" for j in range(n_models)], dtype=object)
    return pd.DataFrame({
        "query_id": np.repeat(np.array([f"q{i:07d}" for i in range(n_queries)], dtype=object), n_models),
        "model": np.tile(models, n_queries),
        "score": score.ravel(),
        "cost": cost.ravel(),
        "task": np.repeat(np.array([f"task-{t}" for t in range(N_TASKS)], dtype=object)[task], n_models),
        "prompt": np.repeat(prompts, n_models),
    })


def write_long(path: str | Path, n_queries: int, n_models: int, seed: int = 0) -> Path:
    """Write :func:`make_long` to ``path`` (``.parquet`` or ``.csv``) unless it is already there."""
    path = Path(path)
    if not path.exists():
        frame = make_long(n_queries, n_models, seed)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=200_000)
    ap.add_argument("--models", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    print(write_long(args.out, args.queries, args.models, args.seed))


if __name__ == "__main__":
    main()
