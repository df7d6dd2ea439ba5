"""One offline page of a routing data set's whole analysis: ``routerkit report``, or ``rk.report`` in Python.

The page asks of the user's data the questions the notebook series asks of RouterWorld and RouterBench:

1. Is the data sound? Its size, tasks, dropped queries, and the checks of :mod:`routerkit.sanity` (a constant
   answerer, a copied cost column, models tied with the best, queries no model solves, ties).
2. What does each single model earn and cost?
3. Where do the routers land on the cost-quality plane, against single models, random mixing (the zero router)
   and the oracle?
4. Is there a plateau: do the learned routers sit in a narrow AIQ band far below the oracle? (joint bootstrap
   intervals, :func:`routerkit.metrics.plateau_intervals`)
5. Do they collapse: send most queries to the top model as the budget grows, and what mix do they route?
6. Do they solve the same easy queries and fail the same hard ones (solved-by-k, paired wins)?
7. What does each router cost at the best single model's quality, and how much does it save against the best
   score router (the learned router that regresses scores and is cheapest there)?

Every per-router figure is measured on several seeds, each a different train/test split and router seed, and
shown as mean ± sd; the charts and the bootstrap intervals are of the first seed. :func:`build_report` measures
(a :class:`Report`: JSON-ready ``figures`` and altair ``charts``), :func:`render_html` lays the page out from
those figures and the charts drawn to SVG, :func:`write_report` writes the page and its JSON. The page carries
no script and loads nothing: charts are inline SVG, so it reads from a file with no network.
"""
from __future__ import annotations

import html
import json
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Container, Mapping, Sequence

import numpy as np
import pandas as pd

from routerkit import metrics
from routerkit.data import RoutingData
from routerkit.progress import Stages
from routerkit.sanity import SOLVED, flag_notes
from routerkit.threads import limited

__all__ = ["Report", "build_report", "render_html", "write_report", "router_kind", "json_path",
           "BASELINES", "DECISION_AWARE", "CHOICE_BUDGET"]

#: Routers that do not learn from the queries (the oracle reads the test labels): never in the band.
BASELINES = ("best_single", "cheapest", "random", "oracle")
#: Learned routers that rank models per query instead of regressing each model's score.
DECISION_AWARE = ("ranking",)
#: The budget at which routers' choices are compared query by query: the largest (cost no object).
CHOICE_BUDGET = 0.0
#: Per-router figures averaged over the seeds.
SEED_FIGURES = ("aiq", "quality_at_best_single_cost", "cost_at_best_single_quality", "top_model_share_max_budget",
                "saving_vs_best_score_router", "fit_seconds")
CI = 0.95
_MIX_CHARTS = 3       # routing-mix charts at most: the best learned router, the best score router, the ranking one
_TASKS_SHOWN = 12     # tasks named on the page (all of them are in the JSON)


@dataclass
class Report:
    """What :func:`build_report` measured: ``figures``, every number of the page (JSON-ready; the same dict is
    written as the JSON), and ``charts``, altair charts by id in page order (``figures["charts"]`` describes
    each)."""

    figures: dict[str, Any]
    charts: dict[str, Any]


def router_kind(name: str) -> str:
    """``"baseline"`` (no learning from the query, or the oracle), ``"decision-aware"`` (learns a ranking) or
    ``"score"`` (learns each model's score or a per-group trend, then decides by the shared rule)."""
    if name in BASELINES or name.startswith("single:"):
        return "baseline"
    return "decision-aware" if name in DECISION_AWARE else "score"


def json_path(page: str | Path) -> Path:
    """The JSON written beside a report page: the same name with ``.json``."""
    return Path(page).with_suffix(".json")


# -- measuring ----------------------------------------------------------------------------------------------
class _SeedStages:
    """A run's progress with each stage named by its seed; ``later`` stages (after the seeds) stay planned."""

    def __init__(self, stages: Stages, seed: int, later: int):
        self.stages, self.seed, self.later = stages, seed, later

    def expect(self, n: int) -> None:
        self.stages.expect(n + self.later)

    def stage(self, label: str):
        return self.stages.stage(f"seed {self.seed}: {label}")


def _plain(obj: Any) -> Any:
    """JSON-ready: numpy numbers as Python ones, NaN and infinities as None, tuples as lists."""
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [_plain(v) for v in obj.tolist()]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    return obj


def _at_largest_budget(frame: pd.DataFrame, choices: np.ndarray) -> np.ndarray:
    """A router's choice per query at its largest budget (``lam = 0``): the row of its choice matrix there."""
    return choices[int(np.argmin(frame["lam"].fillna(0).to_numpy()))]


