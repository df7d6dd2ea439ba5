"""The routing plateau on every real data set (the plateau paper's Table 1 in spirit), and three of its levers.

    .venv/bin/python bench/plateau_real.py                          # everything, seeds 0-2
    .venv/bin/python bench/plateau_real.py --quick                  # seed 0, smaller grids and subsamples
    .venv/bin/python bench/plateau_real.py --parts A                # the table only (a few minutes)
    .venv/bin/python bench/plateau_real.py --sets routerarena --parts A,B2 --seeds 0,1

Data (read from ../shared/data, never copied; each set named by its folder): ``routerbench_subset`` (wide
parquet, ``missing="drop"``), ``routellm``, ``routerdc`` (equal prices), ``routerarena``, ``carrot_openllmv2``
(no prompts). A set whose folder is absent is skipped with a message.

Split and seeds. Per seed ``s`` (default 0, 1, 2): a 70/30 ``rk.train_test_split(seed=s, stratify="task")``;
``routerbench_subset`` keeps its own ``predefined_split`` and, as in ``bench/fidelity.py``, the task one-hot
(``task_onehot=True``), so there the seeds vary only the routers' randomness (and, in Part B1, the subsample).
Every router gets ``random_state=s``. Features: TF-IDF + SVD-128 fitted on the training prompts only, with
``random_state=s`` (encoded once per split and handed to every router as ``data.features``: the very
numbers a router computes when it encodes the prompts itself with its default encoder).

Measures (all on the test part; "learned" routers: task_best, cluster_best, knn, linear, mlp, mf,
pairwise, gbdt, ranking; "score" routers: the same without ranking; carrot_openllmv2 has no prompts, so
only task_best and best_single run there)
- ``AIQ``: normalised area under the router's hull over ``metrics.cost_range(test)`` (cheapest to dearest
  single model), the router swept over ``rk.evaluate``'s default budget grid. Oracle: the exact oracle
  frontier (``metrics.oracle_frontier``); zero router: random mixing of single models (``metrics.zero_router``).
  On ``routerdc`` every model has the same price, the range has no width and AIQ is the best QUALITY a router
  reaches (see ``metrics.aiq``): an accuracy-only comparison.
- ``band`` = max - min AIQ of the learned routers, ``gap`` = oracle AIQ - best learned AIQ
  (``metrics.plateau_band``), and their ratio.
- ``top share at lam=0``: share of test queries sent to the top model (best single model on the training
  part) at the largest budget, against the oracle's share.
- ``cost at top q``: hull cost (USD per 1,000 queries) at which a router first reaches the top model's test
  quality (``metrics.cost_at_quality``; "never" where not reached). The ranking router is compared with the
  BEST score router at that quality: the score router (task_best included) with the lowest mean cost over
  seeds among those reaching the target in the most seeds. That choice is made on the test results, so it
  favours the comparator. ``saving = 1 - cost(ranking) / cost(best score router)``. Degenerate on routerdc
  (every routing costs the same).
- Intervals: mean ± sd over seeds, and for the first seed a percentile bootstrap 95% CI over test queries
  (``BOOTSTRAP`` resamples; a resample is a multiset of test queries; the routers' choices at every budget
  are kept; every statistic, including the cost range, the oracle frontier, the zero router, the top
  model's quality, band and gap, is recomputed on the resample). Differences (levers) use PAIRED resamples:
  both arms are scored on the same resampled queries.

Part B, levers (sets with prompts only)
- B1 training-set size: the routers ``CURVE_ROUTERS`` trained on nested seeded subsamples (``SIZES`` and the
  whole training part; a size at or above the training part is skipped) of the training part of each seed's
  split, the test part fixed; the TF-IDF encoder is refitted on each subsample's prompts (a router trained
  on n queries sees n prompts). Band and gap over those routers per size, and the change from the smallest
  size to the whole training part (seeds, and a paired bootstrap for the first seed).
- B2 encoder: TF-IDF + SVD-128 vs all-MiniLM-L6-v2 (``rk.encoders.MiniLMEncoder``, offline, embeddings
  cached on disk under ~/.cache/routerkit/embeddings) for every learned router (task_best does not read
  text: the same in both arms). MiniLM has nothing to fit, so each prompt is embedded once per set and the
  embeddings are handed to the routers as ``data.features`` (identical to ``encoder=MiniLMEncoder()``, which
  ``base.Router._fit_features`` clones and runs on the same prompts; B2 checks this on its first set and prints
  the largest difference of the two routers' predictions).
  Embedding ran at 7-13 prompts/s on the shared 2-core CPU (busy), so ``routellm`` and ``routerdc`` are
  embedded on a seeded subsample of ``MINILM_CAP`` queries (a prefix of ``default_rng(0).permutation``), split
  70/30 per seed as above; both arms use that subsample. The other sets are used whole. First run (empty
  cache): about 23 minutes of embedding for the 13,959 prompts; later runs read the cache in seconds.
- B3 end-to-end fine-tuning: the router registered as ``"finetuned"`` (MiniLM weights trained on the routing
  targets, its default hyperparameters), when ``"finetuned" in rk.routers.available()``: fitted on the
  prompts of ``FT_TRAIN`` training queries (``--ft-train``; a nested seeded subsample of the B2 training part,
  the same one B1 uses for that size) for ``--ft-seeds`` (default: the first seed), and compared, on the B2
  test part, with the frozen-MiniLM and TF-IDF routers trained on the SAME queries (paired bootstrap).
  Fine-tuning runs at ~4 prompts/s (long prompts) to ~15 prompts/s per epoch here, hence the small budget.
  When the router is not registered the part prints a HOOK notice and measures nothing.

``--quick``: seed 0, 200 resamples, B1 sizes 250 and 1,000, B2 on 1,500-query subsamples of every set, B3 on
300 training queries.

Output: markdown tables (bench/run_all.py puts them in bench/RESULTS.md), progress lines prefixed "  [".
Run time is printed per part and in total.
"""
from __future__ import annotations

import argparse
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

import routerkit as rk
from routerkit import metrics
from routerkit.decision import decide, lam_grid
from routerkit.evaluate import best_model, evaluate

from _setup import seeded

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SETS = {
    "routerbench_subset": dict(file="routerbench_subset/routerbench_subset_wide.parquet", load={"missing": "drop"},
                               predefined=True, onehot=True),
    "routellm": dict(file="routellm/routellm_long.parquet"),
    "routerdc": dict(file="routerdc/routerdc_long.parquet"),
    "routerarena": dict(file="routerarena/routerarena_long.parquet"),
    "carrot_openllmv2": dict(file="carrot_openllmv2/carrot_openllmv2_long.parquet"),
}
LEARNED = ["task_best", "cluster_best", "knn", "linear", "mlp", "mf", "pairwise", "gbdt", "ranking"]
SCORE = [r for r in LEARNED if r != "ranking"]
NO_TEXT = ["task_best", "best_single"]            # what runs without prompts
CURVE_ROUTERS = ["task_best", "knn", "linear", "mlp", "ranking"]
SIZES = [250, 500, 1000, 2000]
MINILM_CAP = {"routellm": 5000, "routerdc": 5000}  # queries embedded by MiniLM (a seeded subsample)
SUBSAMPLE_SEED = 0                                  # the MiniLM subsample of the big sets
BOOTSTRAP = 500
FINETUNED = "finetuned"
FT_TRAIN = 500                                      # Part B3 training queries (CPU fine-tuning: ~4-15 prompts/s)
TEST_SIZE = 0.3
JSON_OUT = Path(__file__).resolve().parents[1] / "data" / "plateau_benchmarks.json"
FIRST_SEED = [0]                                    # set in main: the seed whose test part is bootstrapped


