"""``routerkit`` on the command line: describe a routing dataset, evaluate routers on it, set a budget, route.

    routerkit [--threads N] data info PATH_OR_NAME [--format auto|routerbench|long] [--missing raise|drop]
                       [--sep CHAR] [--query-col C --model-col C --score-col C --cost-col C --task-col C
                       --prompt-col C]
    routerkit [--threads N] evaluate --data PATH_OR_NAME [the same data options] [--routers a,b|all]
                       [--test-size 0.3|N] [--no-stratify] [--seed 0] [--json OUT] [--progress auto|lines|off]
    routerkit [--threads N] report --data PATH_OR_NAME [the same data options] --out PAGE.html [--routers a,b|all]
                       [--seeds 0-4] [--n-boot 1000] [--param ROUTER.NAME=VALUE] [--test-size 0.3|N] [--no-stratify]
    routerkit [--threads N] calibrate --data PATH_OR_NAME [the same data options] --router NAME
                       (--target-cost USD | --target-quality Q | --max-share MODEL=F ...) [--val-size 0.3]
                       [--test-size 0.3|N] [--no-stratify] [--seed 0] [--param ROUTER.NAME=VALUE] [--json OUT]
                       [--save ROUTER_FILE]
    routerkit [--threads N] route --router ROUTER_FILE --prompts FILE.jsonl --budget LAM [--out FILE.jsonl]

Bad input (a missing, empty or damaged file, an unknown format, router or model, a long file without its
columns, incomplete queries without ``--missing drop``, a bad flag value, an output path that would replace
data) ends with a one-line error on stderr and exit code 2.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from routerkit import metrics
from routerkit.data import RoutingData, _did_you_mean, train_test_split
from routerkit.evaluate import best_model, sweep_frame
from routerkit.loaders import load_dataset
from routerkit.progress import Stages
from routerkit.sanity import SOLVED, flag_notes, sanity_flags
from routerkit.threads import get_threads, set_threads

__all__ = ["main", "run_evaluation", "run_calibration", "describe"]

FORMATS = ("auto", "routerbench", "long")
# --<flag> -> load_long's argument
COLUMN_FLAGS = {"query_col": "query", "model_col": "model", "score_col": "score", "cost_col": "cost",
                "task_col": "task", "prompt_col": "prompt"}
# what --json refuses to overwrite: the endings of data files
DATA_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq", ".pkl", ".pickle", ".gz", ".csv.gz", ".tsv.gz", ".feather",
                 ".xlsx", ".jsonl")
# bootstrap replicates for "tied with the best" in data info (0.4 s at 200,000 queries x 20 models)
SANITY_BOOT = 200
EQUAL_PRICES_NOTE = ("every model costs the same on average, so there is no cost range to trade over: each AIQ is "
                     "the best quality reached at that cost (a single model's is its quality)")
RANDOM_NOTE = ("random mixes only the cheapest and the top model, so it can sit below the zero router, which mixes "
               "the best pair of models at each cost")
NOT_APPLICABLE_NOTE = ("a single model is one point on the cost-quality plane: it has no area under its own "
                       "curve, so AIQ does not apply to it")


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors as one line (the usage is one ``--help`` away)."""

    def error(self, message: str):
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc, KeyError) and len(exc.args) == 1 and isinstance(exc.args[0], str):
        text = exc.args[0]
    return text.splitlines()[0] if text else type(exc).__name__


