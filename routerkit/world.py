r"""RouterWorld: a generative routing benchmark with known ground truth, calibrated to RouterBench.

Real routing data show each query's outcome once per model, so they cannot tell how much of a query's outcome
was predictable. RouterWorld draws queries from a stated model, so it knows: it returns the true success
probabilities (``truth``) beside the 0/1 outcomes, and with them the *Bayes router*, the best any router that
reads only the query can do.

The generative model (a probit item-response / factor model; queries play the items, LLMs the examinees)
------------------------------------------------------------------------------------------------------------
Query ``i`` comes from task ``t = t_i`` (ARC-Challenge, Winogrande or MBPP, in RouterBench's mix). It carries
``K = 4`` latent traits, drawn twice: the traits an encoder can see, ``f_i``, and a hidden twin ``g_i``:

    f_i, g_i ~ N(0, I_K)

Model ``j`` answers it correctly when its latent propensity is positive:

    y*_ij = mu_tj + lambda_tj . ( sqrt(1 - rho) f_i + sqrt(rho) g_i ) + sqrt(psi_tj) u_ij,    u_ij ~ N(0, 1)
    score_ij = 1[y*_ij > 0]

- ``mu_tj = Phi^-1(a_tj)`` is model ``j``'s ability on task ``t``; ``a_tj`` is its RouterBench accuracy.
- ``lambda_tj`` (length K) are the model's abilities on the query's traits. On ARC and MBPP the first trait
  is a shared difficulty: every model loads on it with the same sign, so models succeed and fail together.
  The others are skill demands that favour some models over others. On Winogrande the leading trait is an
  answer-position bias that splits the models into two camps (latent correlations down to -1), and the
  shared difficulty comes second.
- ``psi_tj = 1 - |lambda_tj|^2``, so ``y*_ij`` has unit variance and ``P(score_ij = 1) = a_tj`` exactly.
- ``lambda`` is fitted so that the latent correlations between models, ``lambda_tj . lambda_tk``, reproduce
  RouterBench's tetrachoric correlations per task (principal-axis factoring of the stored matrices). That is
  what makes the world's ties, oracle and "solved by nobody" share look like the real ones.
- ``rho`` (``idiosyncratic``) is the share of that query-specific structure that nothing about the query
  reveals: the term ``e_ij = sqrt(rho) lambda_tj . g_i`` differs per (query, model), is correlated across
  models like the visible part, and is invisible to any encoder. Because ``f`` and ``g`` have the same law,
  ``rho`` leaves every observable statistic (accuracies, correlations, ties, oracle) unchanged: two worlds
  with different ``rho`` produce data that look the same and have different ceilings. The data cannot tell.
- ``u_ij`` is outcome noise: a fresh coin per call.

``truth`` is the success probability given everything a query reveals (its task and visible traits):

    truth_ij = P(score_ij = 1 | t_i, f_i)
             = Phi( (mu_tj + sqrt(1 - rho) lambda_tj . f_i) / sqrt(1 - (1 - rho) |lambda_tj|^2) )

so the Bayes router ``argmax_j truth_ij - lam * cost_ij`` is the best a query-only router can do, and the gap
between it and the oracle (which sees the outcomes) is what no router can close. With ``rho = 1`` the truth
is the per-task accuracy and the Bayes router is the per-task best model; with ``rho = 0`` every shared
pattern is learnable. With ``outcome_noise=False`` the hidden term and the coin are switched off and each
model solves exactly what it more likely than not solves, ``score_ij = 1[truth_ij > 0.5]``: then the Bayes
router reaches the oracle, by construction (accuracies shift away from the calibration in that mode).

Features: what an encoder sees
------------------------------
The visible traits and the task, ``s_i = [f_i, 2 * onehot(t_i)]``, are mixed by a fixed orthonormal
``n_features x (K + 3)`` matrix ``A`` (the encoder belongs to the world, not to the sample, so features from
different seeds are comparable) and blurred by noise:

    x_i = sqrt(q) A s_i + sqrt(1 - q) xi_i,    xi_i ~ N(0, I)

``q`` (``encoder_quality``) is the squared correlation between each latent trait and its best linear read-out
from ``x``: 0 is pure noise, 1 the traits themselves (rotated).

Costs: tokens times price
-------------------------
``cost_ij = (prompt_tokens_i * price_in_j + answer_tokens_ij * price_out_j) / 1e6`` with USD per 1M tokens
from the model card. Prompt tokens are lognormal around the task's mean (shared by all models, as the prompt
is); answer tokens are lognormal around a per-(task, model) mean chosen so the mean cost matches
RouterBench's mean cost for that model and task. Both lognormals have mean 1 multipliers.

Common random numbers
---------------------
All draws happen for all 11 models and in a fixed order, so for one seed changing ``encoder_quality`` changes
only the features, changing ``idiosyncratic`` only the split between visible and hidden traits, and
``models=`` selects columns of the same world: a knob moves one thing at a time.

The calibration lives in ``data/`` (see ``data/README.md`` for every number's source).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri, owens_t

from routerkit.data import RoutingData
from routerkit.resources import resource_path

__all__ = ["simulate", "MODELS", "TASKS", "DEFAULT_IDIOSYNCRATIC", "N_FACTORS", "Calibration", "load_calibration",
           "structure", "calibration_tables", "tetrachoric"]

MODELS = (
    "WizardLM/WizardLM-13B-V1.2",
    "claude-instant-v1",
    "claude-v1",
    "claude-v2",
    "gpt-3.5-turbo-1106",
    "gpt-4-1106-preview",
    "meta/code-llama-instruct-34b-chat",
    "meta/llama-2-70b-chat",
    "mistralai/mistral-7b-chat",
    "mistralai/mixtral-8x7b-chat",
    "zero-one-ai/Yi-34B-Chat",
)
TASKS = ("arc-challenge", "winogrande", "mbpp")

N_FACTORS = 4
"""Latent traits per query. Four factors reproduce RouterBench's per-task tetrachoric matrices to an RMS
error of 0.013-0.022 (three factors leave 0.021-0.030; one leaves 0.21 on Winogrande, whose answer-position
bias needs a factor of its own besides the shared difficulty)."""

DEFAULT_IDIOSYNCRATIC = 0.5
"""Half of the query-specific structure is visible. At this default (and ``encoder_quality=0.5``) the Bayes
router sits about 0.06 below the oracle and a kNN router lands on the per-task best model, as learned routers
do on RouterBench; the real data cannot pin the value down (see the module docstring)."""

# Communalities are capped so every model keeps some outcome noise (psi >= 0.02): Winogrande's near -1
# correlations would otherwise make outcomes deterministic given the traits and the truth a 0/1 step.
_MAX_COMMUNALITY = 0.98
# Tasks are the most visible trait of a query (an encoder separates benchmarks easily): at q = 1 two tasks sit
# 2 * sqrt(2) standard deviations of a trait apart.
_TASK_SCALE = 2.0
# The encoder matrix A is part of the world: drawn once from this fixed seed, never from the sample's seed.
_ENCODER_SEED = 2403_12031  # RouterBench's arXiv id


# -- calibration --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Calibration:
    """RouterWorld's parameters, built from the facts in ``data/``. Arrays are indexed [task, model, ...]."""

    tasks: tuple[str, ...]
    models: tuple[str, ...]
    task_share: np.ndarray       # (T,) RouterBench's task mix
    accuracy: np.ndarray         # (T, M) a_tj
    mean_cost: np.ndarray        # (T, M) USD per call
    price_in: np.ndarray         # (M,) USD per 1M prompt tokens
    price_out: np.ndarray        # (M,) USD per 1M answer tokens
    prompt_tokens: np.ndarray    # (T,) mean prompt tokens
    prompt_logsd: np.ndarray     # (T,)
    answer_tokens: np.ndarray    # (T, M) mean answer tokens implied by the mean cost
    answer_logsd: np.ndarray     # (T,)
    loadings: np.ndarray         # (T, M, K) lambda_tj