# ---------------------------------------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------------------------------------
def ms(values, digits: int = 3, scale: float = 1.0, never: str = "never") -> str:
    """mean ± sd over seeds; ``(k/S)`` where only k seeds give a finite value; ``never`` where none does."""
    v = np.asarray([np.nan if x is None else x for x in values], dtype=float) * scale
    ok = np.isfinite(v)
    if not ok.any():
        return never
    m = v[ok].mean() + 0.0
    sd = v[ok].std(ddof=1) if ok.sum() > 1 else 0.0
    text = f"{m:.{digits}f} ± {sd:.{digits}f}" if len(v) > 1 else f"{m:.{digits}f}"
    return text + (f" ({ok.sum()}/{len(v)})" if ok.sum() < len(v) else "")


def ci(lo_hi, digits: int = 3, scale: float = 1.0) -> str:
    if lo_hi is None:
        return ""
    lo, hi = lo_hi[0] * scale + 0.0, lo_hi[1] * scale + 0.0
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "never"
    return f"[{lo:.{digits}f}, {hi:.{digits}f}]"


def pct(values) -> tuple[float, float] | None:
    """95% percentile interval of the finite values (None if fewer than 20 are finite)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 20:
        return None
    lo, hi = np.percentile(v, [2.5, 97.5])
    return float(lo), float(hi)


def point_ci(estimate: float, interval, digits: int = 3, scale: float = 1.0, never: str = "never") -> str:
    if estimate is None or not np.isfinite(estimate):
        return never
    return f"{estimate * scale + 0.0:.{digits}f} {ci(interval, digits, scale)}".rstrip()


def table(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def quiet_transformers() -> None:
    """No "Loading weights" progress bars from transformers in the output (they would land in RESULTS.md)."""
    try:
        from transformers.utils import logging as hf_logging
        hf_logging.disable_progress_bar()
    except ImportError:                     # pragma: no cover - the encoders extra is missing: MiniLM errors later
        pass


def log(msg: str) -> None:
    print(f"  [{msg}", flush=True)


# ---------------------------------------------------------------------------------------------------------
# one router on one test part
# ---------------------------------------------------------------------------------------------------------
@dataclass
class Result:
    name: str
    error: str | None = None
    aiq: float = np.nan
    choices: np.ndarray | None = None      # (L, n) model index per budget and test query
    quality: np.ndarray | None = None      # (L,)
    cost: np.ndarray | None = None         # (L,)
    top_share0: float = np.nan
    cost_at_top: float = np.nan            # USD per query
    one_point: bool = False
    fit_s: float = np.nan


@dataclass
class TestCtx:
    """A test part and what does not depend on the router."""
    test: rk.RoutingData
    top: int                               # best single model on the training part
    c_min: float
    c_max: float
    equal_costs: bool
    top_q: float
    top_c: float
    oracle_aiq: float
    zero_aiq: float
    oracle_share0: float
    oracle_cost_at_top: float
    zero_cost_at_top: float
    n_train: int
    boot: "Boot | None" = None


def make_router(name: str, seed: int, onehot: bool):
    return seeded(rk.routers.make(name), seed, onehot)


def shared_rule(router) -> bool:
    """Does ``route`` follow the shared rule on ``predict`` and ``cost_estimate`` (evaluate's protocol: a
    ``shared_rule`` flag where the router has one, else a Router that does not override ``route``)?"""
    flag = getattr(router, "shared_rule", None)
    if isinstance(flag, (bool, np.bool_)):
        return bool(flag)
    return type(router).route is rk.routers.Router.route


def fit_eval(name: str, train, ctx: TestCtx, seed: int, onehot: bool) -> Result:
    """Fit ``name`` on ``train``, sweep it on the test part over evaluate's default budget grid, keep its
    choices at every budget. A shared-rule router is predicted once (as ``rk.evaluate`` does: the same
    grid and choices, bit for bit); any other router is routed per budget."""
    test = ctx.test
    try:
        r = make_router(name, seed, onehot)
        t0 = time.perf_counter()
        r.fit(train)
        fit_s = time.perf_counter() - t0
        if shared_rule(r):
            s_hat, c_hat = r.predict(test), r.cost_estimate(test)
            lams = lam_grid(s_hat, c_hat)
            choices = decide(s_hat, c_hat, lams)
        else:
            frame = evaluate({name: r}, test)
            lams = frame["lam"].to_numpy()
            choices = np.stack([np.asarray(r.route(test, float(lam))).reshape(-1) for lam in lams])
        choices = np.asarray(choices).reshape(len(lams), len(test))
        rows = np.arange(len(test))
        q = test.scores[rows, choices].mean(axis=1)
        c = test.costs[rows, choices].mean(axis=1)
        one_point = len(np.unique(np.column_stack([c, q]), axis=0)) == 1 and ctx.c_min < ctx.c_max
        lam0 = int(np.argmin(lams))
        return Result(name, None, metrics.aiq(c, q, ctx.c_min, ctx.c_max), choices, q, c,
                      float((choices[lam0] == ctx.top).mean()), float(metrics.cost_at_quality(c, q, ctx.top_q)),
                      one_point, fit_s)
    except Exception as exc:                # a router that crashes is recorded, not fatal
        first = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        print(f"  [error] {name}: {first}\n" + "".join("    " + ln for ln in
                                                      traceback.format_exc().splitlines(True)[-6:]), flush=True)
        return Result(name, error=first[:90])


# ---------------------------------------------------------------------------------------------------------
# bootstrap over test queries
# ---------------------------------------------------------------------------------------------------------
class Boot:
    """``B`` resamples of the test queries (seeded). Every statistic is recomputed on each resample: the
    routers' fixed choices are re-scored with the resample's multiplicities (one matrix product per router),
    the cost range, the oracle frontier, the zero router and the top model's quality are the resample's own."""

    def __init__(self, ctx: TestCtx, B: int, seed: int):
        test = ctx.test
        n = len(test)
        self.B = B
        idx = np.random.default_rng(seed).integers(0, n, size=(B, n))
        self.W = np.stack([np.bincount(i, minlength=n) for i in idx]).astype(float) / n     # (B, n)
        mc = self.W @ test.costs                                                            # (B, m)
        mq = self.W @ test.scores
        self.c_min, self.c_max = mc.min(axis=1), mc.max(axis=1)
        self.equal = ctx.equal_costs
        if self.equal:                   # equal prices: one cost per resample (the sums differ by rounding only)
            self.c_max = self.c_min.copy()
        self.top_q = mq[:, ctx.top]
        bare = rk.RoutingData(scores=test.scores, costs=test.costs, models=list(test.models))
        self.oracle = np.empty(B)
        self.oracle_cost_top = np.empty(B)
        self.zero = np.empty(B)
        for b in range(B):
            fc, fq = metrics.oracle_frontier(bare[idx[b]])
            self.oracle[b] = metrics.aiq(fc, fq, self.c_min[b], self.c_max[b])
            self.oracle_cost_top[b] = metrics.cost_at_quality(fc, fq, self.top_q[b])
            zc, zq = metrics.ndch(mc[b], mq[b])
            self.zero[b] = metrics.aiq(zc, zq, self.c_min[b], self.c_max[b])
        self._cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.test = test

    def curves(self, r: Result) -> tuple[np.ndarray, np.ndarray]:
        key = id(r)
        if key not in self._cache:
            rows = np.arange(len(self.test))
            s = self.test.scores[rows, r.choices]
            c = self.test.costs[rows, r.choices]
            self._cache[key] = (c @ self.W.T, s @ self.W.T)                                  # (L, B) each
        return self._cache[key]

    def aiq(self, r: Result) -> np.ndarray:
        cs, qs = self.curves(r)
        return np.array([metrics.aiq(cs[:, b], qs[:, b], self.c_min[b], self.c_max[b]) for b in range(self.B)])

    def cost_at_top(self, r: Result) -> np.ndarray:
        """Per resample, the hull cost at the top model's quality. The target is lowered by a relative 1e-12:
        the top model's quality and a routing that sends everything to it are the same sum taken in two
        matrix products, which can differ in the last bit and would read as "never reached"."""
        cs, qs = self.curves(r)
        target = self.top_q * (1 - 1e-12)
        return np.array([metrics.cost_at_quality(cs[:, b], qs[:, b], target[b]) for b in range(self.B)])


def band_gap(aiqs: dict[str, np.ndarray | float], oracle) -> tuple:
    """Band width, gap to oracle, best and worst router name (arrays over resamples or scalars)."""
    names = list(aiqs)
    stack = np.stack([np.asarray(aiqs[k], dtype=float) for k in names])
    hi, lo = stack.max(axis=0), stack.min(axis=0)
    return hi - lo, np.asarray(oracle, dtype=float) - hi


# ---------------------------------------------------------------------------------------------------------
# the runner: data, splits, features, memoised fits
# ---------------------------------------------------------------------------------------------------------
@dataclass
class Runner:
    seeds: list[int]
    B: int
    quick: bool
    data: dict = field(default_factory=dict)
    memo: dict = field(default_factory=dict)
    ctxs: dict = field(default_factory=dict)
    minilm: dict = field(default_factory=dict)
    embed_seconds: float = 0.0

    # -- data ------------------------------------------------------------------------------------------
    def load(self, name: str) -> rk.RoutingData:
        if name not in self.data:
            spec = SETS[name]
            self.data[name] = rk.load_dataset(DATA / spec["file"], **spec.get("load", {}))
        return self.data[name]

    def cap(self, name: str) -> int | None:
        """Queries of ``name`` used in B2/B3 (None: all)."""
        if self.quick:
            return 1500
        return MINILM_CAP.get(name)

    def variant(self, name: str, datakey: str) -> rk.RoutingData:
        """``"full"``, or ``"subN"``: N queries, a prefix of a seeded permutation (so smaller caps are subsets
        of larger ones and share the embedding cache)."""
        key = (name, datakey)
        if key not in self.data:
            d = self.load(name)
            n = int(datakey[3:])
            perm = np.random.default_rng(SUBSAMPLE_SEED).permutation(len(d))
            self.data[key] = d[np.sort(perm[:n])]
        return self.data[key]

    def datakey_b2(self, name: str) -> str:
        c = self.cap(name)
        return "full" if c is None or c >= len(self.load(name)) else f"sub{c}"

    def get(self, name: str, datakey: str) -> rk.RoutingData:
        return self.load(name) if datakey == "full" else self.variant(name, datakey)

    def split(self, data: rk.RoutingData, name: str, seed: int):
        if SETS[name].get("predefined"):
            return rk.predefined_split(data)
        return rk.train_test_split(data, test_size=TEST_SIZE, seed=seed, stratify="task")

    def minilm_features(self, name: str, datakey: str) -> np.ndarray:
        key = (name, datakey)
        if key not in self.minilm:
            from routerkit.encoders import MiniLMEncoder
            quiet_transformers()
            d = self.get(name, datakey)
            t0 = time.perf_counter()
            self.minilm[key] = MiniLMEncoder(progress=False).fit().transform(d.prompts)
            dt = time.perf_counter() - t0
            self.embed_seconds += dt
            log(f"{name} {datakey}] MiniLM features for {len(d):,} prompts: {dt:.1f} s (cache ~/.cache/routerkit)")
        return self.minilm[key]

    # -- test contexts ---------------------------------------------------------------------------------
    def ctx(self, name: str, datakey: str, seed: int) -> TestCtx:
        key = (name, datakey, seed)
        if key not in self.ctxs:
            train, test = self.split(self.get(name, datakey), name, seed)
            top = best_model(train)
            c_min, c_max = metrics.cost_range(test)
            fc, fq = metrics.oracle_frontier(test)
            zc, zq = metrics.zero_router(test)
            top_q, top_c = float(test.scores[:, top].mean()), float(test.costs[:, top].mean())
            ctx = TestCtx(test, top, c_min, c_max, c_min == c_max, top_q, top_c,
                          metrics.aiq(fc, fq, c_min, c_max), metrics.aiq(zc, zq, c_min, c_max),
                          float((metrics.oracle_choice(test).choice == top).mean()),
                          float(metrics.cost_at_quality(fc, fq, top_q)), float(metrics.cost_at_quality(zc, zq, top_q)),
                          len(train))
            if seed == self.seeds[0]:
                t0 = time.perf_counter()
                ctx.boot = Boot(ctx, self.B, seed)
                log(f"{name} {datakey} seed {seed}] bootstrap set-up ({self.B} resamples of {len(test):,} "
                    f"test queries): {time.perf_counter() - t0:.1f} s")
            self.ctxs[key] = ctx
        return self.ctxs[key]

    # -- fits ------------------------------------------------------------------------------------------
    def results(self, name: str, datakey: str, seed: int, size: int | None, enc: str,
                routers: list[str]) -> dict[str, Result]:
        """Memoised: fit the routers not yet fitted in this context (set, data, seed, training size, encoder)
        and sweep them on the context's test part."""
        onehot = bool(SETS[name].get("onehot"))
        todo = [r for r in routers if (name, datakey, seed, size, enc, r) not in self.memo]
        if todo:
            assert enc in ("tfidf", "minilm", "text") and (enc == "text") == (todo == [FINETUNED]), (enc, todo)
            ctx = self.ctx(name, datakey, seed)
            data = self.get(name, datakey)
            if enc == "minilm":
                data = data.with_features(self.minilm_features(name, datakey))
            train, test = self.split(data, name, seed)
            assert np.array_equal(test.scores, ctx.test.scores), "the split must not depend on the features"
            if size is not None and size < len(train):      # nested: a prefix of one seeded permutation
                perm = np.random.default_rng(1000 + seed).permutation(len(train))
                train = train[np.sort(perm[:size])]
            t0 = time.perf_counter()
            if enc == "tfidf" and train.prompts is not None:
                encoder = rk.encoders.TfidfSVDEncoder(n_components=128, random_state=seed)
                train = train.with_features(encoder.fit_transform(train.prompts))
                test = test.with_features(encoder.transform(test.prompts))
            enc_s = time.perf_counter() - t0
            times = []
            for r in todo:
                if r == FINETUNED:                          # reads the prompts itself
                    res = fit_eval(r, train.with_features(None), _swap(ctx, test.with_features(None)), seed, onehot)
                else:
                    res = fit_eval(r, train, _swap(ctx, test), seed, onehot)
                self.memo[(name, datakey, seed, size, enc, r)] = res
                times.append(f"{r} {'ERR' if res.error else f'{res.fit_s:.1f}'}")
            log(f"{name} {datakey} seed {seed} n_train {len(train):,} {enc}] encode {enc_s:.1f} s; fit s: "
                + ", ".join(times))
        return {r: self.memo[(name, datakey, seed, size, enc, r)] for r in routers}