def _add_savings(result: dict[str, Any], frames: Mapping[str, pd.DataFrame]) -> None:
    """Add to one seed's summary the best score router (cheapest at the best single model's quality) and each
    router's ``saving_vs_best_score_router`` there (``metrics.savings``; None where either never reaches it)."""
    q = result["best_single"]["quality"]
    costs = {n: r["cost_at_best_single_quality"] for n, r in result["routers"].items()
             if router_kind(n) == "score" and r["cost_at_best_single_quality"] is not None}
    best = min(costs, key=costs.get) if costs else None
    result["best_score_router"] = best
    for name, r in result["routers"].items():
        r["saving_vs_best_score_router"] = None if best is None else metrics.savings(frames[name], frames[best], q)


def _add_oracle_top_share(result: dict[str, Any], test: RoutingData) -> None:
    """Add the oracle's share of the top model (the best single model on the training part): how often the
    cheapest model among those with the query's best score is the top model."""
    top = result["models"].index(result["best_single"]["model"])
    result["oracle"]["top_model_share"] = float((metrics.oracle_choice(test).choice == top).mean())


def _band_routers(result: dict[str, Any]) -> list[str]:
    """The learned routers with an AIQ: the ones whose spread makes the plateau's band."""
    return [n for n, r in result["routers"].items() if router_kind(n) != "baseline" and r["aiq"] is not None]


def _add_band(result: dict[str, Any], frames: Mapping[str, pd.DataFrame], test: RoutingData) -> None:
    """Add one seed's band (``metrics.plateau_band`` of the learned routers): low, high, width, gap to the
    oracle and their ratio; None with fewer than two learned routers."""
    names = _band_routers(result)
    if len(names) < 2:          # one router is no band
        result["band"] = None
        return
    band = metrics.plateau_band(pd.concat([frames[n] for n in names], ignore_index=True), test, *result["cost_range"])
    result["band"] = {"routers": names, "low": band.lo, "high": band.hi, "width": band.width, "gap": band.gap,
                      "ratio": band.ratio}


def _mean_sd(values: Sequence[float | None]) -> dict[str, Any]:
    """Mean and sample sd (ddof 1) over the seeds that have a value; ``n``: how many do."""
    arr = np.array([np.nan if v is None else v for v in values], dtype=float)
    n = int(np.isfinite(arr).sum())
    return {"mean": float(np.nanmean(arr)) if n else None, "sd": float(np.nanstd(arr, ddof=1)) if n > 1 else None,
            "n": n}