@functools.lru_cache(maxsize=1)
def load_calibration() -> Calibration:
    """Read the model card and RouterWorld's calibration tables from ``data/`` and fit the loadings."""
    card = pd.read_csv(resource_path("model_card.csv")).set_index("model")
    acc = pd.read_csv(resource_path("routerworld_calibration.csv"))
    task_tab = pd.read_csv(resource_path("routerworld_tasks.csv")).set_index("task")
    pairs = pd.read_csv(resource_path("routerworld_pairs.csv"))

    models, tasks = list(MODELS), list(TASKS)
    accuracy = acc.pivot(index="task", columns="model", values="accuracy").loc[tasks, models].to_numpy()
    mean_cost = acc.pivot(index="task", columns="model", values="mean_cost_usd").loc[tasks, models].to_numpy()
    price_in = card.loc[models, "usd_per_1m_input"].to_numpy(float)
    price_out = card.loc[models, "usd_per_1m_output"].to_numpy(float)
    prompt_tokens = task_tab.loc[tasks, "prompt_tokens"].to_numpy(float)
    # The answer length is the one unmeasured piece of the cost (chars/4 miscounts code), so it is solved from
    # the mean cost; a single-letter answer is still one token.
    answer_tokens = (mean_cost * 1e6 - price_in * prompt_tokens[:, None]) / price_out
    answer_tokens = np.maximum(answer_tokens, 1.0)

    index = {m: k for k, m in enumerate(models)}
    loadings = np.empty((len(tasks), len(models), N_FACTORS))
    for t, task in enumerate(tasks):
        rows = pairs[pairs["task"] == task]
        corr = np.eye(len(models))
        a = rows["model_a"].map(index).to_numpy()
        b = rows["model_b"].map(index).to_numpy()
        r = np.nan_to_num(rows["tetrachoric"].to_numpy(float))  # undefined for a model that never/always solves
        corr[a, b] = corr[b, a] = r
        loadings[t] = _principal_axis(corr, N_FACTORS, _MAX_COMMUNALITY)

    arrays = dict(
        task_share=task_tab.loc[tasks, "share"].to_numpy(float),
        accuracy=accuracy, mean_cost=mean_cost, price_in=price_in, price_out=price_out,
        prompt_tokens=prompt_tokens, prompt_logsd=task_tab.loc[tasks, "prompt_tokens_logsd"].to_numpy(float),
        answer_tokens=answer_tokens, answer_logsd=task_tab.loc[tasks, "answer_tokens_logsd"].to_numpy(float),
        loadings=loadings,
    )
    for arr in arrays.values():
        arr.setflags(write=False)  # the cached calibration is shared by every call
    return Calibration(tasks=tuple(tasks), models=tuple(models), **arrays)