def _swap(ctx: TestCtx, test: rk.RoutingData) -> TestCtx:
    """The context with its test part replaced by the same queries carrying features."""
    assert len(test) == len(ctx.test)
    return TestCtx(**{**ctx.__dict__, "test": test})


# ---------------------------------------------------------------------------------------------------------
# Part A: the table
# ---------------------------------------------------------------------------------------------------------
def has_prompts(run: Runner, name: str) -> bool:
    return run.load(name).prompts is not None


def best_score_router(per_seed: list[dict[str, Result]], candidates: list[str]) -> str | None:
    """The score router reaching the top model's quality in the most seeds, then at the lowest mean cost."""
    best, key = None, None
    for r in candidates:
        costs = np.array([s[r].cost_at_top if r in s and not s[r].error else np.nan for s in per_seed])
        ok = np.isfinite(costs)
        if not ok.any():
            continue
        k = (-int(ok.sum()), float(costs[ok].mean()))
        if key is None or k < key:
            best, key = r, k
    return best


def saving(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isfinite(a) & np.isfinite(b) & (b > 0), 1.0 - a / b, np.nan)


def stat(per_seed, seed0=None, interval=None) -> dict:
    """A measure as JSON: mean and sd over seeds (finite values only), the first seed's value and its CI."""
    v = np.asarray([np.nan if x is None else x for x in per_seed], dtype=float)
    ok = v[np.isfinite(v)]
    r6 = lambda x: round(float(x), 6)
    out = {"mean": r6(ok.mean()) if ok.size else None,
           "sd": r6(ok.std(ddof=1)) if ok.size > 1 else (0.0 if ok.size else None),
           "seeds_finite": int(ok.size)}
    if seed0 is not None and np.isfinite(seed0):
        out["seed0"] = r6(seed0)
        if interval is not None and all(np.isfinite(interval)):
            out["lo"], out["hi"] = r6(interval[0]), r6(interval[1])
    return out