def _load(name: str, fmt: str, missing: str = "raise", columns: dict[str, str] | None = None,
          sep: str | None = None) -> RoutingData:
    columns = {k: v for k, v in (columns or {}).items() if v is not None}
    is_world = name.strip().lower() == "routerworld"
    if columns and (is_world or fmt == "routerbench"):
        flags = ", ".join(f"--{k.replace('_', '-')}-col" for k in columns)
        raise UsageError(f"{flags} name columns of a long file; {name!r} is not read as one")
    if sep is not None and is_world:
        raise UsageError("--sep is for CSV and TSV files; routerworld is simulated")
    kwargs: dict[str, Any] = {} if is_world else {"missing": missing, **columns}
    if columns and fmt == "auto":      # column flags say the file is long: a wrong name is then named as such
        fmt = "long"
    if sep is not None:
        kwargs["sep"] = sep
    try:
        return load_dataset(name, format=fmt, **kwargs)
    except (FileNotFoundError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UsageError(_as_flags(_first_line(exc))) from None


def _as_flags(message: str) -> str:
    """A loader's message names its Python arguments; on the command line they are flags."""
    message = message.replace("missing='drop'", "--missing drop")
    message = re.sub(r"pass sep=(\S+)", r"pass --sep \1", message)
    message = re.sub(r" \(what was dropped is recorded in data\.meta\[[^]]*\]\)", " (the table and the JSON then "
                     "say which)", message)
    message = message.replace("format='routerbench'", "--format routerbench").replace("format='long'", "--format long")
    message = message.replace("(with the column names as query=, model=, score=, cost=)",
                              "(with --query-col NAME, --model-col NAME, --score-col NAME, --cost-col NAME)")
    for flag, arg in COLUMN_FLAGS.items():
        message = message.replace(f"Pass {arg}='<name>'", f"Pass --{flag.replace('_', '-')} NAME")
    return message


def _dropped(data: RoutingData) -> dict[str, Any]:
    """Queries the loader dropped for missing values (``--missing drop``): count and which."""
    meta = data.meta.get("dropped_queries") or data.meta.get("dropped_rows") or {}
    count = int(meta.get("count", 0)) if isinstance(meta, dict) else 0
    if not count:
        return {"count": 0, "ids": []}
    ids = meta.get("ids")
    if ids is None:   # RouterBench: its sample_id where the file has one, else the 0-based row
        ids = [s if s is not None else r for s, r in zip(meta.get("sample_ids", []), meta.get("rows", []))]
    return {"count": count, "ids": [i if isinstance(i, (int, str)) else str(i) for i in ids]}


def describe(data: RoutingData) -> dict[str, Any]:
    """Facts about a dataset: size, models, tasks, score and cost ranges, dropped queries, oracle, best single
    and the checks of :func:`routerkit.sanity.sanity_flags`."""
    oracle = metrics.oracle_choice(data)
    best = best_model(data)
    return {
        "dataset": data.meta.get("name", ""),
        "n_queries": len(data),
        "models": list(data.models),
        "tasks": {t: int((data.tasks == t).sum()) for t in data.task_names},
        "score_range": [float(data.scores.min()), float(data.scores.max())],
        "cost_range": [float(data.costs.min()), float(data.costs.max())],
        "dropped": _dropped(data),
        "query_text": "prompts" if data.prompts is not None else "features" if data.features is not None else None,
        "oracle": {"quality": float(oracle.score.mean()), "cost": float(oracle.cost.mean())},
        "best_single": {"model": data.models[best], "quality": float(data.scores[:, best].mean()),
                        "cost": float(data.costs[:, best].mean())},
        "sanity": sanity_flags(data, n_boot=SANITY_BOOT, seed=0),
    }


def _closest(name: str, options: Sequence[str]) -> str:
    near = _did_you_mean(name, options)
    return f"; did you mean {near!r}?" if near else ""


# fine-tuning MiniLM takes CPU minutes per fit: run when named, not as part of 'all'
NOT_IN_ALL = ("finetuned",)


def _router_names(spec: str, flag: str = "--routers") -> list[str]:
    from routerkit import routers as rk_routers

    every = [n for n in rk_routers.available() if n not in ("oracle", "single:<model>", *NOT_IN_ALL)]
    names = [n.strip() for n in spec.split(",") if n.strip()]
    if not names:
        raise UsageError(f"{flag} is empty: " + ("give names separated by commas, or 'all'" if flag == "--routers"
                                                 else "name one router, e.g. knn"))
    if "all" in names:      # 'all,finetuned': every default router and the ones named besides
        if names.count("all") > 1:
            raise UsageError(f"--routers names 'all' twice: {spec!r}")
        names = every + [n for n in names if n != "all" and n not in every]
    known = [n for n in rk_routers.available() if n != "single:<model>"]
    for n in names:
        if n.startswith("single:"):
            if not n[len("single:"):].strip():
                raise UsageError(f"{flag} {n!r}: give a model after 'single:', e.g. 'single:gpt-4-1106-preview'")
        elif n not in known:
            raise UsageError(f"unknown router {n!r}{_closest(n, known)} (available: {', '.join(known)}, "
                             "single:<model>)")
    if len(set(names)) < len(names):
        raise UsageError(f"--routers names a router twice: {spec!r}")
    return names


def _router_params(specs: Sequence[str] | None, names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``--param ROUTER.NAME=VALUE`` options as ``{router: {name: value}}``; a value is read as a Python literal
    (number, True/False/None, quoted text) where it is one, else kept as text."""
    import ast

    from routerkit import routers as rk_routers

    out: dict[str, dict[str, Any]] = {}
    for spec in specs or []:
        key, sep, raw = spec.partition("=")
        router, dot, name = key.strip().partition(".")
        if not (sep and dot and router and name):
            raise UsageError(f"--param {spec!r}: write ROUTER.NAME=VALUE, e.g. finetuned.max_train=500")
        if router not in names:
            raise UsageError(f"--param {spec!r}: router {router!r} is not among --routers ({', '.join(names)})")
        params = rk_routers.make(router).get_params()
        if name not in params:
            raise UsageError(f"--param {spec!r}: {router} has no parameter {name!r}{_closest(name, list(params))} "
                             f"(it has: {', '.join(sorted(params))})")
        try:
            value = ast.literal_eval(raw.strip())
        except (ValueError, SyntaxError):
            value = raw.strip()
        try:
            rk_routers.make(router, **{name: value})
        except (TypeError, ValueError) as exc:
            raise UsageError(f"--param {spec!r}: {exc}") from None
        out.setdefault(router, {})[name] = value
    return out


def _check_single_models(names: Sequence[str], data: RoutingData, flag: str = "--routers") -> None:
    for n in names:
        if n.startswith("single:") and n[len("single:"):] not in data.models:
            model = n[len("single:"):]
            raise UsageError(f"{flag} {n!r}: no model {model!r} in this dataset{_closest(model, data.models)} "
                             f"(models: {', '.join(data.models)})")


def _split(data: RoutingData, test_size: float, seed: int, stratify: bool) -> tuple[RoutingData, RoutingData]:
    try:
        return train_test_split(data, test_size=test_size, seed=seed, stratify="task" if stratify else None)
    except ValueError as exc:
        message = _first_line(exc).replace("Pass stratify=None", "Pass --no-stratify")
        raise UsageError(f"--test-size {test_size:g}: {message}") from None


def _with_text_features(seed: int, train: RoutingData, *others: RoutingData) -> tuple[RoutingData, ...]:
    """Encode prompts once for all routers (TF-IDF + SVD fitted on the training prompts); ``others`` are
    transformed with the same encoder."""
    from routerkit.encoders import TfidfSVDEncoder

    encoder = TfidfSVDEncoder(random_state=seed)
    try:
        features = encoder.fit_transform(train.prompts)
    except ValueError as exc:
        raise UsageError(f"cannot encode the prompts: {_first_line(exc)}") from None
    return (train.with_features(features), *(o.with_features(encoder.transform(o.prompts)) for o in others))


def _nan_to_none(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


NO_TEXT = "the dataset has neither features nor prompts, and this router reads the query"
NO_PROMPTS = "the dataset has no prompts, and this router reads the prompt text itself"


def _usable(names: Sequence[str], data: RoutingData, skip: bool) -> tuple[list[str], dict[str, str]]:
    """Routers that can run on ``data``, and the skipped ones with the reason. A router reading the prompt
    text needs prompts; one reading the query needs features or prompts (prompts are encoded)."""
    from routerkit import routers as rk_routers

    has_prompts = data.prompts is not None
    has_query = has_prompts or data.features is not None
    reasons = {}
    for n in names:
        router = rk_routers.make(n)
        if getattr(router, "needs_prompts", False) and not has_prompts:
            reasons[n] = NO_PROMPTS
        elif router.needs_features and not has_query:
            reasons[n] = NO_TEXT
    if reasons and not skip:
        no_prompt = [n for n, why in reasons.items() if why == NO_PROMPTS]
        blind = [n for n, why in reasons.items() if why == NO_TEXT]
        what = []
        if no_prompt:
            what.append(f"router(s) {', '.join(no_prompt)} read the prompt text, and this dataset has no prompts")
        if blind:
            what.append(f"router(s) {', '.join(blind)} read the query, and this dataset has neither features nor "
                        "prompts")
        raise UsageError("; ".join(what) + " (name the prompt column with --prompt-col, or choose baselines such as "
                         "task_best)")
    if reasons:
        print(f"routerkit: skipping {', '.join(reasons)}: "
              + "; ".join(sorted({f"{why}" for why in reasons.values()}))
              + " (--prompt-col names a prompt column)", file=sys.stderr)
    return [n for n in names if n not in reasons], reasons


def _reads_query(name: str) -> bool:
    from routerkit import routers as rk_routers

    router = rk_routers.make(name)
    return bool(router.needs_features or router.needs_prompts)


def _sweep(name: str, router, test: RoutingData) -> tuple[Any, np.ndarray, float, float]:
    """The router's sweep frame on ``test`` and its (L, n) choices (one row per frame row), with seconds spent
    routing and sweeping.

    A router that decides by the shared rule is routed once (its predictions and cost estimates: "route"),
    then every budget is decided from those ("sweep"); any other router is routed at each budget, and all of
    that counts as routing.
    """
    from routerkit.decision import decide, lam_grid
    from routerkit.evaluate import _follows_shared_rule, sweep_choices

    start = time.perf_counter()
    if not _follows_shared_rule(router):
        grid, choices = sweep_choices(router, test)
        frame = sweep_frame(name, grid, choices, test, router.top_model_)
        return frame, choices, time.perf_counter() - start, 0.0
    s_hat, c_hat = router.predict(test), router.cost_estimate(test)
    routed = time.perf_counter()
    grid = lam_grid(s_hat, c_hat)
    choices = decide(s_hat, c_hat, grid)
    frame = sweep_frame(name, grid, choices, test, router.top_model_)
    return frame, choices, routed - start, time.perf_counter() - routed


def _fitted(name: str, seed: int, given: dict[str, Any], train: RoutingData):
    """The registry router ``name`` with the run's seed and its ``--param`` values, fitted on ``train``."""
    from routerkit import routers as rk_routers

    router = rk_routers.make(name)
    if "random_state" in router.get_params():
        router.set_params(random_state=seed)
    router.set_params(**given)
    try:
        return router.fit(train)
    except ValueError as exc:       # the router rejects a value set with --param: a usage error
        if not given:
            raise
        raise UsageError(f"{name} with --param {', '.join(f'{k}={v!r}' for k, v in given.items())}: "
                         f"{_first_line(exc)}") from None


def run_evaluation(data: RoutingData, router_names: Sequence[str], test_size: float = 0.3, seed: int = 0,
                   progress: Stages | None = None, skip_unusable: bool = False,
                   stratify: bool = True, params: dict[str, dict[str, Any]] | None = None,
                   details: dict[str, Any] | None = None) -> dict[str, Any]:
    """Split, fit each router, sweep budgets on the test part; the summary documented in the README.

    Costs are mean USD per query and quality is mean score, both on the test part. ``best_single`` is the
    best single model on the training part, measured on the test part; the AIQ range (``cost_range``) is the
    cheapest to the dearest single model's mean test cost, and the zero router is random mixing of single
    models (their convex hull). A router whose choices are the same at every budget is one point, and its AIQ
    is None, like a single model's (unless every model has the same mean cost: then AIQ is a quality).
    Routers that read the query need features or prompts, and those that read the prompt text need prompts:
    otherwise they are an error, or skipped (listed in ``skipped`` with the reason) when ``skip_unusable``.
    ``progress`` announces each stage. ``params`` sets hyperparameters per router (``{"finetuned":
    {"max_train": 500}}``), after the seed. ``details``, a dict, receives what the summary was measured on, for
    further analysis (``routerkit report``): ``test`` (the test part, encoded where prompts were), and per
    router its sweep frame (``frames``) and (L, n) choices, one row per frame row (``choices``).
    """
    from routerkit import routers as rk_routers

    stages = progress if progress is not None else Stages(0, mode="off")
    if not router_names:
        raise UsageError("no routers to evaluate")
    _check_single_models(router_names, data)
    router_names, skipped = _usable(router_names, data, skip_unusable)
    train, test = _split(data, test_size, seed, stratify)
    reads_query = any(rk_routers.make(n).needs_features for n in router_names)
    encode = reads_query and train.features is None and train.prompts is not None
    stages.expect(int(encode) + 2 * len(router_names))
    start = time.perf_counter()
    if encode:
        with stages.stage(f"encode prompts (TF-IDF + SVD on {len(train):,} training queries)"):
            train, test = _with_text_features(seed, train, test)
    if details is not None:
        details.update(test=test, frames={}, choices={},
                       encode_seconds=round(time.perf_counter() - start, 3) if encode else None)
    c_min, c_max = metrics.cost_range(test)
    best = best_model(train)
    best_q, best_c = float(test.scores[:, best].mean()), float(test.costs[:, best].mean())
    oracle = metrics.oracle_choice(test)
    result: dict[str, Any] = {
        "dataset": data.meta.get("name", ""),
        "n_queries": len(data),
        "models": list(data.models),
        "dropped": _dropped(data),
        "split": {"train": len(train), "test": len(test), "seed": int(seed),
                  "stratified_by_task": bool(stratify and data.tasks is not None)},
        "oracle": {"quality": float(oracle.score.mean()), "cost": float(oracle.cost.mean()),
                   "aiq": metrics.aiq(*metrics.oracle_frontier(test), c_min, c_max)},
        "zero_router": {"aiq": metrics.aiq(*metrics.zero_router(test), c_min, c_max)},
        "best_single": {"model": train.models[best], "quality": best_q, "cost": best_c,
                        # equal prices: every AIQ is the best quality reached at the one cost, a model's its quality
                        "aiq": best_q if c_min == c_max else None,
                        "aiq_note": EQUAL_PRICES_NOTE if c_min == c_max else NOT_APPLICABLE_NOTE},
        "cost_range": [c_min, c_max],
        "routers": {},
        "skipped": skipped,
    }
    for name in router_names:
        given = (params or {}).get(name, {})
        with stages.stage(f"fit {name} on {len(train):,} queries"):
            start = time.perf_counter()
            router = _fitted(name, seed, given, train)
            fit_seconds = time.perf_counter() - start
        with stages.stage(f"route {len(test):,} test queries with {name} and sweep the budget"):
            frame, choices, route_seconds, sweep_seconds = _sweep(name, router, test)
        if details is not None:
            details["frames"][name], details["choices"][name] = frame, choices
        curve = (frame["cost"].to_numpy(), frame["quality"].to_numpy())
        # a router that makes the same choices at every budget is one point, like a single model (where the
        # models' costs differ: with equal costs every router is one point, and AIQ is its quality)
        one_point = c_min < c_max and len(np.unique(np.column_stack(curve), axis=0)) == 1
        result["routers"][name] = {
            "aiq": None if one_point else metrics.aiq(*curve, c_min, c_max),
            "quality_at_best_single_cost": _nan_to_none(metrics.quality_at_cost(*curve, c=best_c)),
            "cost_at_best_single_quality": _nan_to_none(metrics.cost_at_quality(*curve, q=best_q)),
            "top_model_share_max_budget": float(frame.loc[frame["lam"].fillna(0).idxmin(), "top_share"]),
            "fit_seconds": round(fit_seconds, 3),
            "route_seconds": round(route_seconds, 3),
            "sweep_seconds": round(sweep_seconds, 3),
        }
        if given:
            result["routers"][name]["params"] = dict(given)
    return result


def _max_share(specs: Sequence[str] | None) -> dict[str, float] | None:
    if not specs:
        return None
    caps: dict[str, float] = {}
    for spec in specs:
        model, sep, value = spec.rpartition("=")
        if not sep or not model:
            raise UsageError(f"--max-share {spec!r}: write MODEL=FRACTION, e.g. gpt-4-1106-preview=0.2")
        try:
            cap = float(value)
        except ValueError:
            raise UsageError(f"--max-share {spec!r}: {value!r} is not a number") from None
        if not 0 <= cap <= 1:
            raise UsageError(f"--max-share {spec!r}: the share must be a finite number in [0, 1]")
        if model in caps:
            raise UsageError(f"--max-share names {model!r} twice ({caps[model]:g} and {cap:g}): give one cap per model")
        caps[model] = cap
    return caps


def run_calibration(data: RoutingData, router_name: str, *, target_cost: float | None = None,
                    target_quality: float | None = None, max_share: dict[str, float] | None = None,
                    val_size: float = 0.3, test_size: float = 0.3, seed: int = 0, stratify: bool = True,
                    params: dict[str, Any] | None = None, progress: Stages | None = None,
                    save: str | Path | None = None) -> dict[str, Any]:
    """Split into fit / validation / test, fit the router, calibrate its budget on the validation part
    (:func:`routerkit.calibrate`) and measure that budget on the test part: the summary of ``calibrate``.

    ``val_size`` is the validation part's share of the training part (after ``test_size`` is held out).
    Costs are mean USD per query, quality mean score. A router that reads the query fits its own encoder on
    the fit part's prompts, so that ``save`` (a path) keeps a router that routes raw prompts.
    """
    from routerkit.calibrate import calibrate

    stages = progress if progress is not None else Stages(0, mode="off")
    (name,), _ = _usable([router_name], data, skip=False)
    train, test = _split(data, test_size, seed, stratify)
    fit_part, val = _split(train, val_size, seed, stratify)
    stages.expect(2 + (save is not None))
    encodes = fit_part.features is None and fit_part.prompts is not None and _reads_query(name)
    with stages.stage(f"fit {name} on {len(fit_part):,} queries"
                      + (" (with its TF-IDF + SVD encoder of their prompts)" if encodes else "")):
        try:
            router = _fitted(name, seed, params or {}, fit_part)
        except ValueError as exc:
            if not encodes:
                raise
            raise UsageError(f"cannot encode the prompts: {_first_line(exc)}") from None
    with stages.stage(f"calibrate on {len(val):,} validation queries, check on {len(test):,} test queries"):
        try:
            cal = calibrate(router, val, target_cost=target_cost, target_quality=target_quality,
                            max_share=max_share)
        except ValueError as exc:       # a target out of reach: said with the command's own flags
            message = _first_line(exc).replace("on these queries", "on the validation part")
            for arg in ("target_cost", "target_quality", "max_share"):
                message = message.replace(arg, "--" + arg.replace("_", "-"))
            raise UsageError(message) from None
        held = cal.check(router, test)
        on_val = cal.check(router, val)
    if save is not None:
        with stages.stage(f"save the fitted router to {save}"):
            router.save(save)

    def part(row) -> dict[str, Any]:
        out = {"queries": int(row["n_queries"]), "cost": float(row["cost"]), "quality": float(row["quality"]),
               "met": bool(row["met"])}
        caps = {m: float(row[f"share:{m}"]) for m in cal.target.get("max_share", {})}
        if caps:
            out["shares"] = caps
        return out

    return {
        "dataset": data.meta.get("name", ""),
        "n_queries": len(data),
        "dropped": _dropped(data),
        "router": name,
        **({"params": dict(params)} if params else {}),
        "split": {"fit": len(fit_part), "validation": len(val), "test": len(test), "seed": int(seed),
                  "stratified_by_task": bool(stratify and data.tasks is not None)},
        "target": cal.target,
        "lam": cal.lam,
        "validation": part(on_val),
        "test": part(held),
        **({"saved": str(save)} if save is not None else {}),
    }


def _print_dropped(dropped: dict[str, Any], n_kept: int) -> None:
    if dropped["count"]:
        shown = ", ".join(str(i) for i in dropped["ids"][:5]) + (", ..." if dropped["count"] > 5 else "")
        print(f"dropped      {dropped['count']} of {dropped['count'] + n_kept} queries for missing scores or "
              f"costs (--missing drop): {shown}")


def _print_info(info: dict[str, Any]) -> None:
    print(f"dataset      {info['dataset']}: {info['n_queries']} queries x {len(info['models'])} models")
    if info["tasks"]:
        print("tasks        " + ", ".join(f"{t} ({n})" for t, n in info["tasks"].items()))
    print(f"scores       {info['score_range'][0]:g} to {info['score_range'][1]:g}")
    print(f"costs (USD)  {info['cost_range'][0]:.3g} to {info['cost_range'][1]:.3g} per call")
    if info["dropped"]["count"]:
        _print_dropped(info["dropped"], info["n_queries"])
    else:
        print("missing      none: every query has a score and a cost for every model")
    text = {"prompts": "prompts (routers that read the query encode them)",
            "features": "features (routers that read the query use them)",
            None: "none: only routers that ignore the query can run (--prompt-col names a prompt column)"}
    print(f"query text   {text[info['query_text']]}")
    o, b = info["oracle"], info["best_single"]
    print(f"oracle       quality {o['quality']:.4f}, cost ${o['cost'] * 1000:.4f} per 1k queries")
    print(f"best single  {b['model']}: quality {b['quality']:.4f}, cost ${b['cost'] * 1000:.4f} per 1k queries")
    _print_sanity(info["sanity"])


def _print_sanity(flags: dict[str, Any]) -> None:
    import pandas as pd

    table = pd.DataFrame(flags["models"]).assign(mean_cost=lambda f: f["mean_cost"] * 1000)
    table.columns = ["model", "quality", "$ per 1k calls", "share of its most common score"]
    print("models (best first)")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    lines = flag_notes(flags, SANITY_BOOT)
    print("flags        " + ("\n             ".join(lines) if lines else "none"))
    print(f"unsolved     {flags['unsolved_share']:.1%} of queries: no model scores {SOLVED} or more")
    print(f"tie rate     {flags['tie_rate']:.1%} of queries: two or more models share the query's best score")


def _print_table(result: dict[str, Any]) -> None:
    import pandas as pd

    b, o, z = result["best_single"], result["oracle"], result["zero_router"]
    print(f"{result['dataset']}: train {result['split']['train']}, test {result['split']['test']} "
          f"(seed {result['split']['seed']}); costs in $ per 1k queries")
    _print_dropped(result["dropped"], result["n_queries"])
    c_min, c_max = result["cost_range"]
    if c_min == c_max:
        print(f"note: {EQUAL_PRICES_NOTE} (${c_min * 1000:.4f} per 1k queries)")
    print(f"oracle: quality {o['quality']:.4f}, cost {o['cost'] * 1000:.4f}, AIQ {o['aiq']:.4f}")
    print(f"zero router (the best random mix of single models at each cost): AIQ {z['aiq']:.4f}")
    aiq_text = f"{b['aiq']:.4f}" if b["aiq"] is not None else f"n/a ({NOT_APPLICABLE_NOTE})"
    print(f"best single ({b['model']}): quality {b['quality']:.4f}, cost {b['cost'] * 1000:.4f}, AIQ {aiq_text}")
    rows = []
    for name, r in result["routers"].items():
        cost = r["cost_at_best_single_quality"]
        quality = r["quality_at_best_single_cost"]
        rows.append({"router": name, "AIQ": "n/a" if r["aiq"] is None else f"{r['aiq']:.4f}",
                     "quality@best cost": np.nan if quality is None else quality,
                     "cost@best quality": np.nan if cost is None else cost * 1000,
                     "top share": r["top_model_share_max_budget"], "fit s": r["fit_seconds"],
                     "route s": r["route_seconds"]})
    if rows:
        print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.4f}", na_rep="never"))
        print(f"AIQ: area under the router's cost-quality curve over the single models' cost range, divided by its "
              f"width (n/a: the same choices at every budget, one point)\n"
              f"quality@best cost, cost@best quality: at {b['model']}'s cost, and to reach its quality "
              f"('never': not reached)\n"
              f"top share: share of test queries sent to {b['model']} at the largest budget (lam = 0)\n"
              f"fit s, route s: seconds to fit on the training part, and to route the test part")
        if "random" in result["routers"]:
            print(RANDOM_NOTE)
    for name, reason in result["skipped"].items():
        print(f"skipped {name}: {reason}")


def _output_path(out: str, data_arg: str, flag: str = "--json", what: str = "the summary",
                 suffix: str = ".json") -> Path:
    """Check before the run that ``--json OUT`` (or another ``flag``'s file, holding ``what``) can be written and
    is not the input file."""
    path = Path(out).expanduser()
    source = Path(data_arg).expanduser()
    if source.is_file() and path.resolve() == source.resolve():
        raise UsageError(f"{flag} {out!r} is the input file: choose another path for {what}")
    if path.is_dir():
        raise UsageError(f"{flag} {out!r} is a folder: give a file path")
    if path.suffix.lower() != suffix and ("".join(path.suffixes[-2:]).lower() in DATA_SUFFIXES
                                          or path.suffix.lower() in DATA_SUFFIXES):
        raise UsageError(f"{flag} {out!r} looks like a data file, and {what} would replace it: give a "
                         f"{suffix} path")
    if path.exists() and not path.stat().st_mode & 0o222:
        raise UsageError(f"{flag} {out!r} is read-only: choose another path")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"{flag} {out!r}: folder {str(parent)!r} does not exist")
    if not os.access(parent, os.W_OK) or path.exists() and not os.access(path, os.W_OK):
        raise UsageError(f"{flag} {out!r} is not writable")
    return path