def _principal_axis(corr: np.ndarray, k: int, max_communality: float, tol: float = 1e-9,
                    max_iter: int = 1000) -> np.ndarray:
    """Loadings ``L`` (m, k) with ``L L^T`` close to ``corr`` off the diagonal (iterated principal axes).

    Starts from squared multiple correlations, then alternates: put the communalities on the diagonal, keep
    the top ``k`` eigenpairs, recompute communalities (capped at ``max_communality``).
    """
    ridge = corr + 1e-3 * np.eye(len(corr))  # tetrachoric matrices need not be positive definite
    h2 = np.clip(1 - 1 / np.diag(np.linalg.inv(ridge)), 0.05, max_communality)
    for _ in range(max_iter):
        reduced = corr.copy()
        np.fill_diagonal(reduced, h2)
        values, vectors = np.linalg.eigh(reduced)
        top = np.argsort(values)[::-1][:k]
        loadings = vectors[:, top] * np.sqrt(np.clip(values[top], 0, None))
        new = (loadings ** 2).sum(1)
        loadings *= np.sqrt(np.minimum(1.0, max_communality / np.maximum(new, 1e-12)))[:, None]
        new = (loadings ** 2).sum(1)
        if np.max(np.abs(new - h2)) < tol:
            break
        h2 = new
    # Orient each factor so most models load positively: the first then reads as "ability beats difficulty".
    signs = np.where(loadings.sum(0) < 0, -1.0, 1.0)
    return loadings * signs