def part_a(run: Runner, names: list[str]) -> list[dict]:
    """Print the plateau table per set and the summary; return the summary as JSON-ready records."""
    records = []
    print("\n## Part A: the plateau table (TF-IDF + SVD-128 features; test part; AIQ over the cheapest-to-dearest "
          "single-model cost range)\n")
    summary = []
    for name in names:
        prompts = has_prompts(run, name)
        routers = LEARNED if prompts else NO_TEXT
        learned = LEARNED if prompts else ["task_best"]
        per_seed, ctxs = [], []
        for seed in run.seeds:
            ctxs.append(run.ctx(name, "full", seed))
            per_seed.append(run.results(name, "full", seed, None, "tfidf", routers))
        ctx0, res0, boot = ctxs[0], per_seed[0], ctxs[0].boot
        eq = ctx0.equal_costs
        data = run.load(name)
        # per seed: plateau_band over the learned routers that ran
        bands = []
        for ctx, res in zip(ctxs, per_seed):
            ok = [r for r in learned if not res[r].error]
            frame = pd.concat([pd.DataFrame({"router": r, "cost": res[r].cost, "quality": res[r].quality})
                               for r in ok], ignore_index=True)
            band = metrics.plateau_band(frame, ctx.test)
            assert abs(band.oracle_aiq - ctx.oracle_aiq) < 1e-12 and abs(band.zero_aiq - ctx.zero_aiq) < 1e-12
            bands.append(band)
        ok0 = [r for r in learned if not res0[r].error]
        boot_aiq = {r: boot.aiq(res0[r]) for r in ok0}
        b_band, b_gap = band_gap(boot_aiq, boot.oracle)
        b_best = np.max(np.stack(list(boot_aiq.values())), axis=0)
        top_name = data.models[ctx0.top]
        print(f"### {name}\n")
        split = "predefined split (fixed; seeds vary the routers)" if SETS[name].get("predefined") else \
            f"70/30 split stratified by task, seeds {run.seeds}"
        print(f"{len(data):,} queries x {data.n_models} models; {split}; train {ctx0.n_train:,} / test "
              f"{len(ctx0.test):,} (seed {run.seeds[0]}); top model (best single on train): {top_name}, test "
              f"quality {ctx0.top_q:.3f}, cost ${1e3 * ctx0.top_c:.4f} per 1k"
              + ("; task one-hot appended to the features" if SETS[name].get("onehot") else "") + ".")
        notes = []
        if eq:
            notes.append("EQUAL PRICES: every model costs the same on each query, so every routing costs the same; "
                         "AIQ is the best quality a router reaches (accuracy-only routing) and cost-based measures "
                         "(cost at top quality, saving) are degenerate.")
        if not prompts:
            notes.append("NO PROMPTS: only task-level routers run (task_best; best_single is one point, its AIQ is "
                         "not meaningful and is shown as its quality). The oracle is inflated by multiple-choice "
                         "guessing (18 models answering 4- to 10-option questions: some model is right by luck on "
                         "many items), so the gap to it overstates what routing could recover. Costs are nominal "
                         "(fixed tokens x a price per size class).")
        if not eq and abs(ctx0.top_c - ctx0.c_min) < 1e-15:
            notes.append("The top model is also the cheapest: cost at its quality is the cheapest routing's for "
                         "every router that reaches it (savings are 0 by construction).")
        for n_ in notes:
            print(f"\n*{n_}*")
        rows = []
        aiq_cell = lambda vals: ms(vals)
        rows.append(["oracle", aiq_cell([c.oracle_aiq for c in ctxs]), point_ci(ctx0.oracle_aiq, pct(boot.oracle)),
                     ms([c.oracle_share0 for c in ctxs]),
                     "degenerate" if eq else ms([c.oracle_cost_at_top for c in ctxs], 4, 1e3), ""])
        order = sorted(routers, key=lambda r: -np.nanmean([s[r].aiq if not s[r].error else np.nan for s in per_seed])
                       if any(not s[r].error for s in per_seed) else 9)
        for r in order:
            errs = [s[r].error for s in per_seed if s[r].error]
            if len(errs) == len(per_seed):
                rows.append([r, f"error: {errs[0]}", "", "", "", ""])
                continue
            good = [s[r] for s in per_seed if not s[r].error]
            if all(g.one_point for g in good):
                aiq_text = f"n/a (one point: quality {ms([g.quality[0] for g in good])})"
                ci_text = ""
            else:
                aiq_text = ms([s[r].aiq if not s[r].error else np.nan for s in per_seed])
                ci_text = point_ci(res0[r].aiq, pct(boot.aiq(res0[r]))) if not res0[r].error else ""
            rows.append([r + (f" (errors: {len(errs)})" if errs else ""), aiq_text, ci_text,
                         ms([s[r].top_share0 if not s[r].error else np.nan for s in per_seed]),
                         "degenerate" if eq else ms([s[r].cost_at_top if not s[r].error else np.nan for s in per_seed],
                                                    4, 1e3),
                         f"{np.nanmean([s[r].fit_s for s in per_seed]):.1f}"])
        rows.append(["zero (random mixing)", aiq_cell([c.zero_aiq for c in ctxs]),
                     point_ci(ctx0.zero_aiq, pct(boot.zero)),
                     "", "degenerate" if eq else ms([c.zero_cost_at_top for c in ctxs], 4, 1e3), ""])
        print()
        print(table(["router", "AIQ mean ± sd (seeds)", f"AIQ seed {run.seeds[0]} [95% CI]",
                     f"share to {top_name.split('/')[-1]} at lam=0", "cost at top q ($/1k)", "fit s"], rows))
        # band, gap, collapse, ranking vs best score router
        m = []
        best_names = [max((r for r in learned if not res[r].error), key=lambda r: res[r].aiq) for res in per_seed]
        worst_names = [min((r for r in learned if not res[r].error), key=lambda r: res[r].aiq) for res in per_seed]
        m.append(["best / worst learned router (per seed)", ", ".join(best_names) + " / " + ", ".join(worst_names), ""])
        if len(learned) > 1:
            m.append(["band width (max - min learned AIQ)", ms([b.width for b in bands]),
                      point_ci(bands[0].width, pct(b_band))])
        else:
            m.append(["band width", "n/a (one task-level router)", ""])
        m.append(["gap to oracle (oracle - best learned)", ms([b.gap for b in bands]),
                  point_ci(bands[0].gap, pct(b_gap))])
        if len(learned) > 1:
            m.append(["band / gap", ms([b.ratio for b in bands], 2), point_ci(bands[0].ratio, pct(b_band / b_gap), 2)])
        m.append(["best learned - zero router", ms([b.hi - b.zero_aiq for b in bands]),
                  point_ci(bands[0].hi - bands[0].zero_aiq, pct(b_best - boot.zero))])
        score_in = [r for r in SCORE if r in routers]
        shares = [[s[r].top_share0 for r in score_in if not s[r].error] for s in per_seed]
        m.append([f"share to top model at lam=0: score routers min - max (oracle)",
                  f"{np.mean([min(x) for x in shares]):.3f} - {np.mean([max(x) for x in shares]):.3f} "
                  f"({np.mean([c.oracle_share0 for c in ctxs]):.3f})", ""])
        save_text = "n/a"
        save_record = {"status": "n/a", "note": "no prompts: no ranking router"} if not prompts else None
        if eq:
            m.append(["ranking vs best score router at top quality", "degenerate (equal prices: every routing costs "
                      "the same)", ""])
            save_text = "degenerate"
            save_record = {"status": "degenerate", "note": "equal prices: every routing costs the same"}
        elif "ranking" in routers and not all(s["ranking"].error for s in per_seed):
            best = best_score_router(per_seed, score_in)
            if best is None:
                m.append(["best score router at top quality", "none reaches it", ""])
                save_text = "no score router reaches"
                save_record = {"status": "no score router reaches the top model's quality"}
            else:
                rc = [s["ranking"].cost_at_top if not s["ranking"].error else np.nan for s in per_seed]
                bc = [s[best].cost_at_top for s in per_seed]
                sv = saving(rc, bc)
                b_rc, b_bc = boot.cost_at_top(res0["ranking"]), boot.cost_at_top(res0[best])
                b_sv = saving(b_rc, b_bc)
                reach = f" (both reach it in {np.isfinite(b_sv).sum()}/{boot.B} resamples)"
                m.append([f"cost at top q: ranking ($/1k)", ms(rc, 4, 1e3), point_ci(rc[0], pct(b_rc), 4, 1e3)])
                m.append([f"cost at top q: best score router = {best} ($/1k)", ms(bc, 4, 1e3),
                          point_ci(bc[0], pct(b_bc), 4, 1e3)])
                m.append([f"saving of ranking vs {best} (%; > 0: ranking cheaper)", ms(sv, 1, 100, "never (ranking "
                          "does not reach it)"), point_ci(float(sv[0]), pct(b_sv), 1, 100) + reach])
                save_text = f"{ms(sv, 1, 100)} vs {best}"
                save_record = {"status": "ok", "vs": best, **stat(sv, float(sv[0]), pct(b_sv)),
                               "resamples_both_reach": int(np.isfinite(b_sv).sum()), "resamples": boot.B}
        elif not prompts:
            tb = [s["task_best"].cost_at_top for s in per_seed]
            bs = [s["best_single"].cost_at_top for s in per_seed]
            sv = saving(tb, bs)
            m.append(["cost at top q: task_best vs best_single ($/1k)", f"{ms(tb, 4, 1e3)} vs {ms(bs, 4, 1e3)}", ""])
            m.append(["saving of task_best vs best_single (%)", ms(sv, 1, 100), point_ci(
                float(sv[0]), pct(saving(boot.cost_at_top(res0["task_best"]), boot.cost_at_top(res0["best_single"]))),
                1, 100)])
            save_text = "n/a (no prompts: no ranking router)"
        print()
        print(table(["measure", "mean ± sd (seeds)", f"seed {run.seeds[0]} [95% CI]"], m))
        print()
        records.append(part_a_record(run, name, ctxs, per_seed, bands, boot, (b_band, b_gap), routers, learned,
                                     shares, save_record))
        summary.append([name, f"{ctx0.n_train:,} / {len(ctx0.test):,} x {data.n_models}",
                        ms([c.oracle_aiq for c in ctxs]), ms([c.zero_aiq for c in ctxs]),
                        f"{ms([b.lo for b in bands])} - {ms([b.hi for b in bands])}",
                        ms([b.width for b in bands]) if len(learned) > 1 else "n/a (1 router)",
                        ms([b.gap for b in bands]),
                        f"{np.mean([min(x) for x in shares]):.2f} - {np.mean([max(x) for x in shares]):.2f} "
                        f"({np.mean([c.oracle_share0 for c in ctxs]):.2f})",
                        save_text + (" (AIQ = quality)" if eq else "")])
    print("### Part A summary (the plateau paper's Table 1 in spirit; mean ± sd over seeds)\n")
    print(table(["set", "train / test x models", "oracle AIQ", "zero AIQ", "learned AIQ min - max", "band",
                 "gap to oracle", "top share at lam=0: score routers (oracle)", "ranking saving at top q (%)"],
                summary))
    print("\nrouterdc: equal prices, AIQ is a quality and cost measures are degenerate. carrot_openllmv2: no "
          "prompts (task_best only, so no band), oracle inflated by multiple-choice guessing.")
    return records


