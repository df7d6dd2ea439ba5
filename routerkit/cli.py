"""``routerkit`` on the command line: describe a routing dataset, or evaluate routers on it.

    routerkit data info PATH_OR_NAME [--format auto|routerbench|long]
    routerkit evaluate --data PATH_OR_NAME [--format ...] [--routers a,b|all] [--test-size 0.3] [--seed 0]
                       [--json OUT]

Bad input (a missing file, an unknown format or router, a long file without its columns) ends with a
one-line error on stderr and exit code 2.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import Any, Sequence

import numpy as np
import pandas as pd

from routerkit.data import RoutingData, predefined_split, train_test_split
from routerkit.evaluate import best_model, evaluate
from routerkit.loaders import load_dataset
from routerkit import metrics, routers as rk_routers

__all__ = ["main", "run_evaluation", "describe"]

FORMATS = ("auto", "routerbench", "long")


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit code 2."""


def _load(name: str, fmt: str) -> RoutingData:
    try:
        # Rows with missing scores are dropped, and the count is reported (see describe / the JSON).
        kwargs = {} if name.strip().lower() == "routerworld" else {"missing": "drop"}
        return load_dataset(name, format=fmt, **kwargs)
    except (FileNotFoundError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None


def describe(data: RoutingData) -> dict[str, Any]:
    """Facts about a dataset: size, models, tasks, score and cost ranges, missing rows, oracle and best single."""
    oracle = metrics.oracle_choice(data)
    best = best_model(data)
    dropped = data.meta.get("dropped_rows") or data.meta.get("dropped_queries") or {}
    return {
        "dataset": data.meta.get("name", ""),
        "n_queries": len(data),
        "models": list(data.models),
        "tasks": {t: int((data.tasks == t).sum()) for t in data.task_names},
        "score_range": [float(data.scores.min()), float(data.scores.max())],
        "cost_range": [float(data.costs.min()), float(data.costs.max())],
        "rows_dropped_for_missing_values": int(dropped.get("count", 0)) if isinstance(dropped, dict) else 0,
        "oracle": {"quality": float(oracle.score.mean()), "cost": float(oracle.cost.mean())},
        "best_single": {"model": data.models[best], "quality": float(data.scores[:, best].mean()),
                        "cost": float(data.costs[:, best].mean())},
    }


def _router_names(spec: str) -> list[str]:
    names = [n.strip() for n in spec.split(",") if n.strip()]
    if spec.strip() == "all":
        return [n for n in rk_routers.available() if n not in ("oracle", "single:<model>")]
    if not names:
        raise UsageError("--routers is empty: give names separated by commas, or 'all'")
    known = set(rk_routers.available())
    for n in names:
        if n not in known and not n.startswith("single:"):
            raise UsageError(f"unknown router {n!r}; available: {', '.join(rk_routers.available())}")
    return names


def _split(data: RoutingData, test_size: float, seed: int) -> tuple[RoutingData, RoutingData]:
    try:
        return train_test_split(data, test_size=test_size, seed=seed)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _with_text_features(train: RoutingData, test: RoutingData, seed: int) -> tuple[RoutingData, RoutingData]:
    """Encode prompts once for all routers (TF-IDF + SVD fitted on the training prompts)."""
    if train.features is not None or train.prompts is None:
        return train, test
    from routerkit.encoders import TfidfSVDEncoder

    encoder = TfidfSVDEncoder(random_state=seed).fit(train.prompts)
    return train.with_features(encoder.transform(train.prompts)), test.with_features(encoder.transform(test.prompts))


def _nan_to_none(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _usable(names: Sequence[str], data: RoutingData, skip: bool) -> list[str]:
    """Routers that can run on ``data``: those reading query features need features or prompts."""
    if data.features is not None or data.prompts is not None:
        return list(names)
    blind = [n for n in names if rk_routers.make(n).needs_features]
    if blind and not skip:
        raise UsageError(f"router(s) {', '.join(blind)} read the query, and this dataset has neither features "
                         "nor prompts (give a prompt column, or choose baselines such as task_best)")
    if blind:
        print(f"routerkit: skipping {', '.join(blind)}: the dataset has neither features nor prompts",
              file=sys.stderr)
    return [n for n in names if n not in blind]


def run_evaluation(data: RoutingData, router_names: Sequence[str], test_size: float = 0.3, seed: int = 0,
                   progress: bool = False, skip_unusable: bool = False) -> dict[str, Any]:
    """Split, fit each router, sweep budgets on the test part; the summary documented in the README.

    Costs are mean USD per query and quality is mean score, both on the test part. ``best_single`` is the
    best single model on the training part, measured on the test part; the AIQ range is the cheapest to the
    dearest single model's mean test cost. Routers that read the query need features or prompts: without
    them they are an error, or skipped (with a note on stderr) when ``skip_unusable``.
    """
    router_names = _usable(router_names, data, skip_unusable)
    train, test = _split(data, test_size, seed)
    train, test = _with_text_features(train, test, seed)
    c_min, c_max = metrics.cost_range(test)
    best = best_model(train)
    best_q, best_c = float(test.scores[:, best].mean()), float(test.costs[:, best].mean())
    oracle = metrics.oracle_choice(test)
    o_cost, o_quality = metrics.oracle_frontier(test)
    result: dict[str, Any] = {
        "dataset": data.meta.get("name", ""),
        "n_queries": len(data),
        "models": list(data.models),
        "split": {"train": len(train), "test": len(test), "seed": int(seed)},
        "oracle": {"quality": float(oracle.score.mean()), "cost": float(oracle.cost.mean()),
                   "aiq": metrics.aiq(o_cost, o_quality, c_min, c_max)},
        "best_single": {"model": train.models[best], "quality": best_q, "cost": best_c},
        "routers": {},
    }
    from tqdm.auto import tqdm

    for name in tqdm(router_names, desc="routers", disable=not progress, file=sys.stderr):
        router = rk_routers.make(name)
        if "random_state" in router.get_params():
            router.set_params(random_state=seed)
        start = time.perf_counter()
        router.fit(train)
        fit_seconds = time.perf_counter() - start
        frame = evaluate(router, test)
        curve = (frame["cost"].to_numpy(), frame["quality"].to_numpy())
        result["routers"][name] = {
            "aiq": metrics.aiq(*curve, c_min, c_max),
            "quality_at_best_single_cost": _nan_to_none(metrics.quality_at_cost(*curve, c=best_c)),
            "cost_at_best_single_quality": _nan_to_none(metrics.cost_at_quality(*curve, q=best_q)),
            "top_model_share_max_budget": float(frame.loc[frame["lam"].fillna(0).idxmin(), "top_share"]),
            "fit_seconds": round(fit_seconds, 3),
        }
    return result


def _print_info(info: dict[str, Any]) -> None:
    print(f"dataset      {info['dataset']}: {info['n_queries']} queries x {len(info['models'])} models")
    if info["tasks"]:
        print("tasks        " + ", ".join(f"{t} ({n})" for t, n in info["tasks"].items()))
    print(f"scores       {info['score_range'][0]:g} to {info['score_range'][1]:g}")
    print(f"costs (USD)  {info['cost_range'][0]:.3g} to {info['cost_range'][1]:.3g} per call")
    print(f"missing      {info['rows_dropped_for_missing_values']} rows dropped for missing scores or costs")
    o, b = info["oracle"], info["best_single"]
    print(f"oracle       quality {o['quality']:.4f}, cost ${o['cost'] * 1000:.4f} per 1k queries")
    print(f"best single  {b['model']}: quality {b['quality']:.4f}, cost ${b['cost'] * 1000:.4f} per 1k queries")
    print("models       " + ", ".join(info["models"]))


def _print_table(result: dict[str, Any]) -> None:
    b, o = result["best_single"], result["oracle"]
    print(f"{result['dataset']}: train {result['split']['train']}, test {result['split']['test']} "
          f"(seed {result['split']['seed']}); costs in $ per 1k queries")
    print(f"oracle: quality {o['quality']:.4f}, cost {o['cost'] * 1000:.4f}, AIQ {o['aiq']:.4f}")
    print(f"best single ({b['model']}): quality {b['quality']:.4f}, cost {b['cost'] * 1000:.4f}")
    rows = []
    for name, r in result["routers"].items():
        cost = r["cost_at_best_single_quality"]
        quality = r["quality_at_best_single_cost"]
        rows.append({"router": name, "AIQ": r["aiq"],
                     "quality@best cost": np.nan if quality is None else quality,
                     "cost@best quality": np.nan if cost is None else cost * 1000,
                     "top share (lam=0)": r["top_model_share_max_budget"], "fit s": r["fit_seconds"]})
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.4f}", na_rep="never"))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="routerkit", description="Analyse LLM routing data.")
    sub = parser.add_subparsers(dest="command", required=True)
    data = sub.add_parser("data", help="describe a dataset").add_subparsers(dest="action", required=True)
    info = data.add_parser("info", help="queries, models, tasks, ranges, missing values, oracle and best single")
    info.add_argument("dataset", help="'routerworld', 'routerbench', or a file path")
    info.add_argument("--format", default="auto", choices=FORMATS)
    ev = sub.add_parser("evaluate", help="split, fit routers, sweep budgets, print a table")
    ev.add_argument("--data", required=True, help="'routerworld', 'routerbench', or a file path")
    ev.add_argument("--format", default="auto", choices=FORMATS)
    ev.add_argument("--routers", default="all", help="comma-separated registry names, or 'all'")
    ev.add_argument("--test-size", type=float, default=0.3)
    ev.add_argument("--seed", type=int, default=0)
    ev.add_argument("--json", metavar="OUT", help="write the summary as JSON to this file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed its one-line usage error
        return int(exc.code or 0)
    try:
        if args.command == "data":
            _print_info(describe(_load(args.dataset, args.format)))
            return 0
        names = _router_names(args.routers)
        data = _load(args.data, args.format)
        result = run_evaluation(data, names, args.test_size, args.seed, progress=sys.stderr.isatty(),
                                skip_unusable=args.routers.strip() == "all")
        _print_table(result)
        if args.json:
            with open(args.json, "w") as handle:
                json.dump(result, handle, indent=2)
        return 0
    except UsageError as exc:
        print(f"routerkit: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"routerkit: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