@functools.lru_cache(maxsize=8)
def _encoder(n_features: int) -> np.ndarray:
    """The world's fixed orthonormal mixing ``A`` (n_features, K + T), read-only."""
    gauss = np.random.default_rng(_ENCODER_SEED).standard_normal((n_features, N_FACTORS + len(TASKS)))
    q, r = np.linalg.qr(gauss)
    mixing = q * np.sign(np.diag(r))  # makes the QR factor unique
    mixing.setflags(write=False)
    return mixing


# -- the simulator ------------------------------------------------------------------------------------------
def simulate(n_queries: int = 10_000, seed: int | np.random.Generator = 0, *, encoder_quality: float = 0.5,
             idiosyncratic: float = DEFAULT_IDIOSYNCRATIC, models: Sequence[str] | None = None,
             outcome_noise: bool = True, n_features: int = 32,
             task_mix: Mapping[str, float] | None = None) -> RoutingData:
    r"""Draw a RouterWorld dataset: ``n_queries`` queries answered by RouterBench's 11 models (or ``models``).

    Parameters
    ----------
    n_queries : int
        Number of queries (>= 1). Tasks are allocated in proportion to ``task_mix`` (largest remainder), then
        shuffled.
    seed : int or numpy Generator
        Every draw comes from ``np.random.default_rng(seed)``: the same seed gives identical arrays.
    encoder_quality : float in [0, 1]
        ``q``: the squared correlation between each latent trait (and the task) and its best linear read-out
        from ``features``. 0: features are pure noise; 1: features are the traits, rotated.
    idiosyncratic : float in [0, 1]
        ``rho``: the share of the query-specific structure that nothing about the query reveals. Observable
        statistics do not depend on it; the Bayes router's quality does (lower ``rho``, higher ceiling).
    models : sequence of str, optional
        A subset of :data:`MODELS`, in the order wanted (columns of the same world).
    outcome_noise : bool
        True: outcomes are draws, ``score_ij = 1[y*_ij > 0]``. False: ``score_ij = 1[truth_ij > 0.5]``,
        outcomes follow from the truth and the Bayes router reaches the oracle.
    n_features : int
        Width of ``features`` (at least ``K + 3 = 7``, the number of latent traits plus tasks).
    task_mix : mapping task -> weight, optional
        Relative task frequencies (default: RouterBench's mix, 46% ARC, 40% Winogrande, 14% MBPP). Tasks
        with weight 0 or left out are absent.

    Returns
    -------
    RoutingData
        ``scores`` (0/1), ``costs`` (USD), ``models``, ``tasks``, ``features`` (n, n_features), ``truth``
        (n, m) as defined in the module docstring, and ``meta`` with ``name="routerworld"`` and every
        parameter.
    """
    n_queries = _check_int("n_queries", n_queries, minimum=1)
    n_features = _check_int("n_features", n_features, minimum=N_FACTORS + len(TASKS))
    encoder_quality = _check_unit("encoder_quality", encoder_quality)
    idiosyncratic = _check_unit("idiosyncratic", idiosyncratic)
    if not isinstance(outcome_noise, (bool, np.bool_)):
        raise ValueError(f"outcome_noise must be True or False, got {outcome_noise!r}")
    if seed is None or not isinstance(seed, (Integral, np.random.Generator)) or isinstance(seed, bool):
        raise ValueError(f"seed must be an integer (or a numpy Generator) so the world is reproducible, "
                         f"got {seed!r}")
    cal = load_calibration()
    cols = _model_columns(models)
    shares = _task_shares(task_mix, cal)

    rng = np.random.default_rng(seed)
    # Fixed draw order, all models always (common random numbers: see the module docstring).
    counts = _allocate(n_queries, shares)
    task_idx = rng.permutation(np.repeat(np.arange(len(TASKS)), counts))
    visible = rng.standard_normal((n_queries, N_FACTORS))
    hidden = rng.standard_normal((n_queries, N_FACTORS))
    coin = rng.standard_normal((n_queries, len(MODELS)))
    prompt_z = rng.standard_normal(n_queries)
    answer_z = rng.standard_normal((n_queries, len(MODELS)))
    feature_noise = rng.standard_normal((n_queries, n_features))

    # Outcomes and truth.
    lam = cal.loadings[task_idx]                                   # (n, M, K)
    mu = ndtri(cal.accuracy)[task_idx]                             # (n, M)
    shown = mu + np.sqrt(1 - idiosyncratic) * np.einsum("nmk,nk->nm", lam, visible)
    communality = (lam ** 2).sum(-1)
    unseen_sd = np.sqrt(1 - (1 - idiosyncratic) * communality)     # sd of everything f does not carry
    truth = ndtr(shown / unseen_sd)
    if outcome_noise:
        latent = (shown + np.sqrt(idiosyncratic) * np.einsum("nmk,nk->nm", lam, hidden)
                  + np.sqrt(1 - communality) * coin)
        scores = (latent > 0).astype(float)
    else:
        scores = (shown > 0).astype(float)

    # Costs: tokens x price. Mean-one lognormal multipliers keep the calibrated means.
    p_sd = cal.prompt_logsd[task_idx]
    prompt_tokens = cal.prompt_tokens[task_idx] * np.exp(p_sd * prompt_z - p_sd ** 2 / 2)
    a_sd = cal.answer_logsd[task_idx][:, None]
    answer_tokens = cal.answer_tokens[task_idx] * np.exp(a_sd * answer_z - a_sd ** 2 / 2)
    costs = (prompt_tokens[:, None] * cal.price_in + answer_tokens * cal.price_out) / 1e6

    # Features: a rotated, blurred view of the visible traits and the task.
    traits = np.concatenate([visible, _TASK_SCALE * np.eye(len(TASKS))[task_idx]], axis=1)
    features = (np.sqrt(encoder_quality) * traits @ _encoder(n_features).T
                + np.sqrt(1 - encoder_quality) * feature_noise)

    meta = {
        "name": "routerworld",
        "n_queries": n_queries,
        "seed": int(seed) if isinstance(seed, Integral) else "generator",
        "encoder_quality": encoder_quality,
        "idiosyncratic": idiosyncratic,
        "outcome_noise": bool(outcome_noise),
        "n_features": n_features,
        "models": [MODELS[j] for j in cols],
        "task_mix": {t: float(s) for t, s in zip(TASKS, shares) if s > 0},
        "n_factors": N_FACTORS,
        "calibration": "RouterBench subset, 3,150 complete rows (data/README.md)",
    }
    return RoutingData(scores=scores[:, cols], costs=costs[:, cols], models=[MODELS[j] for j in cols],
                       tasks=np.asarray(TASKS, dtype=object)[task_idx], features=features,
                       truth=truth[:, cols], meta=meta)