def part_a_record(run: Runner, name: str, ctxs, per_seed, bands, boot, boot_band_gap, routers, learned, shares,
                  save_record) -> dict:
    """One set's Part A figures for ``data/plateau_benchmarks.json`` (aggregates only: no query-level data)."""
    ctx0, res0 = ctxs[0], per_seed[0]
    data = run.load(name)
    b_band, b_gap = boot_band_gap
    rows = []
    for r in routers:
        good = [s[r] for s in per_seed if not s[r].error]
        if not good:
            rows.append({"router": r, "error": per_seed[0][r].error})
            continue
        if all(g.one_point for g in good):          # one point (best_single): AIQ is not meaningful
            continue
        rows.append({"router": r, "learned": r in learned,
                     "aiq": stat([s[r].aiq if not s[r].error else np.nan for s in per_seed],
                                 None if res0[r].error else res0[r].aiq,
                                 None if res0[r].error else pct(boot.aiq(res0[r]))),
                     "top_share_lam0": stat([s[r].top_share0 if not s[r].error else np.nan for s in per_seed]),
                     "cost_at_top_quality_per_1k": None if ctx0.equal_costs else stat(
                         [1e3 * s[r].cost_at_top if not s[r].error else np.nan for s in per_seed])})
    return {
        "set": name, "queries": len(data), "models": data.n_models, "train": ctx0.n_train, "test": len(ctx0.test),
        "split": "predefined" if SETS[name].get("predefined") else f"70/30 stratified by task",
        "prompts": data.prompts is not None, "equal_prices": bool(ctx0.equal_costs),
        "top_model": data.models[ctx0.top],
        "oracle_aiq": stat([c.oracle_aiq for c in ctxs], ctx0.oracle_aiq, pct(boot.oracle)),
        "zero_aiq": stat([c.zero_aiq for c in ctxs], ctx0.zero_aiq, pct(boot.zero)),
        "band": stat([b.width for b in bands], bands[0].width, pct(b_band)) if len(learned) > 1 else None,
        "gap": stat([b.gap for b in bands], bands[0].gap, pct(b_gap)),
        "best_learned": [max((r for r in learned if not s[r].error), key=lambda r: s[r].aiq) for s in per_seed],
        "oracle_top_share_lam0": stat([c.oracle_share0 for c in ctxs]),
        "score_top_share_lam0_min": stat([min(x) for x in shares]),
        "score_top_share_lam0_max": stat([max(x) for x in shares]),
        "ranking_saving_at_top_quality": save_record,
        "routers": rows,
    }