def _aggregate(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Mean ± sd over the seeds of every per-router figure, of the references and of the band."""
    names = list(dict.fromkeys(n for run in runs for n in run["routers"]))
    routers = {n: {fig: _mean_sd([run["routers"][n][fig] for run in runs if n in run["routers"]])
                   for fig in SEED_FIGURES} for n in names}
    bands = [run["band"] or {} for run in runs]
    best_score = [run["best_score_router"] for run in runs]
    return {
        "seeds": [run["split"]["seed"] for run in runs],
        "routers": routers,
        "oracle_aiq": _mean_sd([run["oracle"]["aiq"] for run in runs]),
        "zero_router_aiq": _mean_sd([run["zero_router"]["aiq"] for run in runs]),
        "best_single_quality": _mean_sd([run["best_single"]["quality"] for run in runs]),
        "best_single_cost": _mean_sd([run["best_single"]["cost"] for run in runs]),
        "oracle_top_model_share": _mean_sd([run["oracle"]["top_model_share"] for run in runs]),
        "band": {k: _mean_sd([b.get(k) for b in bands]) for k in ("width", "gap", "ratio")},
        "best_score_router": {n: best_score.count(n) for n in dict.fromkeys(best_score) if n is not None},
    }


def _plateau(result: dict[str, Any], choices: Mapping[str, np.ndarray], test: RoutingData, n_boot: int,
             seed: int) -> dict[str, Any] | None:
    """Joint bootstrap intervals of the first seed's AIQs and band (``metrics.plateau_intervals``): every router
    with an AIQ, the band made of the learned ones (of all of them where none is learned)."""
    with_aiq = [n for n, r in result["routers"].items() if r["aiq"] is not None]
    if not with_aiq:
        return None
    learned = _band_routers(result) or with_aiq
    pi = metrics.plateau_intervals({n: choices[n] for n in with_aiq}, test, learned=learned, n=n_boot, seed=seed,
                                   ci=CI)
    table = pi.aiq.reset_index()
    table.insert(1, "kind", [router_kind(n) if n in result["routers"] else "reference" for n in table["router"]])
    best = max(learned, key=lambda n: result["routers"][n]["aiq"])
    band = pi.band.reset_index().to_dict(orient="records") if len(learned) > 1 else None
    return {"seed": seed, "resamples": pi.n, "ci": pi.ci, "band_routers": learned, "best": best,
            "aiq": table.to_dict(orient="records"), "band": band}


def _agreement(result: dict[str, Any], frames: Mapping[str, pd.DataFrame], choices: Mapping[str, np.ndarray],
               test: RoutingData) -> dict[str, Any] | None:
    """The first seed's routers compared query by query at the largest budget: solved-by-k, paired wins and
    the hard queries (the oracle solves them, no router does). The learned routers where two or more ran,
    else every router; None with fewer than two."""
    learned = [n for n in result["routers"] if router_kind(n) != "baseline"]
    names = learned if len(learned) >= 2 else list(result["routers"])
    if len(names) < 2:
        return None
    picked = {n: _at_largest_budget(frames[n], choices[n]) for n in names}
    wins = metrics.win_loss(picked, test, SOLVED)
    return {"seed": result["split"]["seed"], "lam": CHOICE_BUDGET, "routers": names, "threshold": SOLVED,
            "solved_by_k": metrics.solved_by_k(picked, test, SOLVED).to_dict(orient="records"),
            "win_loss": {a: wins.loc[a].to_dict() for a in wins.index},
            "hard_query_share": metrics.hard_query_share(picked, test, SOLVED)}


def _mix_routers(result: dict[str, Any]) -> list[dict[str, str]]:
    """Routers whose routing mix is drawn, each with why: the learned router with the best AIQ, the best score
    router, the decision-aware ones (at most ``_MIX_CHARTS``)."""
    learned = {n: r["aiq"] for n, r in result["routers"].items() if router_kind(n) != "baseline"
               and r["aiq"] is not None}
    picks: dict[str, list[str]] = {}
    if learned:
        picks.setdefault(max(learned, key=learned.get), []).append("the learned router with the best AIQ")
    if result["best_score_router"]:
        picks.setdefault(result["best_score_router"], []).append(
            "the best score router: the cheapest at the best single model's quality")
    for n in result["routers"]:
        if router_kind(n) == "decision-aware":
            picks.setdefault(n, []).append("the decision-aware router: it ranks models instead of regressing scores")
    return [{"router": n, "why": "; ".join(why)} for n, why in list(picks.items())[:_MIX_CHARTS]]


def build_report(data: RoutingData, routers: Sequence[str], seeds: Sequence[int] = (0, 1, 2, 3, 4), *,
                 test_size: float = 0.3, stratify: bool = True, params: dict[str, dict[str, Any]] | None = None,
                 n_boot: int = 1000, skip_unusable: bool = False, progress: Stages | None = None) -> Report:
    """Measure the report's figures on ``data``: one evaluation per seed (``routerkit.cli.run_evaluation``:
    split, fit each router, sweep its budgets on the test part), then the first seed's bootstrap intervals,
    query-by-query comparisons and charts.

    ``routers``: registry names (``single:<model>`` for one model alone); ``params`` their hyperparameters
    (``{"knn": {"k": 50}}``). ``skip_unusable`` skips routers the data cannot feed (no prompts) instead of
    failing. ``n_boot``: bootstrap resamples of the intervals. Returns a :class:`Report`.
    """
    from routerkit.cli import SANITY_BOOT, describe, run_evaluation

    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("give at least one seed")
    if len(set(seeds)) < len(seeds):
        raise ValueError(f"seeds repeat: {seeds}")
    stages = progress if progress is not None else Stages(0, mode="off")
    start = time.perf_counter()
    with limited():
        info = describe(data)
        runs, first = [], {}
        for seed in seeds:
            details: dict[str, Any] = {}
            run = run_evaluation(data, list(routers), test_size, seed, progress=_SeedStages(stages, seed, 1),
                                 skip_unusable=skip_unusable, stratify=stratify, params=params, details=details)
            _add_savings(run, details["frames"])
            _add_oracle_top_share(run, details["test"])
            _add_band(run, details["frames"], details["test"])
            run["encode_seconds"] = details["encode_seconds"]
            runs.append(run)
            first = first or details
        with stages.stage(f"seed {seeds[0]}: bootstrap intervals ({n_boot} resamples) and charts"):
            test, frames, choices = first["test"], first["frames"], first["choices"]
            figures = {
                "dataset": info["dataset"], "n_queries": info["n_queries"], "models": info["models"],
                "data": info, "flags": flag_notes(info["sanity"], SANITY_BOOT), "sanity_resamples": SANITY_BOOT,
                "settings": {"routers": list(routers), "seeds": seeds, "test_size": test_size,
                             "stratified_by_task": runs[0]["split"]["stratified_by_task"], "params": params or {},
                             "bootstrap_resamples": int(n_boot), "ci": CI, "choice_budget": CHOICE_BUDGET},
                "runs": runs,
                "aggregate": _aggregate(runs),
                "plateau": _plateau(runs[0], choices, test, n_boot, seeds[0]),
                "agreement": _agreement(runs[0], frames, choices, test),
                "routing_mix": _mix_routers(runs[0]),
            }
            charts = _charts(figures, frames, test)
    figures["charts"] = [{"id": cid, **meta} for cid, (meta, _) in charts.items()]
    figures["seconds"] = round(time.perf_counter() - start, 1)
    return Report(_plain(figures), {cid: chart for cid, (_, chart) in charts.items()})


# -- charts -------------------------------------------------------------------------------------------------
def _charts(figures: dict[str, Any], frames: Mapping[str, pd.DataFrame],
            test: RoutingData) -> dict[str, tuple[dict[str, str], Any]]:
    """The first seed's charts by id, each with its section, title and caption (``rk.plots``)."""
    from routerkit import plots

    run = figures["runs"][0]
    seed, n = run["split"]["seed"], run["split"]["test"]
    where = f"seed {seed}'s test part ({n:,} queries)"
    best = run["best_single"]
    out: dict[str, tuple[dict[str, str], Any]] = {}
    if frames:
        curves = pd.concat(list(frames.values()), ignore_index=True)
        out["frontier"] = ({"section": "frontier", "title": "Cost-quality frontier",
                            "caption": f"Every router's curve over its budgets on {where}; dotted red line: "
                                       f"{best['model']}'s quality ({best['quality']:.3f}), the best single model "
                                       "on the training part."},
                           plots.frontier(curves, test, target=best["quality"],
                                          target_label=f"{best['model'].split('/')[-1]}'s quality"))
        if "random" in frames:
            from routerkit.cli import RANDOM_NOTE

            out["frontier"][0]["caption"] += f" The router {RANDOM_NOTE}."
    plateau = figures["plateau"]
    if plateau is not None:
        rows = pd.DataFrame(plateau["aiq"])
        table = pd.DataFrame({"router": rows["router"], "aiq": rows["aiq"],
                              "lo": rows["low"], "hi": rows["high"], "group": rows["kind"]})
        out["plateau"] = ({"section": "plateau", "title": "The routing plateau",
                           "caption": f"AIQ per router on {where}, with {plateau['ci']:.0%} bootstrap intervals "
                                      f"({plateau['resamples']} resamples of the test queries)."},
                          plots.plateau(table))
    collapse = [nm for nm in frames if router_kind(nm) != "baseline"] or list(frames)
    if collapse:
        out["collapse"] = ({"section": "collapse", "title": "Routing collapse",
                            "caption": f"Share of queries sent to the top model (the best single model on the "
                                       f"training part) as the budget grows, on {where}; black: the oracle."},
                           plots.collapse(pd.concat([frames[nm] for nm in collapse], ignore_index=True), data=test))
    for pick in figures["routing_mix"]:
        name = pick["router"]
        out[f"mix:{name}"] = ({"section": "collapse", "title": f"Routing mix: {name}",
                               "caption": f"Share of queries per model at each budget, {name} on {where}; drawn as "
                                          f"{pick['why']} on seed {seed}."},
                              plots.routing_mix(frames[name], name))
    agreement = figures["agreement"]
    if agreement is not None:
        table = pd.DataFrame(agreement["solved_by_k"])
        out["solved_by_k"] = ({"section": "agreement", "title": "Solved by k routers",
                               "caption": f"How many of the {len(agreement['routers'])} routers solve each query "
                                          f"(score >= {agreement['threshold']:g}) at the largest budget "
                                          f"(lam = {agreement['lam']:g}), on {where}."},
                              plots.solved_by_k(table))
        wins = pd.DataFrame(agreement["win_loss"]).T.loc[agreement["routers"], agreement["routers"]]
        out["win_loss"] = ({"section": "agreement", "title": "Paired wins",
                            "caption": f"Cell (a, b): share of queries router a solves and b fails, at lam = "
                                       f"{agreement['lam']:g}, on {where}."},
                           plots.win_loss(wins))
    return out


