"""Where does deciding on ranks beat regressing scores? A map over encoder quality and data size, then real data.

    .venv/bin/python bench/decision_map.py               # the full run (11 CPU-minutes; 23 min wall on 2 busy cores)
    .venv/bin/python bench/decision_map.py --quick       # a small grid (2 CPU-minutes; 3-4 min wall on busy cores)
    .venv/bin/python bench/decision_map.py --parts a     # one part only (a: RouterWorld map, b: real data, c: variants)
    .venv/bin/python bench/decision_map.py --sizes 1000,3000,10000,30000   # add n = 30,000 (+7 minutes on busy cores)

Routers: the score routers ``linear, mlp, knn, gbdt, task_best`` (registry defaults; decide by
``argmax s_hat - lam * c_hat``), the decision-aware ranking router ``ranking`` (registry defaults) and its
score-only ``twin`` (the same network, training and early stopping with ``score_weight=1000``: the ranking loss
is negligible next to the calibration anchor, so the twin is a score regressor; ranking minus twin isolates what
the ranking loss does), each seeded with the run's seed. Measures on the TEST part, per router:

- ``AIQ``: normalised AIQ of the router's hull over ``metrics.cost_range(test)`` (cheapest to dearest single
  model), the budget sweep being ``rk.evaluate``'s default grid.
- ``cost@top``: hull cost (USD per 1,000 queries) to reach the top model's test quality, the top model being the
  best single model on the TRAINING part (``metrics.cost_at_quality``; ``(k/3)``: reached in k seeds only,
  mean over those; "never": in no seed). Routers hover within a few test queries of that quality at lam = 0,
  so whether they reach it at all is close to a coin flip; ``cost@top fb`` adds the top model's own point to
  the hull (a router mixed with the top model: always available), so it is always defined and at most the top
  model's cost. Savings and their intervals use the fallback version; the pure one is shown beside them.
- ``top share``: share of test queries routed to the top model at lam = 0 (the largest budget). On RouterWorld
  it is reported as the EXCESS over the Bayes router's share; on real data next to the oracle's share (real
  data have no Bayes router).

Part (a), RouterWorld. For each encoder quality q and seed s: a pool ``simulate(max(sizes), seed=s,
encoder_quality=q)`` whose first n queries are the training set (nested sizes; common random numbers: for one
seed every q has the same queries and outcomes, only the features differ; a run with other ``--sizes`` draws
another pool), and a fixed test set ``simulate(5_000, seed=10_000 + s,
encoder_quality=q)`` (a separate seed stream). The Bayes router decides ``argmax_j truth_ij - lam * c_hat_ij``
with the true success probabilities (``data.truth``) and the same cost estimate as every router (the model's mean
training cost per task): the best any query-only router can do. Every router's excess top-model share over it
at lam = 0 is collapse beyond what the truth justifies. The map compares ``ranking`` with the best score
router of the cell (chosen on the test part, by mean over seeds: a comparator biased in the score routers'
favour) and with its twin, paired per seed. The default grid stops at n = 10,000: with 30,000 the whole run
took 28 minutes on 2 cores shared with other jobs (part (a) alone 13.5), past the 25 minutes allowed.

Part (b), real data read from ../shared/data (never copied): ``routerbench_subset`` (wide, ``missing="drop"``,
its predefined train/test split as bench/fidelity.py; seeds vary only the routers), ``routellm``, ``routerdc``,
``routerarena`` (long; a seeded 70/30 split stratified by task, seed = run seed; the long loader keeps no split
column, so routerdc's own split is not available). Features: TF-IDF + SVD-128 of the prompts, the encoder fitted
on the training prompts of the split (as each router would fit its own), plus the task one-hot. Degenerate
cases are flagged: on routerdc every model costs the same (the cost axis is empty: AIQ is the quality, cost@top
only says whether the top model's quality is reached), on routerarena the best single model is also the
cheapest (every router reaches its quality at the cheapest routing's cost).

Part (c), variants of the ranking router aimed at a lower cost at the top model's quality, on the sets where
that is a trade-off (routerbench_subset, routellm), with settings chosen ONLY on validation: the training part
of each split is split again 80/20 (``train_test_split(train, 0.2, seed)``), every candidate is fitted on the
80% (features encoded from those prompts only) and measured on the 20%. Candidates (``CANDIDATES``): ``alpha``
(tie weight 0.1: more "cheaper wins a tie"), ``anchor`` (the ranking loss on top of a stronger calibration
anchor, ``score_weight=3``), ``gap`` (``tie_mode="budget", alpha=1``: the consistent utility-gap weights),
``near`` (the pairwise loss only on pairs whose PREDICTED utilities at the sampled budget lie within ``delta``
of each other, 0.05 or 0.15: the orders a small score error can flip; the anchor keeps the rest calibrated),
``enc256`` (default ranking on a wider TF-IDF-SVD-256 encoder; ``routerkit.encoders.MiniLMEncoder`` landed
while this was written and is not tried: minutes of CPU per real set), ``trend`` (the ranking router on top of the per-task trend: ``g = task mean + net``, constant ties or
utility-gap weights). A first run also tried ``alpha=0.3`` and ``score_weight=10``; both were worse than the
others on validation on both sets and were dropped to save time. Each family's setting is the one with the
lowest mean validation cost@top relative to ``task_best``'s over sets and seeds; ``val-best`` picks, per set
and seed, the candidate with the lowest validation cost@top (both with the top-model fallback). The chosen
variants are refitted on the whole training part and compared on the test part with the best score router of
the set (lowest mean test cost@top over seeds, task_best included: again the comparator's favour): saving =
1 - cost(variant) / cost(best score router), mean over seeds, 95% interval from a paired bootstrap over test
queries (``BOOTSTRAP`` resamples per seed, the same resample for every router, the choices at every budget
fixed, the target the resample's top-model quality; a pooled draw is the mean of one draw per seed).

Output: plain markdown tables on stdout (bench/run_all.py puts a script's output inside a code block); with
``--progress`` the time of every fit goes to stderr.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

import routerkit as rk
from routerkit import metrics
from routerkit.decision import aggregate
from routerkit.encoders import TfidfSVDEncoder
from routerkit.routers.base import Router
from routerkit.routers.pairwise import pair_loss
from routerkit.routers.ranking import RankingRouter, ranking_targets

from _setup import seeded

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
REAL = {  # name: (path, loader keyword arguments, split)
    "routerbench_subset": (SHARED / "routerbench_subset" / "routerbench_subset_wide.parquet", {"missing": "drop"},
                           "predefined"),
    "routellm": (SHARED / "routellm" / "routellm_long.parquet", {}, "70/30"),
    "routerdc": (SHARED / "routerdc" / "routerdc_long.parquet", {}, "70/30"),
    "routerarena": (SHARED / "routerarena" / "routerarena_long.parquet", {}, "70/30"),
}
SCORE_ROUTERS = ["linear", "mlp", "knn", "gbdt", "task_best"]
FULL = dict(qualities=(0.25, 0.5, 0.75, 1.0), sizes=(1_000, 3_000, 10_000), test=5_000, seeds=(0, 1, 2),
            real=tuple(REAL), val_sets=("routerbench_subset", "routellm"))
QUICK = dict(qualities=(0.5, 1.0), sizes=(1_000, 10_000), test=2_000, seeds=(0, 1),
             real=("routerbench_subset", "routerarena"), val_sets=("routerbench_subset",))
TEST_SEED = 10_000          # RouterWorld test sets: seed TEST_SEED + s, a stream apart from the training seeds
BOOTSTRAP = 400
# part (c): candidate families and their settings (validation picks one per family)
CANDIDATES = {
    "default": [("", {})],
    "alpha": [("a=.1", dict(alpha=0.1))],
    "anchor": [("sw=3", dict(score_weight=3.0))],
    "gap": [("a=1", dict(tie_mode="budget", alpha=1.0))],
    "near": [("delta=.05", dict(near=0.05)), ("delta=.15", dict(near=0.15))],
    "enc256": [("svd256", dict(enc=256))],
    "trend": [("const", dict(trend=True)), ("gap", dict(trend=True, tie_mode="budget", alpha=1.0))],
}
# the score-only twin of the ranking router: the same network, training and stopping, the ranking loss made
# negligible against the calibration anchor (a score regressor): isolates what the ranking loss itself does
TWIN = ("twin", dict(score_weight=1000.0))
PROGRESS = False


def log(msg: str) -> None:
    if PROGRESS:
        print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------------------
# the routers of this script: the Bayes router (RouterWorld only), the near-tie and the trend ranking routers
# ------------------------------------------------------------------------------------------------------------
class BayesRouter(Router):
    """``argmax_j truth_ij - lam * c_hat_ij``: the true success probabilities of simulated data, the shared
    cost estimate (mean training cost per task). Not registered: a measuring device, not a router to ship."""

    name = "bayes"

    def _predict(self, data, X):
        if data.truth is None:
            raise ValueError("the Bayes router needs data.truth (simulated data)")
        return np.asarray(data.truth, dtype=float)


class NearTieRanking(RankingRouter):
    """The ranking router with its pairwise loss restricted to pairs whose predicted utilities at the sampled
    budget differ by less than ``near`` (score units; the mask is not differentiated). Pairs already far apart
    are left to the calibration anchor (``score_weight``); only the orders a small error can flip are trained."""

    near = 0.1

    def _rank_loss(self, f, S, C, lam_t):
        if getattr(self, "loss", "pairwise") != "pairwise":   # older routerkit: other losses untouched
            return super()._rank_loss(f, S, C, lam_t)
        win = ranking_targets(S, C, lam_t, self.alpha, self.tie_mode)
        raw = f.detach() * float(self.temperature)        # f arrives divided by the temperature
        win = win * ((raw[:, :, None] - raw[:, None, :]).abs() < float(self.near)).float()
        if self.tie_mode == "constant":
            return pair_loss(f, win)
        diff = f[:, :, None] - f[:, None, :]
        m = f.shape[1]
        return (torch.nn.functional.softplus(-diff) * win).sum(dim=(1, 2)).mean() / (m * (m - 1))


class TrendRanking(RankingRouter):
    """The ranking router on top of the per-task trend: ``g(x) = trend_task(x) + net(x)``, with ``trend`` the
    mean training score of each model on the query's task (task_best's prediction, read from the task one-hot
    at the end of the features; an unseen task gets the overall mean). Weight decay then shrinks the learned
    part towards the trend instead of towards zero, and the ranking loss only has to learn the deviations.
    Linear head and ``task_onehot=True`` only."""

    def _fit(self, train, X):
        if self.head != "linear" or not self.task_levels_:
            raise ValueError("TrendRanking needs head='linear' and task_onehot=True")
        S, tasks = np.asarray(train.scores, dtype=float), np.asarray(train.tasks, dtype=object)
        self.trend_table_ = np.stack([S[tasks == t].mean(axis=0) for t in self.task_levels_])
        self.trend_all_ = S.mean(axis=0)
        super()._fit(train, X)

    def _offset(self, X) -> np.ndarray:
        onehot = np.asarray(X, dtype=float)[:, -len(self.task_levels_):]
        return onehot @ self.trend_table_ + (1.0 - onehot.sum(axis=1, keepdims=True)) * self.trend_all_

    def _forward(self, net, X, lams, C):
        return super()._forward(net, X, lams, C) + torch.as_tensor(self._offset(X.numpy()), dtype=torch.float32)

    def _utility(self, X, lam, c_hat=None):
        return super()._utility(X, lam, c_hat) + self._offset(X)


def build(name: str, seed: int, onehot: bool, **params):
    params = dict(params)
    near = params.pop("near", None)
    params.pop("enc", None)
    if params.pop("trend", False):
        r = TrendRanking(**params)
    elif near is not None:
        r = NearTieRanking(**params)
        r.near = float(near)
    else:
        r = rk.routers.make(name, **params)
    return seeded(r, seed, onehot)


# ------------------------------------------------------------------------------------------------------------
# measuring
# ------------------------------------------------------------------------------------------------------------
def cost_at_top(cost, quality, top_c: float, top_q: float) -> tuple[float, float]:
    """(cost@top, cost@top with the top model as fallback), USD per 1,000 queries. The fallback hull adds the
    top model's own point: a router that never reaches the top model's quality then costs what the top model
    costs (mixing a router with the top model is always available), so the number is always defined."""
    cost, quality = np.asarray(cost, dtype=float), np.asarray(quality, dtype=float)
    pure = metrics.cost_at_quality(cost, quality, top_q)
    fb = metrics.cost_at_quality(np.r_[cost, top_c], np.r_[quality, top_q], top_q)
    return 1e3 * float(pure), 1e3 * float(fb)


def measure(routers: dict, test, top: int, keep_choices: bool = False):
    """Per router: AIQ, cost@top and its fallback version (USD per 1,000 queries), top share at lam = 0;
    optionally the choice matrix at every budget of its sweep (for the bootstrap)."""
    frame = rk.evaluate(routers, test)
    c_min, c_max = metrics.cost_range(test)
    top_q, top_c = float(test.scores[:, top].mean()), float(test.costs[:, top].mean())
    rows, choices = [], {}
    for name, r in routers.items():
        f = frame[frame["router"] == name]
        lam0 = np.asarray(r.route(test, 0.0))
        pure, fb = cost_at_top(f["cost"], f["quality"], top_c, top_q)
        rows.append({"router": name, "aiq": metrics.aiq(f, None, c_min, c_max), "cost": pure, "costfb": fb,
                     "top0": float((lam0 == top).mean())})
        if keep_choices:
            ch = np.asarray(r.route(test, f["lam"].to_numpy()))
            q, c, _ = aggregate(ch, test.scores, test.costs)
            assert np.allclose(q, f["quality"]) and np.allclose(c, f["cost"]), name
            choices[name] = ch
    return rows, choices


def reference_rows(test, top: int) -> list[dict]:
    """Oracle, zero router and the top model itself, on the same scales."""
    c_min, c_max = metrics.cost_range(test)
    top_q, top_c = float(test.scores[:, top].mean()), float(test.costs[:, top].mean())
    fc, fq = metrics.oracle_frontier(test)
    zc, zq = metrics.zero_router(test)
    oracle0 = metrics.oracle_choice(test).choice
    rows = []
    for name, c, q, t0 in (("oracle", fc, fq, float((oracle0 == top).mean())), ("zero", zc, zq, np.nan),
                           ("top model", [top_c], [top_q], 1.0)):
        pure, fb = cost_at_top(c, q, top_c, top_q)
        rows.append({"router": name, "aiq": np.nan if name == "top model" else metrics.aiq(c, q, c_min, c_max),
                     "cost": pure, "costfb": fb, "top0": t0})
    return rows


def fit_all(names, train, seed: int, onehot: bool, extra: dict | None = None, tag: str = "") -> dict:
    routers = {}
    for n in names:
        t0 = time.perf_counter()
        routers[n] = build(n, seed, onehot, **(extra or {}).get(n, {})).fit(train)
        log(f"    {tag} {n:24s} fit {time.perf_counter() - t0:5.1f} s")
    return routers


# ------------------------------------------------------------------------------------------------------------
# formatting (plain markdown tables: bench/run_all.py puts this output inside a code block)
# ------------------------------------------------------------------------------------------------------------
def md(df: pd.DataFrame, index: bool = True) -> str:
    d = df.reset_index() if index else df
    cols = [str(c) for c in d.columns]
    cells = [[("" if (isinstance(v, float) and np.isnan(v)) else str(v)) for v in row] for row in d.to_numpy()]
    width = [max(len(c), *(len(r[k]) for r in cells)) if cells else len(c) for k, c in enumerate(cols)]
    line = lambda vals: "| " + " | ".join(v.ljust(w) for v, w in zip(vals, width)) + " |"  # noqa: E731
    return "\n".join([line(cols), "|" + "|".join("-" * (w + 2) for w in width) + "|"] + [line(r) for r in cells])


def pm(values, fmt: str = "{:.3f}", total: int | None = None) -> str:
    """mean ± sd over seeds of the finite values; (k/n) when some seeds have none; "never" if none do."""
    v = np.asarray(values, dtype=float)
    ok = v[np.isfinite(v)]
    total = len(v) if total is None else total
    if ok.size == 0:
        return "never"
    sd = ok.std(ddof=1) if ok.size > 1 else 0.0
    out = f"{fmt.format(ok.mean())}±{fmt.replace('+', '').format(sd)}"
    return out + (f" ({ok.size}/{total})" if ok.size < total else "")


# ------------------------------------------------------------------------------------------------------------
# part (a): RouterWorld map
# ------------------------------------------------------------------------------------------------------------
def part_a(cfg) -> None:
    t_start = time.perf_counter()
    long = []
    for q in cfg["qualities"]:
        for seed in cfg["seeds"]:
            world = rk.simulate(max(cfg["sizes"]), seed=seed, encoder_quality=q)
            test = rk.simulate(cfg["test"], seed=TEST_SEED + seed, encoder_quality=q)
            for n in cfg["sizes"]:
                t0 = time.perf_counter()
                train = world[:n]
                routers = fit_all(SCORE_ROUTERS + ["ranking"], train, seed, False, tag=f"[q={q} n={n} s={seed}]")
                routers[TWIN[0]] = build("ranking", seed, False, **TWIN[1]).fit(train)
                routers["bayes"] = BayesRouter().fit(train)
                top = test.model_index(routers["ranking"].top_model_)
                rows, _ = measure(routers, test, top)
                rows += reference_rows(test, top)
                for r in rows:
                    r.update(q=q, n=n, seed=seed)
                long += rows
                log(f"  (a) q={q} n={n} seed={seed}: {time.perf_counter() - t0:.1f} s")
    long = pd.DataFrame(long)
    bayes0 = long.loc[long["router"] == "bayes", ["q", "n", "seed", "top0"]].rename(columns={"top0": "bayes0"})
    long = long.merge(bayes0, on=["q", "n", "seed"], how="left")
    long["excess0"] = long["top0"] - long["bayes0"]
    seeds = len(cfg["seeds"])

    def pivot(col, fmt, routers):
        sub = long[long["router"].isin(routers)]
        out = sub.groupby(["q", "n", "router"], sort=False)[col].apply(lambda v: pm(v, fmt, seeds)).unstack("router")
        return out[routers]

    print(f"## (a) RouterWorld: train n x encoder quality q, test {cfg['test']:,} queries, seeds "
          f"{list(cfg['seeds'])} (mean±sd over seeds)\n")
    print("### AIQ (normalised over the test cost range)\n")
    print(md(pivot("aiq", "{:.3f}", SCORE_ROUTERS + ["twin", "ranking", "bayes", "oracle", "zero"])))
    print("\n### cost@top: USD per 1,000 queries to reach the top model's test quality (top model = best on train)\n")
    print(md(pivot("cost", "{:.2f}", SCORE_ROUTERS + ["twin", "ranking", "bayes", "top model"])))
    print("\n### excess top-model share at lam = 0 over the Bayes router (router share - Bayes share); "
          "last column: the Bayes router's own share\n")
    ex = pivot("excess0", "{:+.2f}", SCORE_ROUTERS + ["twin", "ranking", "oracle"])
    ex["bayes share"] = pivot("top0", "{:.2f}", ["bayes"])["bayes"]
    print(md(ex))

    # the map: ranking against the best score router of the cell, paired per seed
    summary = []
    for (q, n), cell in long.groupby(["q", "n"], sort=False):
        per = cell.pivot(index="seed", columns="router")
        aiq, cost, fb, exc = per["aiq"], per["cost"], per["costfb"], per["excess0"]
        best_aiq = aiq[SCORE_ROUTERS].mean().idxmax()
        best_cost = fb[SCORE_ROUTERS].mean().idxmin()
        save_rank = 1 - fb["ranking"] / fb[best_cost]
        save_bayes = 1 - fb["bayes"] / fb[best_cost]
        save_twin = 1 - fb["ranking"] / fb["twin"]
        summary.append({
            "q": q, "n": n,
            "best score (AIQ)": best_aiq,
            "dAIQ rank-best": pm(aiq["ranking"] - aiq[best_aiq], "{:+.3f}"),
            "dAIQ bayes-best": pm(aiq["bayes"] - aiq[best_aiq], "{:+.3f}"),
            "best score (cost)": best_cost,
            "rank saving %": pm(100 * save_rank, "{:+.1f}", seeds),
            "rank cheaper": f"{int((fb['ranking'] < fb[best_cost]).sum())}/{seeds}",
            "bayes saving %": pm(100 * save_bayes, "{:+.1f}", seeds),
            "dAIQ rank-twin": pm(aiq["ranking"] - aiq["twin"], "{:+.3f}"),
            "rank saving vs twin %": pm(100 * save_twin, "{:+.1f}", seeds),
            "excess top: rank": pm(exc["ranking"], "{:+.2f}"),
            "excess top: score min..max": f"{exc[SCORE_ROUTERS].mean().min():+.2f}..{exc[SCORE_ROUTERS].mean().max():+.2f}",
        })
    print("\n### cost@top with the top model as fallback (the router's hull plus the top model's point: always "
          "defined, at most the top model's cost)\n")
    print(md(pivot("costfb", "{:.2f}", SCORE_ROUTERS + ["twin", "ranking", "bayes"])))
    print("\n### The map: ranking vs the best score router of each cell (best by mean over seeds; paired per "
          "seed; saving = 1 - cost@top(ranking or Bayes) / cost@top(best score router), both with the top-model "
          "fallback; rank cheaper: seeds where ranking costs less; the Bayes saving is the headroom; excess top: "
          "top-model share at lam = 0 minus the Bayes router's; twin: the ranking router's network trained on "
          "the score loss only, score_weight=1000)\n")
    print(md(pd.DataFrame(summary), index=False))
    print(f"\n(a) took {time.perf_counter() - t_start:.0f} s\n")


# ------------------------------------------------------------------------------------------------------------
# parts (b) and (c): real data
# ------------------------------------------------------------------------------------------------------------
def load_split(name: str, seed: int):
    path, kwargs, how = REAL[name]
    data = rk.load_dataset(path, **kwargs)
    if how == "predefined":
        return rk.predefined_split(data)
    return rk.train_test_split(data, test_size=0.3, seed=seed)


def encode(train, others, seed: int, width: int = 128):
    enc = TfidfSVDEncoder(n_components=width, random_state=seed)
    x = enc.fit_transform(train.prompts)
    return [train.with_features(x)] + [d.with_features(enc.transform(d.prompts)) for d in others]


def candidate_list():
    out = []
    for fam, items in CANDIDATES.items():
        for label, params in items:
            out.append((fam, f"{fam}[{label}]" if label else fam, params))
    return out


def fit_candidate(params, seed, train128, train256):
    t = train256 if params.get("enc") == 256 else train128
    return build("ranking", seed, True, **params).fit(t)


def validate(name: str, seed: int, train) -> pd.DataFrame:
    """Every candidate on an 80/20 split of the TRAINING part: cost@top (and AIQ) on the 20%."""
    fit, val = rk.train_test_split(train, test_size=0.2, seed=seed)
    fit128, val128 = encode(fit, [val], seed)
    fit256, val256 = encode(fit, [val], seed, 256)
    routers = {"task_best": build("task_best", seed, True).fit(fit128)}
    for fam, label, params in candidate_list():
        t0 = time.perf_counter()
        routers[label] = fit_candidate(params, seed, fit128, fit256)
        log(f"    [val {name} s={seed}] {label:24s} fit {time.perf_counter() - t0:5.1f} s")
    top = val.model_index(routers["task_best"].top_model_)
    rows = []
    for label, r in routers.items():
        test = val256 if label.startswith("enc256") else val128
        got, _ = measure({label: r}, test, top)
        rows += got
    out = pd.DataFrame(rows)
    out["ratio"] = out["costfb"] / float(out.loc[out["router"] == "task_best", "costfb"].iloc[0])
    return out.assign(data=name, seed=seed)


def boot_cost(ch: np.ndarray, test, top: int, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """cost@top and its fallback version (USD per 1,000) of one router on every bootstrap resample (rows of
    ``weights``): the choices stay, the queries are reweighted, the target is the top model's resampled quality."""
    rows = np.arange(len(test))
    qs, cs = test.scores[rows, ch] @ weights.T, test.costs[rows, ch] @ weights.T     # (L, B)
    tq, tc = weights @ test.scores[:, top], weights @ test.costs[:, top]
    got = np.array([cost_at_top(cs[:, b], qs[:, b], tc[b], tq[b]) for b in range(weights.shape[0])])
    return got[:, 0], got[:, 1]