# ---------------------------------------------------------------------------------------------------------
# Part B1: training-set size
# ---------------------------------------------------------------------------------------------------------
def dcell(per_seed, boot_diff) -> str:
    """A change: mean ± sd over seeds; the first seed's value and its paired-bootstrap 95% CI."""
    v = np.asarray(per_seed, dtype=float)
    first = f"; s{FIRST_SEED[0]}: {v[0] + 0.0:+.3f} {ci(pct(boot_diff))}" \
        if boot_diff is not None and np.isfinite(v[0]) else ""
    return ms(v) + first


def text_only(routers: list[str]) -> list[str]:
    """The routers that read the query text (task_best reads only the task label)."""
    return [r for r in routers if r != "task_best"]


def gaps(res: dict[str, Result], routers: list[str], oracle) -> tuple:
    """(band, gap, gap of the text routers) from scalars (one seed) or bootstrap arrays ({name: array})."""
    vals = {r: (res[r] if isinstance(res[r], np.ndarray) else res[r].aiq) for r in routers
            if isinstance(res[r], np.ndarray) or not res[r].error}
    w, g = band_gap(vals, oracle)
    _, gt = band_gap({r: vals[r] for r in text_only(list(vals))}, oracle)
    return w, g, gt


def part_b1(run: Runner, names: list[str]) -> None:
    print("\n## Part B1: training-set size (nested seeded subsamples of the training part, test part fixed; "
          f"routers {', '.join(CURVE_ROUTERS)}; TF-IDF refitted on each subsample)\n")
    print("band = max - min AIQ of the five routers; gap = oracle AIQ - best of them; gap (text) = oracle AIQ - best "
          "of the four that read the prompt (task_best excluded: it reads only the task label).\n")
    sizes_all = [250, 1000] if run.quick else SIZES
    summary = []
    for name in names:
        if not has_prompts(run, name):
            continue
        n_train = run.ctx(name, "full", run.seeds[0]).n_train
        sizes = [s for s in sizes_all if s < n_train] + [None]
        grid = {size: [run.results(name, "full", seed, size, "tfidf", CURVE_ROUTERS) for seed in run.seeds]
                for size in sizes}
        ctxs = [run.ctx(name, "full", seed) for seed in run.seeds]
        boot = ctxs[0].boot
        rows, stats = [], {}
        for size in sizes:
            per_seed = grid[size]
            trip = np.array([gaps(res, CURVE_ROUTERS, ctx.oracle_aiq) for ctx, res in zip(ctxs, per_seed)],
                            dtype=float)                                   # (seeds, 3): band, gap, gap text
            best = [max((r for r in CURVE_ROUTERS if not res[r].error), key=lambda r: res[r].aiq) for res in per_seed]
            b0 = {r: boot.aiq(per_seed[0][r]) for r in CURVE_ROUTERS if not per_seed[0][r].error}
            stats[size] = (trip, gaps(b0, list(b0), boot.oracle))
            label = f"all ({n_train:,})" if size is None else f"{size:,}"
            rows.append([label] + [ms([s[r].aiq if not s[r].error else np.nan for s in per_seed]) if
                                   not all(s[r].error for s in per_seed) else f"error: {per_seed[0][r].error}"
                                   for r in CURVE_ROUTERS]
                        + [ms(trip[:, 0]), ms(trip[:, 1]), ms(trip[:, 2]), "/".join(best)])
        # change from the smallest size to the whole training part, paired over seeds and resamples
        lo, hi = sizes[0], None
        d_row = [f"**Δ all - {lo:,}**"]
        for r in CURVE_ROUTERS:
            a = [grid[hi][k][r].aiq - grid[lo][k][r].aiq for k in range(len(run.seeds))]
            bt = (boot.aiq(grid[hi][0][r]) - boot.aiq(grid[lo][0][r])) if not (grid[hi][0][r].error or
                                                                             grid[lo][0][r].error) else None
            d_row.append(dcell(a, bt))
        (t_lo, b_lo), (t_hi, b_hi) = stats[lo], stats[hi]
        d = [dcell(t_hi[:, k] - t_lo[:, k], b_hi[k] - b_lo[k]) for k in range(3)]
        rows.append(d_row + d + [""])
        print(f"### {name}: oracle AIQ {ms([c.oracle_aiq for c in ctxs])}, zero {ms([c.zero_aiq for c in ctxs])}\n")
        print(table(["train size"] + [f"{r} AIQ" for r in CURVE_ROUTERS] + ["band", "gap", "gap (text)",
                                                                             "best (per seed)"], rows))
        print(f"\nΔ row: mean ± sd over seeds; then seed {run.seeds[0]}'s change and the 95% CI of a paired "
              "bootstrap over its test queries.\n")
        summary.append([name, f"{lo:,} → {n_train:,}", f"{ms(t_lo[:, 0])} → {ms(t_hi[:, 0])}",
                        f"{ms(t_lo[:, 1])} → {ms(t_hi[:, 1])}", f"{ms(t_lo[:, 2])} → {ms(t_hi[:, 2])}"] + d)
    print("### Part B1 summary\n")
    print(table(["set", "train size", "band", "gap", "gap (text)", "Δ band", "Δ gap", "Δ gap (text)"], summary))