# -- the page -----------------------------------------------------------------------------------------------
_CSS = """
body{font:14px/1.45 Helvetica,Arial,sans-serif;color:#222;margin:0 auto;max-width:1180px;padding:12px 28px 48px}
h1{font-size:26px;margin:18px 0 4px}h2{font-size:19px;margin:34px 0 8px;border-bottom:1px solid #ddd;padding-bottom:3px}
p.lead{color:#555;margin:0 0 14px}p.note{color:#555;font-size:13px}
table{border-collapse:collapse;margin:8px 0 14px;font-size:13px}
th,td{padding:3px 10px;border-bottom:1px solid #e6e6e6;text-align:left;vertical-align:top}
th{background:#f4f4f4;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:3px 18px;margin:8px 0 14px}
dl.facts dt{color:#555}dl.facts dd{margin:0}
.flags{border-left:5px solid #c0392b;background:#fdf0ee;padding:8px 14px;margin:10px 0}
.flags.none{border-color:#3c8d40;background:#eff7ef}.flags h3{margin:2px 0 6px;font-size:15px}
.flags ul{margin:0;padding-left:20px}
figure{margin:14px 0 22px;max-width:100%}figure svg{max-width:100%;height:auto;display:block}
figcaption{color:#555;font-size:13px;margin-top:4px}
.charts{display:flex;flex-wrap:wrap;gap:8px 36px;align-items:flex-start}
"""


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(value: float | None, spec: str = ".3f", scale: float = 1.0, missing: str = "n/a") -> str:
    """A number as ``spec`` formats it; one that rounds to zero without a minus sign."""
    if value is None:
        return missing
    text = format(value * scale, spec)
    return format(0.0, spec) if float(text.rstrip("%")) == 0 else text