def saving(cv, cb):
    """1 - cv / cb with "never reached" (NaN) as an infinite cost."""
    cv, cb = np.asarray(cv, dtype=float), np.asarray(cb, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = 1 - cv / cb
    s = np.where(np.isnan(cv) & ~np.isnan(cb), -np.inf, s)
    s = np.where(~np.isnan(cv) & np.isnan(cb), np.inf, s)
    return np.where(np.isnan(cv) & np.isnan(cb), np.nan, s)


def part_bc(cfg, do_c: bool) -> None:
    t_start = time.perf_counter()
    sets = [s for s in cfg["real"] if REAL[s][0].exists()]
    missing = [s for s in cfg["real"] if s not in sets]
    if missing:
        print(f"skipped (not found under {SHARED}): {', '.join(missing)}\n")
    seeds = list(cfg["seeds"])
    val_sets = [s for s in cfg["val_sets"] if s in sets] if do_c else []

    # (c), step 1: validation on the training parts only
    chosen, val_best, val_table = {}, {}, None
    if do_c and val_sets:
        val_long = []
        for name in val_sets:
            for seed in seeds:
                t0 = time.perf_counter()
                train, _ = load_split(name, seed)
                val_long.append(validate(name, seed, train))
                log(f"  (c) validation {name} seed {seed}: {time.perf_counter() - t0:.1f} s")
        val_long = pd.concat(val_long, ignore_index=True)
        for fam, items in CANDIDATES.items():
            labels = [f"{fam}[{lab}]" if lab else fam for lab, _ in items]
            score = val_long[val_long["router"].isin(labels)].groupby("router")["ratio"].mean()
            score = score.replace(np.nan, np.inf)
            best = score.idxmin()
            chosen[fam] = (best, dict(items[labels.index(best)][1]))
        for (name, seed), g in val_long.groupby(["data", "seed"]):
            g = g[g["router"] != "task_best"]
            val_best[(name, seed)] = g.loc[g["costfb"].idxmin(), "router"]
        val_table = val_long
    elif do_c:
        chosen = {fam: ((f"{fam}[{items[0][0]}]" if items[0][0] else fam), dict(items[0][1]))
                  for fam, items in CANDIDATES.items()}
    params_of = {label: params for _, label, params in candidate_list()}

    # (b) and (c), step 2: fit on the training part, measure on the test part
    long, boot = [], {}
    notes = {}
    for name in sets:
        for seed in seeds:
            t0 = time.perf_counter()
            train_raw, test_raw = load_split(name, seed)
            train, test = encode(train_raw, [test_raw], seed)
            routers = fit_all(SCORE_ROUTERS + ["ranking"], train, seed, True, tag=f"[{name} s={seed}]")
            routers[TWIN[0]] = build("ranking", seed, True, **TWIN[1]).fit(train)
            top = test.model_index(routers["ranking"].top_model_)
            c_min, c_max = metrics.cost_range(test)
            cheapest_top = top == int(np.argmin(train.costs.mean(axis=0)))
            notes[name] = ("equal prices: AIQ = quality at the one cost, cost@top only says reached or not"
                           if np.isclose(c_min, c_max, rtol=1e-9) else
                           "best single model is the cheapest: cost@top is the cheapest routing's cost for all"
                           if cheapest_top else "")
            variants_here = do_c and not notes[name]      # no cost trade-off on a degenerate set: (b) only
            rows, choices = measure(routers, test, top, keep_choices=variants_here)
            variants = {}
            if variants_here:
                train256 = test256 = None
                labels = [lab for lab, _ in chosen.values() if lab != "ranking"]
                vb = val_best.get((name, seed))
                if vb is not None and vb not in labels:
                    labels.append(vb)
                if any(params_of[lab].get("enc") == 256 for lab in labels):
                    train256, test256 = encode(train_raw, [test_raw], seed, 256)
                for lab in labels:
                    if lab == "default":
                        variants[lab] = routers["ranking"]
                        continue
                    t1 = time.perf_counter()
                    r = fit_candidate(params_of[lab], seed, train, train256)
                    log(f"    [{name} s={seed}] {lab:24s} fit {time.perf_counter() - t1:5.1f} s")
                    got, ch = measure({lab: r}, test256 if params_of[lab].get("enc") == 256 else test, top,
                                      keep_choices=True)
                    rows += got
                    choices.update(ch)
                if vb is not None:
                    src = "ranking" if vb == "default" else vb
                    rows.append(dict(next(r for r in rows if r["router"] == src), router="val-best"))
                    choices["val-best"] = choices[src]
                    rows[-1]["picked"] = vb
                weights = np.random.default_rng(1_000 + seed).multinomial(
                    len(test), np.full(len(test), 1 / len(test)), size=BOOTSTRAP) / len(test)
                boot[(name, seed)] = {k: boot_cost(ch, test, top, weights) for k, ch in choices.items()}
            rows += reference_rows(test, top)
            for r in rows:
                r.update(data=name, seed=seed)
            long += rows
            log(f"  (b/c) {name} seed {seed}: {time.perf_counter() - t0:.1f} s")
    long = pd.DataFrame(long)

    # ---- (b) tables
    print(f"## (b) real data: test part, seeds {seeds} (mean±sd over seeds; cost@top in USD per 1,000 queries, "
          f"fb: with the top-model fallback; top share at lam = 0, the oracle's on its own row)\n")
    for name in sets:
        d = long[(long["data"] == name) & long["router"].isin(SCORE_ROUTERS + ["twin", "ranking", "oracle", "zero",
                                                                                 "top model"])]
        g = d.groupby("router", sort=False)
        t = pd.DataFrame({"AIQ": g["aiq"].apply(lambda v: pm(v, "{:.3f}")),
                          "cost@top": g["cost"].apply(lambda v: pm(v, "{:.3f}", len(seeds))),
                          "cost@top fb": g["costfb"].apply(lambda v: pm(v, "{:.3f}")),
                          "top share lam=0": g["top0"].apply(lambda v: pm(v, "{:.2f}"))})
        t.loc[["zero"], "top share lam=0"] = ""
        t.loc[["top model"], "AIQ"] = ""
        split = REAL[name][2]
        print(f"### {name} ({split} split" + (f"; {notes[name]}" if notes.get(name) else "") + ")\n")
        print(md(t))
        print()

    # ---- (c) tables
    if do_c:
        print("## (c) ranking variants: settings chosen on validation (80/20 of the training part), "
              "compared on the test part\n")
        if val_table is not None:
            vt = val_table.groupby(["router", "data"], sort=False).agg(
                ratio=("ratio", lambda v: pm(v, "{:.3f}")), aiq=("aiq", lambda v: pm(v, "{:.3f}"))).unstack("data")
            vt.columns = [f"{a} {b}" for a, b in vt.columns]
            print("### validation: cost@top relative to task_best's (lower is cheaper), and AIQ\n")
            print(md(vt))
            print("\nchosen per family: " + ", ".join(f"{fam} -> {lab}" for fam, (lab, _) in chosen.items()))
            print("val-best per set and seed: " + ", ".join(f"{k[0]} s{k[1]} -> {v}" for k, v in val_best.items())
                  + "\n")
        variant_names = ["twin"] + [lab if lab != "default" else "ranking" for lab, _ in chosen.values()]
        if val_best:
            variant_names.append("val-best")
        rows = []
        for name in [s_ for s_ in sets if not notes.get(s_)]:
            d = long[long["data"] == name]
            per = {col: d.pivot(index="seed", columns="router", values=col) for col in ("cost", "costfb", "aiq", "top0")}
            fb = per["costfb"]
            best = fb[SCORE_ROUTERS].mean().idxmin()
            for v in [n for n in variant_names if n in fb.columns]:
                row = {"data": name, "variant": v, "AIQ": pm(per["aiq"][v]), "top share": pm(per["top0"][v], "{:.2f}"),
                       "cost@top": pm(per["cost"][v], "{:.3f}", len(seeds)), "cost@top fb": pm(fb[v], "{:.3f}"),
                       "best score (fb)": f"{best} {pm(fb[best], '{:.3f}')}"}
                if notes.get(name):
                    row["saving % (fb)"] = "n/a"
                else:
                    point = 1 - fb[v].to_numpy() / fb[best].to_numpy()
                    draws = np.stack([1 - boot[(name, s_)][v][1] / boot[(name, s_)][best][1] for s_ in seeds])
                    lo, hi = np.quantile(draws.mean(axis=0), [0.025, 0.975])
                    pure = saving(per["cost"][v].to_numpy(), per["cost"][best].to_numpy())
                    row["saving % (fb)"] = f"{100 * point.mean():+.1f}"
                    row["95% CI"] = f"[{100 * lo:+.1f}, {100 * hi:+.1f}]"
                    row["per seed"] = " ".join(f"{100 * x:+.0f}" for x in point)
                    row["saving % (pure)"] = " ".join("never" if x == -np.inf else "n/a" if np.isnan(x) else
                                                      "inf" if x == np.inf else f"{100 * x:+.0f}" for x in pure)
                rows.append(row)
        print("### test: each variant vs the best score router of the set (lowest mean cost@top with the top-model "
              "fallback, task_best included); saving = 1 - cost(variant) / cost(best score router), mean over seeds, "
              "95% CI: paired bootstrap over test queries pooled over seeds; per seed: the seeds' savings; pure: "
              "the same without the fallback, per seed (never: the variant does not reach the top model's quality, "
              "inf: only the best score router does not)\n")
        if rows:
            print(md(pd.DataFrame(rows).fillna(""), index=False))
        skipped = [s_ for s_ in sets if notes.get(s_)]
        if skipped:
            print("\nnot fitted on " + ", ".join(skipped) + " (no cost trade-off there, see (b)); the twin and the "
                  "default ranking router are in (b)")
        print()
    print(f"(b{'+c' if do_c else ''}) took {time.perf_counter() - t_start:.0f} s\n")


def main(argv=None) -> None:
    global PROGRESS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a small grid (2 qualities x 2 sizes, 2 seeds, 2 real sets)")
    ap.add_argument("--parts", default="a,b,c", help="comma-separated parts: a (RouterWorld), b (real), c (variants)")
    ap.add_argument("--seeds", default=None, help="comma-separated seeds (default 0,1,2; --quick 0,1)")
    ap.add_argument("--sizes", default=None, help="RouterWorld training sizes (default 1000,3000,10000; 30000 "
                    "fits but takes the whole run past 25 minutes on 2 busy cores)")
    ap.add_argument("--progress", action="store_true", help="timings per fit on stderr")
    args = ap.parse_args(argv)
    PROGRESS = args.progress
    cfg = dict(QUICK if args.quick else FULL)
    if args.seeds:
        cfg["seeds"] = tuple(int(s) for s in args.seeds.split(","))
    if args.sizes:
        cfg["sizes"] = tuple(int(s) for s in args.sizes.split(","))
    parts = set(args.parts.split(","))
    start = time.perf_counter()
    print(f"decision map: {'quick' if args.quick else 'full'} grid, parts {','.join(sorted(parts))}, "
          f"seeds {list(cfg['seeds'])}\n")
    if "a" in parts:
        part_a(cfg)
    if parts & {"b", "c"}:
        part_bc(cfg, "c" in parts)
    print(f"total {time.perf_counter() - start:.0f} s wall")


if __name__ == "__main__":
    main()