# ---------------------------------------------------------------------------------------------------------
# Part B2: encoder
# ---------------------------------------------------------------------------------------------------------
def check_encoder_path(run: Runner, name: str, datakey: str) -> str:
    """``encoder=MiniLMEncoder()`` inside the router vs MiniLM features handed over: the same predictions?"""
    from routerkit.encoders import MiniLMEncoder
    quiet_transformers()
    seed = run.seeds[0]
    data = run.get(name, datakey)
    train, test = run.split(data, name, seed)
    onehot = bool(SETS[name].get("onehot"))
    a = make_router("linear", seed, onehot).set_params(encoder=MiniLMEncoder(progress=False)).fit(train)
    f = data.with_features(run.minilm_features(name, datakey))
    ftrain, ftest = run.split(f, name, seed)
    b = make_router("linear", seed, onehot).fit(ftrain)
    diff = float(np.abs(a.predict(test) - b.predict(ftest)).max())
    return (f"check on {name} (seed {seed}, linear): max |predict(encoder=MiniLMEncoder()) - predict(features)| "
            f"= {diff:.2e}")


def part_b2(run: Runner, names: list[str]) -> None:
    print("\n## Part B2: encoder, TF-IDF + SVD-128 vs all-MiniLM-L6-v2 (frozen embeddings), every learned router\n")
    print("task_best reads no text (the same in both arms); gap (text) = oracle AIQ - best router that reads the "
          "prompt.\n")
    summary = []
    checked = None
    s0 = run.seeds[0]
    for name in names:
        if not has_prompts(run, name):
            continue
        dk = run.datakey_b2(name)
        ctxs = [run.ctx(name, dk, seed) for seed in run.seeds]
        tf = [run.results(name, dk, seed, None, "tfidf", LEARNED) for seed in run.seeds]
        ml = [run.results(name, dk, seed, None, "minilm", LEARNED) for seed in run.seeds]
        if checked is None:
            checked = check_encoder_path(run, name, dk)
        boot = ctxs[0].boot
        rows = []
        b_tf = {r: boot.aiq(tf[0][r]) for r in LEARNED if not tf[0][r].error}
        b_ml = {r: boot.aiq(ml[0][r]) for r in LEARNED if not ml[0][r].error}
        for r in LEARNED:
            e = tf[0][r].error or ml[0][r].error
            ta = [s[r].aiq if not s[r].error else np.nan for s in tf]
            ma = [s[r].aiq if not s[r].error else np.nan for s in ml]
            d = dcell(np.subtract(ma, ta), b_ml[r] - b_tf[r]) if (r in b_tf and r in b_ml) else f"error: {e}"
            rows.append([r, ms(ta), point_ci(ta[0], pct(b_tf[r]) if r in b_tf else None),
                         ms(ma), point_ci(ma[0], pct(b_ml[r]) if r in b_ml else None), d])
        t_tf = np.array([gaps(s, LEARNED, c.oracle_aiq) for c, s in zip(ctxs, tf)], dtype=float)
        t_ml = np.array([gaps(s, LEARNED, c.oracle_aiq) for c, s in zip(ctxs, ml)], dtype=float)
        g_tf, g_ml = gaps(b_tf, list(b_tf), boot.oracle), gaps(b_ml, list(b_ml), boot.oracle)
        for k, label in enumerate(["**band width**", "**gap to oracle**", "**gap (text routers)**"]):
            rows.append([label, ms(t_tf[:, k]), point_ci(t_tf[0, k], pct(g_tf[k])), ms(t_ml[:, k]),
                         point_ci(t_ml[0, k], pct(g_ml[k])), dcell(t_ml[:, k] - t_tf[:, k], g_ml[k] - g_tf[k])])
        d = run.get(name, dk)
        what = "whole set" if dk == "full" else f"seeded subsample of {len(d):,} of {len(run.load(name)):,} queries"
        print(f"### {name} ({what}; train {ctxs[0].n_train:,} / test {len(ctxs[0].test):,}): oracle AIQ "
              f"{ms([c.oracle_aiq for c in ctxs])}, zero {ms([c.zero_aiq for c in ctxs])}\n")
        print(table(["router", "TF-IDF AIQ", f"seed {s0} [CI]", "MiniLM AIQ", f"seed {s0} [CI]",
                     f"Δ MiniLM - TF-IDF (seeds; seed {s0} [paired CI])"], rows))
        print()
        best_tf = [max((r for r in LEARNED if not s[r].error), key=lambda r: s[r].aiq) for s in tf]
        best_ml = [max((r for r in LEARNED if not s[r].error), key=lambda r: s[r].aiq) for s in ml]
        summary.append([name, what, f"{ms(t_tf[:, 0])} → {ms(t_ml[:, 0])}", f"{ms(t_tf[:, 1])} → {ms(t_ml[:, 1])}",
                        f"{ms(t_tf[:, 2])} → {ms(t_ml[:, 2])}", dcell(t_ml[:, 2] - t_tf[:, 2], g_ml[2] - g_tf[2]),
                        f"{'/'.join(best_tf)} → {'/'.join(best_ml)}"])
    print("### Part B2 summary\n")
    print(table(["set", "data", "band TF-IDF → MiniLM", "gap TF-IDF → MiniLM", "gap (text) TF-IDF → MiniLM",
                 "Δ gap (text)", "best router per seed"], summary))
    if checked:
        print(f"\n{checked}")


# ---------------------------------------------------------------------------------------------------------
# Part B3: end-to-end fine-tuning (hook)
# ---------------------------------------------------------------------------------------------------------
def best_name(res: dict[str, Result]) -> str:
    return max((r for r in LEARNED if not res[r].error), key=lambda r: res[r].aiq)