def _pm(stat: Mapping[str, Any], runs: int, spec: str = ".3f", scale: float = 1.0,
        missing: str = "not reached") -> str:
    """``mean ± sd`` over the seeds; with how many seeds had a value where some had none."""
    if not stat["n"]:
        return missing
    text = _num(stat["mean"], spec, scale)
    if stat["sd"] is not None:          # a spread has no sign
        text += f" ± {_num(stat['sd'], spec.lstrip('+'), scale)}"
    return text + (f" ({stat['n']} of {runs} seeds)" if stat["n"] < runs else "")


def _interval(low: float | None, high: float | None, spec: str = ".3f") -> str:
    return "n/a" if low is None or high is None else f"[{_num(low, spec)}, {_num(high, spec)}]"


_NUM_CELL = ' class="num"'


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Container[int] = (1, 2)) -> str:
    """An HTML table, every cell escaped; the ``numeric`` columns (by position) are right-aligned."""
    def cells(row, tag):
        return "".join(f"<{tag}{_NUM_CELL if k in numeric else ''}>{_esc(v)}</{tag}>" for k, v in enumerate(row))
    body = "".join(f"<tr>{cells(r, 'td')}</tr>" for r in rows)
    return f"<table><thead><tr>{cells(header, 'th')}</tr></thead><tbody>{body}</tbody></table>"


def _facts(items: Sequence[tuple[str, str]]) -> str:
    return "<dl class=\"facts\">" + "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in items) + "</dl>"


def _figure(cid: str, meta: Mapping[str, str], svgs: Mapping[str, str]) -> str:
    """A chart with its caption, as wide as the chart (so two narrow ones share a row)."""
    svg = svgs[cid]
    svg = svg[svg.index("<svg"):]      # no XML declaration inside HTML
    width = re.search(r'<svg[^>]*\swidth="([\d.]+)"', svg)
    style = f" style=\"width:{max(float(width.group(1)), 320):.0f}px\"" if width else ""
    return (f"<figure class=\"chart\" data-chart=\"{_esc(cid)}\"{style}>{svg}"
            f"<figcaption>{_esc(meta['caption'])}</figcaption></figure>")


def _charts_of(section: str, figures: Mapping[str, Any], svgs: Mapping[str, str]) -> str:
    parts = [_figure(c["id"], c, svgs) for c in figures["charts"] if c["section"] == section]
    return f"<div class=\"charts\">{''.join(parts)}</div>" if parts else ""


def _section(heading: str, lead: str, *parts: str) -> str:
    """A numbered section: its heading and lead paragraph (plain text, escaped here), then its HTML parts."""
    return f"<h2>{_esc(heading)}</h2><p class=\"lead\">{_esc(lead)}</p>" + "".join(parts)