def _write_json(path: Path, result: dict[str, Any]) -> None:
    _write_text(path, json.dumps(result, indent=2))


def _write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a staging file, then a rename)."""
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        staging.write_text(text, encoding="utf-8")
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}") from None
    if not 0 <= value < 2 ** 32:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to 2**32 - 1, got {text!r}")
    return value


def _test_size(text: str) -> float | int:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a fraction in (0, 1) or a number of queries, got {text!r}") from None
    if value >= 1:
        if value != int(value):
            raise argparse.ArgumentTypeError(f"must be a fraction in (0, 1) or a whole number of queries, "
                                             f"got {text!r}")
        return int(value)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a fraction in (0, 1) or a number of queries, got {text!r}")
    return value


def _float_arg(text: str, ok, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not ok(value):
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
    return value


def _nonnegative(text: str) -> float:
    return _float_arg(text, lambda v: math.isfinite(v) and v >= 0, "a finite number >= 0")


def _unit(text: str) -> float:
    return _float_arg(text, lambda v: 0 <= v <= 1, "a number in [0, 1]")


def _fraction(text: str) -> float:
    return _float_arg(text, lambda v: 0 < v < 1, "a fraction in (0, 1)")


def _sep(text: str) -> str:
    sep = "\t" if text.lower() in ("tab", "\\t") else text
    if len(sep) != 1:
        raise argparse.ArgumentTypeError(f"must be one character (or 'tab'), got {text!r}")
    return sep


def _whole_number(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = least - 1
    if value < least:
        raise argparse.ArgumentTypeError(f"must be a whole number >= {least}, got {text!r}")
    return value


def _threads(text: str) -> int:
    return _whole_number(text, 1)


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", default="auto", choices=FORMATS)
    parser.add_argument("--missing", default="raise", choices=("raise", "drop"),
                        help="queries lacking a score or cost for some model: an error (default), or dropped "
                             "and reported")
    parser.add_argument("--sep", metavar="CHAR", type=_sep, help="the field separator of a CSV or TSV file "
                                                                  "(one character, or 'tab'; default ',' for "
                                                                  ".csv, tab for .tsv)")
    cols = parser.add_argument_group("columns of a long file (defaults: query_id, model, score, cost, and "
                                     "task and prompt where present)")
    for flag, arg in COLUMN_FLAGS.items():
        cols.add_argument(f"--{flag.replace('_', '-')}", metavar="NAME", help=f"the {arg} column")


def _add_run_options(parser: argparse.ArgumentParser, one_seed: bool = True) -> None:
    """The split, seed, output and progress options of a command that fits routers (``one_seed=False``: the
    command names its own seeds and output)."""
    parser.add_argument("--test-size", type=_test_size, default=0.3,
                        help="a fraction in (0, 1), or a whole number of test queries")
    parser.add_argument("--no-stratify", action="store_true",
                        help="split the queries as one group (default: each task in the same proportion)")
    if one_seed:
        parser.add_argument("--seed", type=_seed, default=0)
        parser.add_argument("--json", metavar="OUT", help="write the summary as JSON to this file")
    parser.add_argument("--progress", default="auto", choices=("auto", "lines", "off"),
                        help="stage progress on stderr: a bar on a terminal, one line per stage otherwise (auto)")


def _add_router_options(parser: argparse.ArgumentParser) -> None:
    """``--routers`` and ``--param`` of a command that compares routers."""
    parser.add_argument("--routers", default="all",
                        help="comma-separated registry names, or 'all' (the default: every router but 'finetuned', "
                             "which fine-tunes MiniLM for CPU minutes; 'all,finetuned' adds it)")
    parser.add_argument("--param", action="append", metavar="ROUTER.NAME=VALUE",
                        help="set a router's hyperparameter, e.g. finetuned.max_train=500 or finetuned.epochs=1 "
                             "(repeatable)")


# more seeds than this in one report is a typo (a range such as 0-40000), not a plan
MAX_SEEDS = 100


def _seeds(text: str) -> list[int]:
    """``--seeds``: a range ``0-4`` (both ends included), a list ``0,1,2``, or one seed ``3``."""
    seeds: list[int] = []
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        try:
            low = _seed(first)
            high = _seed(last) if dash else low
        except argparse.ArgumentTypeError:
            raise argparse.ArgumentTypeError(f"write a range (0-4), a list (0,1,2) or one seed, each a whole number "
                                             f">= 0; got {text!r}") from None
        if high < low:
            raise argparse.ArgumentTypeError(f"the range {part.strip()!r} runs backwards: write {high}-{low}")
        if len(seeds) + high - low + 1 > MAX_SEEDS:
            raise argparse.ArgumentTypeError(f"{text!r} names more than {MAX_SEEDS} seeds")
        seeds.extend(range(low, high + 1))
    if len(set(seeds)) < len(seeds):
        raise argparse.ArgumentTypeError(f"{text!r} names a seed twice")
    return seeds


def _resamples(text: str) -> int:
    return _whole_number(text, 10)


def _add_report_parser(sub, threads: argparse.ArgumentParser) -> None:
    rep = sub.add_parser("report", parents=[threads],
                         help="one offline HTML page of the whole analysis, and its figures as JSON, over seeds")
    rep.add_argument("--data", required=True, help="'routerworld', 'routerbench', or a file path")
    _add_data_options(rep)
    rep.add_argument("--out", required=True, metavar="PAGE.html",
                     help="the page to write; its JSON goes beside it, with the same name and .json")
    _add_router_options(rep)
    rep.add_argument("--seeds", type=_seeds, default="0-4",
                     help="seeds, each a new split and router seed: a range 0-4 (the default; with every default "
                          "router, under a minute on RouterWorld's 10,000 queries or the RouterBench subset's 3,150 "
                          "on 2 cores), a list 0,1,2 or one seed; charts and intervals are of the first")
    rep.add_argument("--n-boot", type=_resamples, default=1000, metavar="N",
                     help="bootstrap resamples of the plateau's intervals (default 1000)")
    _add_run_options(rep, one_seed=False)


def _data_and_routers(args, stages: Stages) -> tuple[RoutingData, list[str], dict[str, dict[str, Any]]]:
    """The first two stages of a run that compares routers: load ``--data``, then name the ``--routers`` and
    their ``--param`` values (which loads torch and scikit-learn)."""
    columns = {arg: getattr(args, flag) for flag, arg in COLUMN_FLAGS.items()}
    with stages.stage(f"load {args.data}"):
        data = _load(args.data, args.format, args.missing, columns, args.sep)
    _warn_if_mostly_dropped(data)
    with stages.stage("load the routers (torch, scikit-learn)"):
        names = _router_names(args.routers)
        return data, names, _router_params(args.param, names)


def _report_command(args) -> int:
    from routerkit.report import build_report, json_path, write_report

    page = _output_path(args.out, args.data, flag="--out", what="the report", suffix=".html")
    if page.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"--out {args.out!r}: name the page with .html (its JSON goes beside it, as .json)")
    _output_path(str(json_path(page)), args.data, flag=f"--out {args.out!r}: the JSON beside it,",
                 what="the report's figures")
    try:
        import vl_convert  # noqa: F401  (draws the charts)
    except ImportError:
        raise UsageError("routerkit report draws its charts with vl-convert: pip install 'routerkit[report]'") \
            from None
    stages = Stages(2, mode=args.progress)
    data, names, params = _data_and_routers(args, stages)
    report = build_report(data, names, args.seeds, test_size=args.test_size, stratify=not args.no_stratify,
                          params=params, n_boot=args.n_boot, progress=stages,
                          skip_unusable="all" in [n.strip() for n in args.routers.split(",")])
    with stages.stage(f"draw {len(report.charts)} charts, write the page and its JSON"):
        page, beside = write_report(report, page)
    stages.close()
    print(f"wrote {page} ({len(report.charts)} charts) and {beside}: {len(args.seeds)} seed(s), "
          f"{len(report.figures['runs'][0]['routers'])} routers, {report.figures['seconds']:.1f} s to measure")
    return 0


def _parser() -> argparse.ArgumentParser:
    threads = _Parser(add_help=False)
    threads.add_argument("--threads", type=_threads, metavar="N", default=argparse.SUPPRESS,
                         help="threads for torch, OpenMP and BLAS (default: one per pool, and one kNN search "
                              "worker per core; see the README)")
    parser = _Parser(prog="routerkit", description="Analyse LLM routing data.", parents=[threads])
    sub = parser.add_subparsers(dest="command", required=True)
    data = sub.add_parser("data", help="describe a dataset").add_subparsers(dest="action", required=True)
    info = data.add_parser("info", parents=[threads],
                           help="queries, models, tasks, ranges, missing values, oracle and best single")
    info.add_argument("dataset", help="'routerworld', 'routerbench', or a file path")
    _add_data_options(info)
    ev = sub.add_parser("evaluate", parents=[threads], help="split, fit routers, sweep budgets, print a table")
    ev.add_argument("--data", required=True, help="'routerworld', 'routerbench', or a file path")
    _add_data_options(ev)
    _add_router_options(ev)
    _add_run_options(ev)
    cal = sub.add_parser("calibrate", parents=[threads],
                         help="the budget that meets a cost, quality or share target, checked on a test part")
    cal.add_argument("--data", required=True, help="'routerworld', 'routerbench', or a file path")
    _add_data_options(cal)
    cal.add_argument("--router", required=True, help="one registry name, e.g. knn or linear")
    goal = cal.add_mutually_exclusive_group()
    goal.add_argument("--target-cost", type=_nonnegative, metavar="USD",
                      help="spend at most this mean USD per query (the best quality within it)")
    goal.add_argument("--target-quality", type=_unit, metavar="Q",
                      help="reach at least this mean score (the cheapest budget that does)")
    cal.add_argument("--max-share", action="append", metavar="MODEL=FRACTION",
                     help="send at most this share of queries to MODEL (repeatable; alone, or with a target)")
    cal.add_argument("--param", action="append", metavar="ROUTER.NAME=VALUE",
                     help="set the router's hyperparameter, e.g. knn.k=100 (repeatable)")
    cal.add_argument("--val-size", type=_fraction, default=0.3,
                     help="share of the training part used to calibrate (default 0.3)")
    cal.add_argument("--save", metavar="FILE",
                     help="keep the fitted router (with its encoder) in FILE, for routerkit route")
    _add_run_options(cal)
    _add_report_parser(sub, threads)
    route = sub.add_parser("route", parents=[threads],
                           help="choose a model for each new prompt with a router kept by calibrate --save")
    route.add_argument("--router", required=True, metavar="FILE", help="a router file (router.save, calibrate --save)")
    route.add_argument("--prompts", required=True, metavar="FILE",
                       help="JSON Lines: one prompt per line, as a JSON string or an object with 'prompt' and "
                            "optionally 'task' and 'id'")
    route.add_argument("--budget", required=True, type=_nonnegative, metavar="LAM",
                       help="the budget lam: the quality one USD per query must buy (0: best quality at any cost; "
                            "calibrate prints the lam that meets a target)")
    route.add_argument("--out", metavar="FILE", help="write the choices here (JSON Lines; default: standard output)")
    return parser


def _calibrate_command(args) -> int:
    if args.target_cost is None and args.target_quality is None and not args.max_share:
        raise UsageError("give a target: --target-cost USD, --target-quality Q or --max-share MODEL=FRACTION")
    out = _output_path(args.json, args.data) if args.json else None
    save = _output_path(args.save, args.data, flag="--save", what="the router", suffix=".router") if args.save \
        else None
    caps = _max_share(args.max_share)
    stages = Stages(2, mode=args.progress)
    columns = {arg: getattr(args, flag) for flag, arg in COLUMN_FLAGS.items()}
    with stages.stage(f"load {args.data}"):
        data = _load(args.data, args.format, args.missing, columns, args.sep)
    _warn_if_mostly_dropped(data)
    with stages.stage("load the routers (torch, scikit-learn)"):
        spec = args.router.strip()
        if spec == "all" or "," in spec:
            raise UsageError(f"--router {args.router!r}: name one router, e.g. knn")
        (name,) = _router_names(spec, flag="--router")
        _check_single_models([name], data, flag="--router")
        params = _router_params(args.param, [name]).get(name)
    if caps:
        for model in caps:
            if model not in data.models:
                raise UsageError(f"--max-share {model!r}: no such model in this dataset"
                                 f"{_closest(model, data.models)} (models: {', '.join(data.models)})")
    result = run_calibration(data, name, target_cost=args.target_cost, target_quality=args.target_quality,
                             max_share=caps, val_size=args.val_size, test_size=args.test_size, seed=args.seed,
                             stratify=not args.no_stratify, params=params, progress=stages, save=save)
    stages.close()
    if out is not None:
        _write_json(out, result)
    _print_calibration(result)
    return 0


def _read_prompts(path: str) -> tuple[list[Any], list[str], list[str] | None]:
    """Ids (line numbers where no line gives one), prompts and tasks (None where no line gives one) from a JSON
    Lines file."""
    source = Path(path).expanduser()
    if not source.is_file():
        raise UsageError(f"--prompts {path!r}: no such file")
    ids, lines, prompts, tasks = [], [], [], []
    with source.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UsageError(f"--prompts {path!r}, line {number}: not JSON ({exc.msg})") from None
            if isinstance(item, dict):
                if "prompt" not in item:
                    raise UsageError(f"--prompts {path!r}, line {number}: an object needs a 'prompt' key (it has "
                                     f"{', '.join(repr(k) for k in list(item)[:5]) or 'none'})")
                prompt, task, ident = item["prompt"], item.get("task"), item.get("id")
            else:
                prompt, task, ident = item, None, None
            if not isinstance(prompt, str):
                raise UsageError(f"--prompts {path!r}, line {number}: the prompt must be a string (a JSON string, "
                                 f"or an object with a 'prompt' string), got {type(prompt).__name__}")
            if task is not None and not isinstance(task, str):
                raise UsageError(f"--prompts {path!r}, line {number}: 'task' must be a string")
            ids.append(ident)
            lines.append(number)
            prompts.append(prompt)
            tasks.append(task)
    if not prompts:
        raise UsageError(f"--prompts {path!r} holds no prompts")
    for field, values in (("a task", tasks), ("an id", ids)):
        named = [v is not None for v in values]
        if any(named) and not all(named):
            odd = lines[named.index(not named[0])]
            raise UsageError(f"--prompts {path!r}: some lines give {field} and others do not (line {odd} "
                             f"{'does' if not named[0] else 'does not'}): give every prompt {field}, or none")
    if ids[0] is None:
        ids = lines                   # no ids: each prompt is known by its line number
    else:
        seen: dict[Any, int] = {}
        for ident, number in zip(ids, lines):
            key = json.dumps(ident)
            if key in seen:
                raise UsageError(f"--prompts {path!r}: id {ident!r} on lines {seen[key]} and {number}: ids must be "
                                 f"unique, or left out")
            seen[key] = number
    return ids, prompts, (tasks if tasks[0] is not None else None)


def _route_command(args) -> int:
    import warnings

    from routerkit.routers import load

    out = _output_path(args.out, args.prompts, flag="--out", what="the choices", suffix=".jsonl") if args.out \
        else None
    ids, prompts, tasks = _read_prompts(args.prompts)
    try:
        router = load(args.router)
    except (ValueError, FileNotFoundError) as exc:
        raise UsageError(f"--router {args.router!r}: {_first_line(exc)}") from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            choice = router.route_prompts(prompts, args.budget, tasks=tasks)
        except ValueError as exc:
            raise UsageError(_first_line(exc)) from None
    for w in caught:      # said in the file's terms: a task is a field of each line
        message = str(w.message).replace("no tasks= were given", "the prompts name no 'task'")
        print(f"routerkit: warning: {message.replace('(pass tasks=)', '(give each line a task)')}", file=sys.stderr)
    lines = "".join(json.dumps({"id": i, "model": router.models_[c]}) + "\n" for i, c in zip(ids, choice))
    if out is None:
        sys.stdout.write(lines)
    else:
        _write_text(out, lines)
    counts = np.bincount(choice, minlength=len(router.models_))
    mix = ", ".join(f"{router.models_[j]} {counts[j]}" for j in np.argsort(-counts, kind="stable") if counts[j])
    print(f"routed {len(prompts):,} prompt{'s' if len(prompts) != 1 else ''} with {router.name} at lam = "
          f"{args.budget:g}: {mix}", file=sys.stderr)
    return 0


def _print_calibration(result: dict[str, Any]) -> None:
    target = result["target"]
    goals = []
    if "cost" in target:
        goals.append(f"cost <= {target['cost']:.4g} USD per query")
    if "quality" in target:
        goals.append(f"quality >= {target['quality']:.4g}")
    goals += [f"share of {m} <= {f:.3g}" for m, f in target.get("max_share", {}).items()]
    val, test = result["validation"], result["test"]
    shares = [(f"share {m.split('/')[-1]}", m) for m in target.get("max_share", {})]
    w = max([12] + [len(label) for label, _ in shares])
    _print_dropped(result["dropped"], result["n_queries"])
    print(f"router       {result['router']} on {result['dataset'] or 'the data'}")
    print(f"target       {'; '.join(goals)}")
    print(f"budget       lam = {result['lam']:.6g} (chosen on the validation part)")
    print(f"{'':<{w}} {'validation':>12} {'test':>12}")
    print(f"{'queries':<{w}} {val['queries']:>12,} {test['queries']:>12,}")
    print(f"{'cost (USD)':<{w}} {val['cost']:>12.4g} {test['cost']:>12.4g}")
    print(f"{'quality':<{w}} {val['quality']:>12.4f} {test['quality']:>12.4f}")
    for label, m in shares:
        print(f"{label:<{w}} {val['shares'][m]:>12.3f} {test['shares'][m]:>12.3f}")
    print(f"{'target met':<{w}} {'yes' if val['met'] else 'no':>12} {'yes' if test['met'] else 'no':>12}")
    if "saved" in result:
        print(f"router kept in {result['saved']}; route new prompts with: routerkit route --router {result['saved']} "
              f"--prompts FILE.jsonl --budget {result['lam']:.6g}")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        try:
            args = _parser().parse_args(argv)
        except SystemExit as exc:  # --help
            return int(exc.code or 0)
        if getattr(args, "threads", None) is not None:
            set_threads(args.threads)
        try:            # a bad $ROUTERKIT_THREADS is a usage error, found before any work
            get_threads()
        except ValueError as exc:
            raise UsageError(_first_line(exc)) from None
        if args.command == "route":
            return _route_command(args)
        columns = {arg: getattr(args, flag) for flag, arg in COLUMN_FLAGS.items()}
        if args.command == "data":
            _print_info(describe(_load(args.dataset, args.format, args.missing, columns, args.sep)))
            return 0
        if args.command == "calibrate":
            return _calibrate_command(args)
        if args.command == "report":
            return _report_command(args)
        out = _output_path(args.json, args.data) if args.json else None
        stages = Stages(2, mode=args.progress)
        data, names, params = _data_and_routers(args, stages)
        result = run_evaluation(data, names, args.test_size, args.seed, progress=stages,
                                skip_unusable="all" in [n.strip() for n in args.routers.split(",")], stratify=not args.no_stratify,
                                params=params)
        stages.close()
        if out is not None:   # before the table, so a closed pipe on stdout cannot lose it
            _write_json(out, result)
        _print_table(result)
        return 0
    except UsageError as exc:
        print(f"routerkit: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):   # stdout closed early (`| head`): nothing more to say
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        print(f"routerkit: error: {_first_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nrouterkit: interrupted", file=sys.stderr)
        return 130


def _warn_if_mostly_dropped(data: RoutingData) -> None:
    dropped = _dropped(data)["count"]
    if dropped > len(data):
        print(f"routerkit: warning: --missing drop dropped {dropped} of {dropped + len(data)} queries; "
              f"{len(data)} are left (which models lack results: routerkit data info shows the counts)",
              file=sys.stderr)

if __name__ == "__main__":
    sys.exit(main())
