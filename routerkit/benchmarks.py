"""The plateau measured on every real data set, as shipped in ``data/plateau_benchmarks.json``.

``bench/plateau_real.py --json`` writes that file from its Part A: per real set, the learned routers, the oracle
and the zero router on the test part (TF-IDF + SVD-128 features), over seeds, with a bootstrap over the first
seed's test queries. It holds aggregates only (an AIQ, a share, a cost), never a query. Notebook 06 reads it
through :func:`plateau_benchmarks`, which turns it into two tables.
"""
from __future__ import annotations

import json
from typing import Any, NamedTuple

import pandas as pd

from routerkit.resources import resource_path

FILE = "plateau_benchmarks.json"


class PlateauBenchmarks(NamedTuple):
    """``sets``: one row per data set; ``routers``: one row per set and router, the oracle and the zero router
    included (the input :func:`routerkit.plots.plateau` takes); ``meta``: how the figures were produced."""
    sets: pd.DataFrame
    routers: pd.DataFrame
    meta: dict


def _stat(prefix: str, value: dict | None) -> dict[str, Any]:
    """``prefix`` (mean over seeds), ``prefix_sd``, and the first seed's bootstrap interval ``prefix_lo/_hi``."""
    value = value or {}
    return {prefix: value.get("mean"), f"{prefix}_sd": value.get("sd"),
            f"{prefix}_lo": value.get("lo"), f"{prefix}_hi": value.get("hi")}


def plateau_benchmarks(path=None) -> PlateauBenchmarks:
    """Read the plateau across real benchmarks (``path``: another file written by ``bench/plateau_real.py
    --json``).

    In ``sets``, a measure ``m`` is the mean over seeds, ``m_sd`` their standard deviation, and ``m_lo`` /
    ``m_hi`` the 95% percentile bootstrap interval over the first seed's test queries. ``band`` is the spread of
    the learned routers' AIQ, ``gap`` the oracle's AIQ minus the best learned one, ``*_top_share`` the share of
    test queries sent to the top model at the largest budget (score routers: their minimum and maximum), and
    ``ranking_saving`` the ranking router's cost saving over the best score router at the top model's quality
    (``ranking_vs``; ``ranking_note`` says why it is missing where it is). In ``routers``, ``aiq`` with ``lo``
    and ``hi`` is the first seed's AIQ and its interval, ``aiq_mean`` and ``aiq_sd`` are over seeds.
    """
    file = resource_path(FILE) if path is None else path
    try:
        doc = json.loads(open(file, encoding="utf-8").read())
        records = doc["sets"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ValueError(f"{file} is not a plateau benchmark file written by bench/plateau_real.py --json "
                         f"({type(err).__name__}: {err})") from None
    sets, routers = [], []
    for rec in records:
        saving = rec.get("ranking_saving_at_top_quality") or {"status": "n/a"}
        ok = saving.get("status") == "ok"
        row = {"set": rec["set"], "queries": rec["queries"], "models": rec["models"], "train": rec["train"],
               "test": rec["test"], "split": rec["split"], "prompts": rec["prompts"],
               "equal_prices": rec["equal_prices"], "top_model": rec["top_model"],
               **_stat("oracle_aiq", rec["oracle_aiq"]), **_stat("zero_aiq", rec["zero_aiq"]),
               **_stat("band", rec.get("band")), **_stat("gap", rec["gap"]),
               "best_learned": ", ".join(rec["best_learned"]),
               "oracle_top_share": rec["oracle_top_share_lam0"]["mean"],
               "score_top_share_min": rec["score_top_share_lam0_min"]["mean"],
               "score_top_share_max": rec["score_top_share_lam0_max"]["mean"],
               **_stat("ranking_saving", saving if ok else None),
               "ranking_vs": saving.get("vs") if ok else None,
               "ranking_note": None if ok else saving.get("note", saving.get("status"))}
        sets.append(row)
        for name, key in (("oracle", "oracle_aiq"), ("zero", "zero_aiq")):
            routers.append({"set": rec["set"], "router": name, "learned": False, "aiq": rec[key].get("seed0"),
                            "lo": rec[key].get("lo"), "hi": rec[key].get("hi"),
                            "aiq_mean": rec[key]["mean"], "aiq_sd": rec[key]["sd"]})
        for r in rec["routers"]:
            if "aiq" not in r:                      # a router that failed on this set
                continue
            routers.append({"set": rec["set"], "router": r["router"], "learned": r["learned"],
                            "aiq": r["aiq"].get("seed0"), "lo": r["aiq"].get("lo"), "hi": r["aiq"].get("hi"),
                            "aiq_mean": r["aiq"]["mean"], "aiq_sd": r["aiq"]["sd"],
                            "top_share": r["top_share_lam0"]["mean"]})
    meta = {k: v for k, v in doc.items() if k != "sets"}
    return PlateauBenchmarks(pd.DataFrame(sets), pd.DataFrame(routers), meta)