def _data_section(f: Mapping[str, Any]) -> str:
    info, flags, runs = f["data"], f["data"]["sanity"], f["runs"]
    dropped = info["dropped"]
    kept = ", ".join(str(i) for i in dropped["ids"][:10]) + (", ..." if dropped["count"] > 10 else "")
    shown = list(info["tasks"].items())
    tasks = ", ".join(f"{t} ({n:,})" for t, n in shown[:_TASKS_SHOWN]) or "none given"
    if len(shown) > _TASKS_SHOWN:
        tasks = f"{len(shown)}: {tasks}, ... ({len(shown) - _TASKS_SHOWN} more in the JSON)"
    text = {"prompts": "prompts (routers that read the query encode them with TF-IDF + SVD, fitted per split)",
            "features": "features (routers that read the query use them)",
            None: "none: only routers that ignore the query can run"}[info["query_text"]]
    o, b = info["oracle"], info["best_single"]
    settings = f["settings"]
    items = [("queries", f"{info['n_queries']:,}"),
             ("dropped", f"{dropped['count']:,} for missing scores or costs" + (f": {kept}" if kept else "")),
             ("models", f"{len(info['models'])}"), ("tasks", tasks), ("query text", text),
             ("scores", f"{info['score_range'][0]:g} to {info['score_range'][1]:g}"),
             ("costs", f"${info['cost_range'][0] * 1000:.4g} to ${info['cost_range'][1] * 1000:.4g} per 1k calls"),
             ("oracle (all queries)", f"quality {o['quality']:.4f}, ${o['cost'] * 1000:.4f} per 1k queries"),
             ("best single (all queries)", f"{b['model']}: quality {b['quality']:.4f}, "
                                           f"${b['cost'] * 1000:.4f} per 1k queries"),
             ("no model solves", f"{flags['unsolved_share']:.1%} of queries (no score >= {SOLVED:g})"),
             ("tie rate", f"{flags['tie_rate']:.1%} of queries: two or more models share the query's best score"),
             ("split", f"test part {runs[0]['split']['test']:,} queries, training part {runs[0]['split']['train']:,}"
                       f"{', stratified by task' if settings['stratified_by_task'] else ''}; seeds "
                       f"{', '.join(str(s) for s in settings['seeds'])} (each a new split and router seed)"),
             ("routers", ", ".join(runs[0]["routers"]) or "none")]
    items += [(f"skipped {n}", why) for n, why in runs[0]["skipped"].items()]
    if f["flags"]:
        box = ("<div class=\"flags\"><h3>Flags: read the figures below with these in mind</h3><ul>"
               + "".join(f"<li>{_esc(line)}</li>" for line in f["flags"]) + "</ul></div>")
    else:
        box = ("<div class=\"flags none\"><h3>No flags</h3>No constant answerer, no copied cost column, no model "
               f"statistically tied with the best ({f['sanity_resamples']} paired bootstrap replicates), no "
               "dropped queries.</div>")
    return f"<h2>1. The data</h2>{box}{_facts(items)}"


def _same_costs(model: str, groups: Sequence[Sequence[str]]) -> list[str]:
    """The models table's note on a model billed exactly like others (the flags name them all)."""
    others = [m for g in groups if model in g for m in g if m != model]
    if not others:
        return []
    return [f"same costs as {', '.join(others)}" if len(others) <= 2 else f"same costs as {len(others)} others"]


def _models_section(f: Mapping[str, Any]) -> str:
    flags = f["data"]["sanity"]
    rows = []
    for r in flags["models"]:
        notes = (["best"] if r["model"] == flags["best_model"] else []) + \
                (["tied with the best"] if r["model"] in flags["tied_with_best"] else []) + \
                (["constant answerer"] if r["model"] in flags["constant_models"] else []) + \
                _same_costs(r["model"], flags["same_cost_columns"])
        rows.append([r["model"], f"{r['quality']:.4f}", f"{r['mean_cost'] * 1000:.4f}", f"{r['modal_share']:.1%}",
                     "; ".join(notes)])
    return _section("2. Single models", "On all the queries, best first.",
                    _table(["model", "quality (mean score)", "$ per 1k calls", "share of its most common score",
                            "notes"], rows, numeric=(1, 2, 3)))


def _frontier_section(f: Mapping[str, Any], svgs: Mapping[str, str]) -> str:
    lead = ("A router is worth something where its curve runs above the zero router (random mixing of single "
            "models) and towards the oracle.")
    c_min, c_max = f["runs"][0]["cost_range"]
    if c_min == c_max:
        from routerkit.cli import EQUAL_PRICES_NOTE

        lead += f" Here {EQUAL_PRICES_NOTE}."
    return _section("3. The cost-quality frontier", lead, _charts_of("frontier", f, svgs))