def _check_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def _check_unit(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")
    return float(value)


def _model_columns(models: Sequence[str] | None) -> np.ndarray:
    if models is None:
        return np.arange(len(MODELS))
    if isinstance(models, str):
        raise ValueError(f"models must be a list of model names, not a single string: [{models!r}]?")
    names = list(models)
    unknown = [m for m in names if m not in MODELS]
    if unknown:
        raise ValueError(f"unknown model(s) {unknown}; RouterWorld has {list(MODELS)}")
    if len(set(names)) != len(names):
        raise ValueError(f"models lists a name twice: {names}")
    if len(names) < 2:
        raise ValueError(f"routing needs at least 2 models, got {names}")
    return np.array([MODELS.index(m) for m in names])


def _task_shares(task_mix: Mapping[str, float] | None, cal: Calibration) -> np.ndarray:
    if task_mix is None:
        return cal.task_share / cal.task_share.sum()
    if not isinstance(task_mix, Mapping):
        raise ValueError(f"task_mix must map task names to weights, e.g. {{'mbpp': 1.0}}, got {task_mix!r}")
    unknown = [t for t in task_mix if t not in TASKS]
    if unknown:
        raise ValueError(f"unknown task(s) {unknown}; RouterWorld has {list(TASKS)}")
    weights = np.array([task_mix.get(t, 0.0) for t in TASKS], dtype=float)
    if not np.all(np.isfinite(weights)) or (weights < 0).any() or weights.sum() <= 0:
        raise ValueError(f"task_mix weights must be finite, non-negative and not all zero, got {dict(task_mix)}")
    return weights / weights.sum()


def _allocate(n: int, shares: np.ndarray) -> np.ndarray:
    """Integer counts summing to ``n`` in proportion to ``shares`` (largest remainder), so the mix is exact."""
    raw = n * shares
    counts = np.floor(raw).astype(int)
    counts[np.argsort(-(raw - counts), kind="stable")[: n - counts.sum()]] += 1
    return counts


# -- measuring a routing dataset (for calibration and for checking the world against real data) -------------
def structure(data: RoutingData) -> dict[str, float | str]:
    """The structural facts RouterWorld is calibrated to, measured on any dataset with 0/1 scores.

    ``tie_rate``: share of queries where two or more models reach the query's best score (an all-fail query
    counts: every model ties at 0). ``oracle``: share some model solves. ``none_solved``, ``single_solver``:
    shares solved by no model and by exactly one. ``mean_phi``: mean pairwise phi correlation of the models'
    outcomes within a task, averaged over tasks weighted by their queries. ``best_model`` and
    ``best_quality``: the best single model overall.
    """
    s = data.scores
    best = s.max(axis=1)
    n_best = (s >= best[:, None] - 1e-12).sum(axis=1)
    solved_by = (s > 0.5).sum(axis=1)
    tasks = data.tasks if data.tasks is not None else np.zeros(len(data), dtype=object)
    phis, weights = [], []
    for task in np.unique(tasks):
        rows = s[tasks == task]
        phis.append(_mean_phi(rows))
        weights.append(len(rows))
    mean_acc = s.mean(axis=0)
    top = int(np.argmax(mean_acc))
    return {
        "n": len(data),
        "tie_rate": float((n_best >= 2).mean()),
        "oracle": float(best.mean()),
        "none_solved": float((solved_by == 0).mean()),
        "single_solver": float((solved_by == 1).mean()),
        "mean_phi": float(np.average(phis, weights=weights)),
        "best_model": data.models[top],
        "best_quality": float(mean_acc[top]),
    }


def _mean_phi(scores: np.ndarray) -> float:
    """Mean phi (Pearson on 0/1) over model pairs; pairs with a constant model are left out."""
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(scores.T)
    upper = corr[np.triu_indices(scores.shape[1], 1)]
    return float(np.nanmean(upper)) if np.isfinite(upper).any() else float("nan")


def calibration_tables(data: RoutingData) -> dict[str, pd.DataFrame]:
    """The per-task aggregates RouterWorld is calibrated to, from a dataset with tasks and 0/1 scores.

    Returns ``accuracy`` (task, model, n, accuracy, mean_cost_usd), ``pairs`` (task, model_a, model_b,
    both_correct, phi, tetrachoric) and ``structure`` (one row per task and one for "all", from
    :func:`structure`). ``data/routerworld_calibration.csv``, ``routerworld_pairs.csv`` and
    ``routerworld_structure.csv`` are these tables measured on the RouterBench subset.
    """
    if data.tasks is None:
        raise ValueError("calibration_tables needs task labels, and this dataset has none")
    acc_rows, pair_rows, struct_rows = [], [], []
    a_idx, b_idx = np.triu_indices(data.n_models, 1)
    for task in data.task_names:
        part = data[data.tasks == task]
        s = part.scores
        acc = s.mean(axis=0)
        for j, model in enumerate(data.models):
            acc_rows.append({"task": task, "model": model, "n": len(part), "accuracy": acc[j],
                             "mean_cost_usd": part.costs[:, j].mean()})
        both = (s.T @ s / len(s))[a_idx, b_idx]
        with np.errstate(invalid="ignore", divide="ignore"):
            phi = np.corrcoef(s.T)[a_idx, b_idx]
        tetra = tetrachoric(both, acc[a_idx], acc[b_idx])
        for k, (a, b) in enumerate(zip(a_idx, b_idx)):
            pair_rows.append({"task": task, "model_a": data.models[a], "model_b": data.models[b],
                              "both_correct": both[k], "phi": phi[k], "tetrachoric": tetra[k]})
        struct_rows.append({"scope": task, **structure(part)})
    struct_rows.append({"scope": "all", **structure(data)})
    return {"accuracy": pd.DataFrame(acc_rows), "pairs": pd.DataFrame(pair_rows),
            "structure": pd.DataFrame(struct_rows)}


def _bivariate_normal_cdf(h: np.ndarray, k: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """``P(X <= h, Y <= k)`` for standard normals with correlation ``rho``, via Owen's T (vectorised).

    Phi2(h, k; rho) = [Phi(h) + Phi(k)] / 2 - T(h, a_h) - T(k, a_k) - beta, with
    a_h = (k - rho h) / (h sqrt(1 - rho^2)), a_k = (h - rho k) / (k sqrt(1 - rho^2)),
    beta = 0 if h k > 0 (or h k = 0 and h + k >= 0), else 1/2.
    """
    # The formula divides by h and k; nudging an exact zero moves the result by far less than rounding.
    h = np.where(h == 0, 1e-10, h)
    k = np.where(k == 0, 1e-10, k)
    root = np.sqrt(1 - rho ** 2)
    beta = np.where(h * k > 0, 0.0, 0.5)
    return (0.5 * (ndtr(h) + ndtr(k)) - owens_t(h, (k - rho * h) / (h * root))
            - owens_t(k, (h - rho * k) / (k * root)) - beta)


def tetrachoric(both: np.ndarray, p_a: np.ndarray, p_b: np.ndarray, iterations: int = 60) -> np.ndarray:
    """Latent normal correlation that makes ``P(a and b succeed) = both`` given success rates ``p_a, p_b``.

    Solves ``Phi2(Phi^-1(p_a), Phi^-1(p_b); r) = both`` for ``r`` by bisection on [-0.9999, 0.9999]
    (the left side increases with ``r``). NaN where a success rate is 0 or 1 (no latent correlation).
    """
    both, p_a, p_b = (np.asarray(x, dtype=float) for x in (both, p_a, p_b))
    with np.errstate(divide="ignore"):
        h, k = ndtri(p_a), ndtri(p_b)
    defined = np.isfinite(h) & np.isfinite(k)
    h, k = np.where(defined, h, 0.0), np.where(defined, k, 0.0)
    lo = np.full(np.broadcast(both, h, k).shape, -0.9999)
    hi = np.full_like(lo, 0.9999)
    for _ in range(iterations):
        mid = (lo + hi) / 2
        below = _bivariate_normal_cdf(h, k, mid) < both
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return np.where(defined, (lo + hi) / 2, np.nan)