def part_b3(run: Runner, names: list[str], ft_seeds: list[int], ft_train: int) -> None:
    print(f"\n## Part B3: end-to-end fine-tuning (router {FINETUNED!r}, its default hyperparameters), against the "
          f"frozen-MiniLM and TF-IDF routers trained on the SAME {ft_train:,} training queries (a nested seeded "
          "subsample of the Part B2 training part; the whole part where smaller)\n")
    if FINETUNED not in rk.routers.available():
        print(f"**HOOK, NOT RUN**: no router is registered as {FINETUNED!r} (rk.routers.available() = "
              f"{', '.join(rk.routers.available())}). Once routerkit/routers/finetuned.py registers it, this part "
              f"fits it on the Part B2 data (prompts only, seeds {ft_seeds}) and compares it with the frozen-MiniLM "
              "and TF-IDF routers (paired bootstrap).")
        return
    quiet_transformers()
    rows = []
    for name in names:
        if not has_prompts(run, name):
            continue
        dk = run.datakey_b2(name)
        seeds = [s for s in ft_seeds if s in run.seeds] or run.seeds[:1]
        ctxs = [run.ctx(name, dk, seed) for seed in seeds]
        size = ft_train if ft_train < ctxs[0].n_train else None
        n_used = size or ctxs[0].n_train
        ft = [run.results(name, dk, seed, size, "text", [FINETUNED])[FINETUNED] for seed in seeds]
        ml = [run.results(name, dk, seed, size, "minilm", LEARNED) for seed in seeds]
        tf = [run.results(name, dk, seed, size, "tfidf", LEARNED) for seed in seeds]
        label = f"{name} ({'whole set' if dk == 'full' else dk.replace('sub', 'subsample of ')}; train {n_used:,} / " \
                f"test {len(ctxs[0].test):,})"
        if ft[0].error:
            rows.append([label, ", ".join(map(str, seeds)), f"error: {ft[0].error}", "", "", "", "", "", ""])
            continue
        boot = ctxs[0].boot if seeds[0] == run.seeds[0] else None
        best_ml = [max(s[r].aiq for r in LEARNED if not s[r].error) for s in ml]
        best_tf = [max(s[r].aiq for r in LEARNED if not s[r].error) for s in tf]
        fa = [f.aiq for f in ft]
        d_ml_ci = d_tf_ci = fa_ci = d_mlp_ci = None
        if boot is not None:
            bf = boot.aiq(ft[0])
            if not ml[0]["mlp"].error:
                d_mlp_ci = pct(bf - boot.aiq(ml[0]["mlp"]))
            bml = np.max(np.stack([boot.aiq(ml[0][r]) for r in LEARNED if not ml[0][r].error]), axis=0)
            btf = np.max(np.stack([boot.aiq(tf[0][r]) for r in LEARNED if not tf[0][r].error]), axis=0)
            d_ml_ci, d_tf_ci, fa_ci = pct(bf - bml), pct(bf - btf), pct(bf)
        gap_ml = [c.oracle_aiq - b for c, b in zip(ctxs, best_ml)]
        gap_ft = [c.oracle_aiq - max(f, b) for c, f, b in zip(ctxs, fa, best_ml)]
        mlp_ml = [s["mlp"].aiq if not s["mlp"].error else np.nan for s in ml]
        rows.append([label, ", ".join(map(str, seeds)), f"{ms(fa)} {ci(fa_ci)}",
                     f"{ms(mlp_ml)}; Δ {ms(np.subtract(fa, mlp_ml))} {ci(d_mlp_ci)}",
                     f"{ms(best_ml)} ({'/'.join(best_name(s) for s in ml)})",
                     f"{ms(np.subtract(fa, best_ml))} {ci(d_ml_ci)}", f"{ms(np.subtract(fa, best_tf))} {ci(d_tf_ci)}",
                     f"{ms(gap_ml)} → {ms(gap_ft)}", f"{np.mean([f.fit_s for f in ft]):.0f}"])
    print(table(["set", "seeds", "finetuned AIQ [CI]", "mlp on frozen MiniLM; Δ finetuned - mlp [paired CI]",
                 "best frozen-MiniLM router",
                 "Δ finetuned - best frozen MiniLM [paired CI]", "Δ finetuned - best TF-IDF [paired CI]",
                 "gap to oracle: frozen-MiniLM routers → with finetuned", "fit s"], rows))
    print("\n(mlp on frozen MiniLM is the same loss and head family with the encoder frozen: the cleanest "
          "'does fine-tuning help' contrast.)")


# ---------------------------------------------------------------------------------------------------------
def write_json(path: Path, records: list[dict], run: Runner, quick: bool) -> None:
    import json
    import platform
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from run_all import cpu
    doc = {"produced_by": "bench/plateau_real.py, Part A" + (" (--quick)" if quick else ""),
           "date": time.strftime("%Y-%m-%d", time.gmtime()), "routerkit": rk.__version__,
           "machine": f"{platform.machine()}, {cpu()}",
           "seeds": run.seeds, "bootstrap_resamples": run.B,
           "aiq": "normalised area under the router's hull over the test part's cheapest-to-dearest single-model "
                  "cost range (routerkit.metrics.aiq); where every model costs the same, the best quality reached",
           "features": "TF-IDF + SVD-128 fitted on the training prompts (task one-hot added on routerbench_subset)",
           "intervals": "mean and sd over seeds; seed0 with lo/hi: percentile bootstrap 95% CI over test queries",
           "sets": records}
    path.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"\nPart A figures written to {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default=",".join(SETS), help=f"comma-separated, from {', '.join(SETS)}")
    ap.add_argument("--seeds", default=None, help="split and router seeds (default 0,1,2; --quick: 0)")
    ap.add_argument("--parts", default="A,B1,B2,B3", help="A, B1 (training size), B2 (encoder), B3 (fine-tuning); "
                                                           "B = B1,B2,B3")
    ap.add_argument("--quick", action="store_true", help="seed 0, 200 resamples, sizes 250/1000, "
                                                        "B2/B3 on 1,500-query subsamples")
    ap.add_argument("--bootstrap", type=int, default=None, help=f"resamples (default {BOOTSTRAP}; --quick 200)")
    ap.add_argument("--ft-seeds", default=None, help="seeds for the finetuned router (default: the first seed)")
    ap.add_argument("--json", nargs="?", const=str(JSON_OUT), default=None, metavar="PATH",
                    help=f"write Part A's figures as JSON (default path: {JSON_OUT.relative_to(JSON_OUT.parents[1])}, "
                         "which notebook 06 reads)")
    ap.add_argument("--ft-train", type=int, default=None, help=f"training queries in Part B3 (default {FT_TRAIN}; "
                                                                 "--quick 300)")
    args = ap.parse_args()
    seeds = [int(s) for s in (args.seeds or ("0" if args.quick else "0,1,2")).split(",")]
    parts = set()
    for p in args.parts.split(","):
        parts |= {"B1", "B2", "B3"} if p.strip().upper() == "B" else {p.strip().upper()}
    unknown = parts - {"A", "B1", "B2", "B3"}
    if unknown:
        ap.error(f"unknown part(s) {sorted(unknown)}")
    names = [s.strip() for s in args.sets.split(",")]
    bad = [s for s in names if s not in SETS]
    if bad:
        ap.error(f"unknown set(s) {bad}; known: {', '.join(SETS)}")
    present = []
    for s in names:
        if (DATA / SETS[s]["file"]).exists():
            present.append(s)
        else:
            print(f"skip {s}: {DATA / SETS[s]['file']} not found")
    FIRST_SEED[0] = seeds[0]
    run = Runner(seeds, args.bootstrap or (200 if args.quick else BOOTSTRAP), args.quick)
    ft_seeds = [int(s) for s in args.ft_seeds.split(",")] if args.ft_seeds else seeds[:1]
    ft_train = args.ft_train or (300 if args.quick else FT_TRAIN)
    print(f"# Routing plateau on real data: sets {', '.join(present)}; seeds {seeds}; parts {','.join(sorted(parts))}; "
          f"bootstrap {run.B}{'; QUICK' if args.quick else ''}")
    print("AIQ: normalised, over the test part's cheapest-to-dearest single-model cost range; intervals: mean ± sd "
          f"over seeds and a percentile bootstrap 95% CI over test queries for seed {seeds[0]}; costs in USD per "
          "1,000 queries.")
    t_all = time.perf_counter()
    timings = []
    records = []
    for part, fn in (("A", lambda: records.extend(part_a(run, present))), ("B1", lambda: part_b1(run, present)),
                     ("B2", lambda: part_b2(run, present)), ("B3", lambda: part_b3(run, present, ft_seeds, ft_train))):
        if part in parts:
            t0 = time.perf_counter()
            fn()
            timings.append(f"{part} {time.perf_counter() - t0:.0f} s")
    if args.json and records:
        write_json(Path(args.json), records, run, args.quick)
    print(f"\nRun time: {time.perf_counter() - t_all:.0f} s in all ({', '.join(timings)}; MiniLM embedding "
          f"{run.embed_seconds:.0f} s of it, fast once ~/.cache/routerkit/embeddings holds the prompts).")


if __name__ == "__main__":
    main()