def _plateau_section(f: Mapping[str, Any], svgs: Mapping[str, str]) -> str:
    p = f["plateau"]
    if p is None:
        return _section("4. The plateau", "No router has an AIQ (each makes the same choices at every budget): there "
                                          "is no band to measure.")
    ranked = sorted(p["aiq"], key=lambda r: (r["kind"] == "reference", -r["aiq"]))    # references last
    rows = [[r["router"], r["kind"], _num(r["aiq"], ".4f"), _interval(r["low"], r["high"], ".4f"),
             f"{_num(r['vs_best'], '+.4f')} {_interval(r['vs_best_low'], r['vs_best_high'], '+.4f')}",
             f"{_num(r['vs_zero'], '+.4f')} {_interval(r['vs_zero_low'], r['vs_zero_high'], '+.4f')}"] for r in ranked]
    lead = (f"Seed {p['seed']}, {p['ci']:.0%} percentile intervals from {p['resamples']} joint bootstrap resamples "
            f"of the test queries (differences are paired). {p['best']}: the learned router with the best AIQ on seed "
            f"{p['seed']}")
    means = {n: a["aiq"]["mean"] for n, a in f["aggregate"]["routers"].items() if n in p["band_routers"]
             and a["aiq"]["mean"] is not None}
    if len(f["runs"]) > 1 and means and max(means, key=means.get) != p["best"]:
        lead += f"; over all {len(f['runs'])} seeds the best mean AIQ is {max(means, key=means.get)}'s (section 8)"
    lead += "."
    tables = _table(["router", "kind", "AIQ", "interval", f"minus {p['best']} [interval]",
                     "minus the zero router [interval]"], rows, numeric=(2, 3, 4, 5))
    if p["band"] is None:
        lead += f" One learned router ({', '.join(p['band_routers'])}) is no band: its width is not measured."
    else:
        band = {r["statistic"]: r for r in p["band"]}
        what = {"width": "band width: best minus worst band router", "gap": "gap: oracle minus the best band router",
                "gain": "gain: best band router minus the zero router", "ratio": "ratio: width / gap (a plateau: small)"}
        tables += _table(["band", "estimate", "interval"],
                         [[what[k], _num(band[k]["estimate"], ".4f", missing="inf"),
                           _interval(band[k]["low"], band[k]["high"], ".4f")] for k in what])
        lead += (f" The band is made of {', '.join(p['band_routers'])}. Its gap and gain take the best band router of "
                 f"each resample, so their intervals differ a little from the paired differences to {p['best']}.")
        agg, runs = f["aggregate"]["band"], len(f["runs"])
        if runs > 1:
            lead += (f" Over all {runs} seeds (mean ± sd) its width is {_pm(agg['width'], runs, '.4f', missing='n/a')},"
                     f" its gap to the oracle {_pm(agg['gap'], runs, '.4f', missing='n/a')} and their ratio "
                     f"{_pm(agg['ratio'], runs, '.2f', missing='n/a')}.")
    return _section("4. The plateau", lead, _charts_of("plateau", f, svgs), tables)


def _collapse_section(f: Mapping[str, Any], svgs: Mapping[str, str]) -> str:
    runs, agg = len(f["runs"]), f["aggregate"]
    tops = ", ".join(dict.fromkeys(run["best_single"]["model"] for run in f["runs"]))
    shares = [a["top_model_share_max_budget"]["mean"] for n, a in agg["routers"].items() if router_kind(n) == "score"]
    over = f"means over {runs} seeds" if runs > 1 else f"seed {f['runs'][0]['split']['seed']}"
    if not shares:
        score = "no score router ran"
    elif len(shares) == 1:
        score = f"the one score router sends {shares[0]:.0%} of the test queries to it ({over})"
    else:
        score = f"the score routers send {min(shares):.0%} to {max(shares):.0%} of the test queries to it ({over})"
    rows = [[n, router_kind(n), _pm(a["top_model_share_max_budget"], runs, ".1%", missing="n/a")]
            for n, a in agg["routers"].items()]
    rows.append(["oracle", "reference", _pm(agg["oracle_top_model_share"], runs, ".1%")])
    lead = ("Routing collapse: as the budget grows, routers send more and more queries to the top model (the best "
            f"single model on the training part: {tops}), also where a cheaper model answers as well. At the largest "
            f"budget (lam = 0) {score}; the oracle, which picks the cheapest model among those with the query's best "
            f"score, {_pm(agg['oracle_top_model_share'], runs, '.1%')}.")
    return _section("5. Collapse and the routing mix", lead, _charts_of("collapse", f, svgs),
                    _table(["router", "kind", "share sent to the top model at the largest budget (mean ± sd)"], rows,
                           numeric=(2,)))


def _agreement_section(f: Mapping[str, Any], svgs: Mapping[str, str]) -> str:
    a = f["agreement"]
    if a is None:
        return ""
    k = {r["k"]: r["share"] for r in a["solved_by_k"]}
    r = len(a["routers"])
    lead = (f"Each router's choice at the largest budget (lam = {a['lam']:g}: quality at any price, so the routers "
            f"are compared on which queries they get right, not on how they price them), seed {a['seed']}; a query is "
            f"solved where the chosen model scores >= {a['threshold']:g}. Routers: {', '.join(a['routers'])}. Solved "
            f"by all {r}: {k[r]:.1%}; by none: {k[0]:.1%}; hard queries (some model solves them, no router does): "
            f"{a['hard_query_share']:.1%}.")
    return _section("6. Do the routers solve the same queries?", lead, _charts_of("agreement", f, svgs))


def _savings_section(f: Mapping[str, Any]) -> str:
    runs, agg = f["runs"], f["aggregate"]
    n = len(runs)
    per_seed = ", ".join(f"seed {run['split']['seed']}: {run['best_score_router'] or 'none reaches it'}"
                         for run in runs)
    rows = [[name, router_kind(name), _pm(a["cost_at_best_single_quality"], n, ".4f", 1000),
             _pm(a["saving_vs_best_score_router"], n, "+.1%", missing="n/a")]
            for name, a in agg["routers"].items()]
    lead = ("The target is the quality of the best single model on each seed's training part, measured on its test "
            f"part ({_pm(agg['best_single_quality'], n, '.4f')} at ${_pm(agg['best_single_cost'], n, '.4f', 1000)} "
            "per 1k queries). Cost: the least mean cost at which the router's curve reaches it. Saving: 1 - cost / "
            "cost of the best score router, the score router (learned, regressing scores or per-group trends; not "
            f"ranking, not a baseline) cheapest at that quality in the same seed ({per_seed}). Positive: cheaper than "
            "it. Mean ± sd over the seeds that reach the target.")
    return _section("7. Cost at the best single model's quality", lead,
                    _table(["router", "kind", "$ per 1k queries at the target", "saving against the best score router"],
                           rows, numeric=(2, 3)))


