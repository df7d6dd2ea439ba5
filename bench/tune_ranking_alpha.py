"""Sweep the ranking router's tie weight ``alpha`` by validation on TRAINING data only.

    .venv/bin/python bench/tune_ranking_alpha.py

The full choice of the default (formulation, head, regularisation, and ``alpha``) is made by
``bench/tune_ranking.py``, with the same procedure; this script keeps the original alpha sweep, now at the
default formulation (``RankingRouter()``: pairwise loss, constant tie weight, linear budget head) and at the
original one (``LEGACY``, FiLM head, one budget per batch): for each dataset and seed, the TRAINING part of
the split bench/fidelity.py uses, split again 80/20; fit on 80%, AIQ and top-model share at lam = 0 on 20%.
The test parts are never touched.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tune_ranking import SUBSET, summarise, validate  # noqa: E402
from routerkit.routers.ranking import LEGACY  # noqa: E402

ALPHAS = [0.0, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]


def main(seeds=(0, 1, 2)) -> None:
    cands = {f"default alpha={a:g}": dict(alpha=a) for a in ALPHAS}
    cands.update({f"legacy alpha={a:g}": dict(LEGACY, alpha=a) for a in ALPHAS})
    sets = ["world"] + (["routerbench"] if SUBSET.exists() else [])
    long = validate(sets, list(seeds), cands)
    print("\nvalidation part of the TRAINING data, mean ± sd over seeds:")
    print(summarise(long).to_string())


if __name__ == "__main__":
    main()