def _seeds_section(f: Mapping[str, Any]) -> str:
    runs, agg = f["runs"], f["aggregate"]
    n = len(runs)
    rows = [[name, router_kind(name), _pm(a["aiq"], n, ".4f", missing="n/a"),
             _pm(a["quality_at_best_single_cost"], n, ".4f", missing="n/a"), _pm(a["fit_seconds"], n, ".2f")]
            for name, a in agg["routers"].items()]
    rows += [["oracle", "reference", _pm(agg["oracle_aiq"], n, ".4f"), "", ""],
             ["zero router", "reference", _pm(agg["zero_router_aiq"], n, ".4f"), "", ""]]
    seeds = [run["split"]["seed"] for run in runs]
    per_seed = [[name] + [_num(run["routers"][name]["aiq"], ".4f") if name in run["routers"] else "" for run in runs]
                for name in agg["routers"]]
    per_seed += [["oracle"] + [f"{run['oracle']['aiq']:.4f}" for run in runs],
                 ["zero router"] + [f"{run['zero_router']['aiq']:.4f}" for run in runs]]
    lead = (f"Mean ± sd (sample sd) over {n} seed{'s' if n != 1 else ''}, each a different split and router seed. "
            "AIQ: area under the router's cost-quality curve over the single models' cost range, divided by its width "
            "(n/a: the same choices at every budget, one point). Quality at the best single model's cost: the "
            "curve's quality there.")
    encode = [run["encode_seconds"] for run in runs if run.get("encode_seconds") is not None]
    if encode:
        lead += (f" Fit seconds leave out the encoding of the prompts (TF-IDF + SVD, shared by the routers that read "
                 f"the query): {np.mean(encode):.2f} s per seed.")
    return _section("8. Every router over the seeds", lead,
                    _table(["router", "kind", "AIQ", "quality at the best single model's cost", "fit seconds"], rows,
                           numeric=(2, 3, 4)),
                    "<p class=\"note\">AIQ per seed:</p>",
                    _table(["router"] + [f"seed {s}" for s in seeds], per_seed, numeric=range(1, n + 1)))


def render_html(figures: Mapping[str, Any], svgs: Mapping[str, str]) -> str:
    """The page: every number from ``figures`` (a :class:`Report`'s), every chart from ``svgs`` (its charts drawn
    to SVG, by id). No script, no external file: it reads offline. All text is escaped."""
    missing = [c["id"] for c in figures["charts"] if c["id"] not in svgs]
    if missing:
        raise ValueError(f"no SVG for chart(s) {missing}")
    s = figures["settings"]
    title = f"Routing report: {figures['dataset'] or 'your data'}"
    lead = (f"{figures['n_queries']:,} queries x {len(figures['models'])} models; {len(figures['runs'])} seed(s) "
            f"({', '.join(str(x) for x in s['seeds'])}), test size {s['test_size']:g}; measured in "
            f"{figures['seconds']:.1f} s. Costs are mean USD per query x 1000 ($ per 1k queries); quality is the "
            "mean score (0-1), both on each seed's test part. The JSON beside this page holds every figure, per seed "
            "and aggregated.")
    body = "".join([f"<h1>{_esc(title)}</h1><p class=\"lead\">{_esc(lead)}</p>", _data_section(figures),
                    _models_section(figures), _frontier_section(figures, svgs), _plateau_section(figures, svgs),
                    _collapse_section(figures, svgs), _agreement_section(figures, svgs), _savings_section(figures),
                    _seeds_section(figures)])
    return (f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{_esc(title)}</title>"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><style>{_CSS}</style></head>"
            f"<body>{body}</body></html>\n")


def write_report(report: Report, path: str | Path) -> tuple[Path, Path]:
    """Draw the report's charts to SVG (vl-convert: no browser, no network), write the page to ``path`` and
    its figures as JSON beside it (:func:`json_path`); returns both paths."""
    from routerkit.cli import _write_text
    from routerkit.plots import chart_svg

    page = Path(path)
    svgs = {cid: chart_svg(chart) for cid, chart in report.charts.items()}
    text = render_html(report.figures, svgs)
    beside = json_path(page)
    _write_text(beside, json.dumps(report.figures, indent=2, allow_nan=False))
    _write_text(page, text)
    return page, beside
