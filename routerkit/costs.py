"""Costs known before the call: a call's price from its token counts and a price card.

A router decides before it calls a model, so it must estimate what the call will cost. The routers' default is
the model's mean training cost on the query's task (``Router.cost_estimate``). A provider bills tokens: the prompt's
(known before the call) at the input price, and the answer's (not known yet) at the output price. This module
builds that estimate: :func:`price_card` reads USD per 1M input and output tokens per model (by default the card
in routerkit's ``data/model_card.csv``: RouterBench's eleven models), :func:`count_tokens` approximates a prompt's
tokens from its length, :func:`call_costs` prices calls, and :class:`TokenCosts` learns each model's expected
answer length per task from training costs, so that ``TokenCosts().fit(train).estimate(data)`` is a per-call cost
known before the call. :class:`PricedRouter` routes a fitted router with such an estimate in place of its own.
"""
from __future__ import annotations

import math
import os
from typing import Any, Sequence

import numpy as np
import pandas as pd

from routerkit.data import RoutingData, _did_you_mean
from routerkit.decision import decide
from routerkit.evaluate import _follows_shared_rule
from routerkit.resources import resource_path

__all__ = ["price_card", "count_tokens", "call_costs", "TokenCosts", "PricedRouter", "CHARS_PER_TOKEN"]

PRICE_COLUMNS = ("usd_per_1m_input", "usd_per_1m_output")
# English text runs about four characters per token in the GPT and Claude tokenizers; the shipped card's prices
# were checked against RouterBench's recorded costs with this ratio (data/README.md)
CHARS_PER_TOKEN = 4.0


def price_card(path: str | os.PathLike | pd.DataFrame | None = None) -> pd.DataFrame:
    """USD per 1M input and output tokens per model: a DataFrame indexed by ``model`` with columns
    ``usd_per_1m_input`` and ``usd_per_1m_output``. ``path``: a CSV with a ``model`` column and those two, or
    such a DataFrame; default: the card shipped with routerkit (RouterBench's models and prices)."""
    if isinstance(path, pd.DataFrame):
        card = path.copy()
    else:
        source = resource_path("model_card.csv") if path is None else path
        try:
            card = pd.read_csv(source)
        except FileNotFoundError:
            raise FileNotFoundError(f"no price card at {str(source)!r}") from None
    if "model" in card.columns:
        card = card.set_index("model")
    missing = [c for c in PRICE_COLUMNS if c not in card.columns]
    if missing:
        raise ValueError(f"a price card needs the columns model, {', '.join(PRICE_COLUMNS)}; missing {missing}")
    prices = card[list(PRICE_COLUMNS)].apply(pd.to_numeric, errors="coerce")
    bad = ~np.isfinite(prices.to_numpy(float)) | (prices.to_numpy(float) < 0)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(f"price card: {PRICE_COLUMNS[col]} of {prices.index[row]!r} must be a finite number >= 0, "
                         f"got {card[PRICE_COLUMNS[col]].iloc[row]!r}")
    if prices.index.duplicated().any():
        raise ValueError(f"price card lists {prices.index[prices.index.duplicated()][0]!r} twice")
    prices.index = prices.index.astype(str)
    return prices


def count_tokens(prompts: Sequence[str], chars_per_token: float = CHARS_PER_TOKEN) -> np.ndarray:
    """Approximate tokens per prompt: characters / ``chars_per_token``, rounded up (at least 1). An estimate:
    a model's own tokenizer counts differently, and code or non-English text runs shorter per token."""
    if isinstance(prompts, str) or not isinstance(prompts, (list, tuple, np.ndarray, pd.Series)):
        raise ValueError(f"prompts must be a list of strings, got {type(prompts).__name__}")
    if not (isinstance(chars_per_token, (int, float)) and math.isfinite(chars_per_token) and chars_per_token > 0):
        raise ValueError(f"chars_per_token must be a number > 0, got {chars_per_token!r}")
    bad = next((k for k, p in enumerate(prompts) if not isinstance(p, str)), None)
    if bad is not None:
        raise ValueError(f"prompts must be strings; item {bad} is {type(prompts[bad]).__name__}")
    lengths = np.fromiter((len(p) for p in prompts), dtype=float, count=len(prompts))
    return np.maximum(1.0, np.ceil(lengths / chars_per_token))


def _prices(models: Sequence[str], card: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    unknown = [m for m in models if m not in card.index]
    if unknown:
        hint = _did_you_mean(unknown[0], list(card.index))
        raise ValueError(f"the price card has no price for {unknown[0]!r}"
                         + (f" (did you mean {hint!r}?)" if hint else "")
                         + f"; it lists {list(card.index)}. Give a card with every model (price_card(path))")
    rows = card.loc[list(models)]
    return rows[PRICE_COLUMNS[0]].to_numpy(float), rows[PRICE_COLUMNS[1]].to_numpy(float)


def call_costs(input_tokens, output_tokens, models: Sequence[str], card: pd.DataFrame | None = None) -> np.ndarray:
    """USD per call, shape (n, m): ``(input_tokens * input price + output_tokens * output price) / 1e6``.

    ``input_tokens``: (n,) per query (the same prompt to every model) or (n, m); ``output_tokens``: (n, m), (m,)
    per model, or one number; ``models``: the m model names, priced from ``card`` (default :func:`price_card`).
    """
    card = price_card() if card is None else price_card(card)
    p_in, p_out = _prices(list(models), card)
    m = len(p_in)
    tin = np.asarray(input_tokens, dtype=float)
    if tin.ndim == 1:
        tin = tin[:, None]
    tout = np.asarray(output_tokens, dtype=float)
    try:
        total = tin * p_in + np.broadcast_to(tout, np.broadcast_shapes(tout.shape, (tin.shape[0], m))) * p_out
    except ValueError:
        raise ValueError(f"token counts do not fit {m} models: input {np.shape(input_tokens)}, output "
                         f"{np.shape(output_tokens)} (input (n,) or (n, {m}); output (n, {m}), ({m},) or a number)") \
            from None
    if total.shape[1] != m or not np.isfinite(total).all() or (total < 0).any():
        raise ValueError("token counts must be finite and >= 0, one column per model")
    return total / 1e6


class TokenCosts:
    """A per-call cost estimate known before the call: the prompt's tokens (counted) at the input price, plus the
    model's expected answer tokens on the query's task (learned in ``fit``) at the output price.

    ``fit(train)`` recovers each training call's answer tokens from its recorded cost, ``(cost * 1e6 - prompt
    tokens * input price) / output price`` (0 where the prompt alone explains the cost), and keeps their mean per
    task and model, and per model over all tasks (for tasks not seen in training). ``estimate(data)`` needs
    ``data.prompts``. Learned attributes: ``models_``, ``output_tokens_`` (DataFrame tasks x models, with a row
    ``"*"`` for all tasks).
    """

    def __init__(self, card: pd.DataFrame | str | os.PathLike | None = None,
                 chars_per_token: float = CHARS_PER_TOKEN):
        self.card = card
        self.chars_per_token = chars_per_token

    def fit(self, train: RoutingData) -> "TokenCosts":
        if not isinstance(train, RoutingData):
            raise TypeError(f"train must be a RoutingData, got {type(train).__name__}")
        if train.prompts is None:
            raise ValueError("TokenCosts needs prompts: the prompt's length is the part of the cost known before "
                             "the call")
        self.card_ = price_card(self.card)
        p_in, p_out = _prices(list(train.models), self.card_)
        tin = count_tokens(list(train.prompts), self.chars_per_token)
        spent_on_output = train.costs * 1e6 - tin[:, None] * p_in
        out = np.divide(spent_on_output, p_out, out=np.zeros_like(spent_on_output), where=p_out > 0)
        out = pd.DataFrame(np.maximum(out, 0.0), columns=list(train.models))
        per_task = out.groupby(np.asarray(train.tasks, dtype=object)).mean() if train.tasks is not None \
            else out.iloc[:0]
        overall = out.mean().to_frame("*").T
        self.output_tokens_ = pd.concat([per_task, overall])
        self.models_ = list(train.models)
        return self

    def estimate(self, data: RoutingData) -> np.ndarray:
        """Per-call cost known before the call, shape (n, m), columns in ``data.models`` order."""
        if not hasattr(self, "output_tokens_"):
            raise ValueError("this TokenCosts is not fitted yet: call fit(train) first")
        if not isinstance(data, RoutingData):
            raise TypeError(f"data must be a RoutingData, got {type(data).__name__}")
        if list(data.models) != self.models_:
            raise ValueError(f"data's models {list(data.models)} differ from the ones fitted on {self.models_}")
        if data.prompts is None:
            raise ValueError("TokenCosts needs prompts to count their tokens, and this data has none")
        table = self.output_tokens_
        if data.tasks is None:
            rows = np.full(len(data), len(table) - 1)
        else:
            rows = table.index.get_indexer(np.asarray(data.tasks, dtype=object))
            rows = np.where(rows < 0, len(table) - 1, rows)
        tout = table.to_numpy(float)[rows]
        return call_costs(count_tokens(list(data.prompts), self.chars_per_token), tout, self.models_, self.card_)


class PricedRouter:
    """A fitted router routed with another cost estimate: its ``predict``, and ``costs.estimate(data)`` (e.g. a
    fitted :class:`TokenCosts`) in the shared rule ``argmax_j s_hat - lam * c_hat``. Works with
    :func:`routerkit.evaluate` and :func:`routerkit.calibrate` like any router. Only for routers that decide by
    the shared rule (score routers)."""

    def __init__(self, router: Any, costs: Any):
        if not (callable(getattr(router, "predict", None)) and callable(getattr(router, "cost_estimate", None))):
            raise TypeError(f"PricedRouter needs a score router (predict and cost_estimate), got "
                            f"{type(router).__name__}")
        if not _follows_shared_rule(router):
            raise TypeError(f"{getattr(router, 'name', type(router).__name__)!r} does not decide by the shared rule: "
                            f"its own decisions do not take a cost estimate")
        if not callable(getattr(costs, "estimate", None)):
            raise TypeError(f"costs must have estimate(data), e.g. a fitted TokenCosts; got {type(costs).__name__}")
        self.router, self.costs = router, costs
        self.name = f"{getattr(router, 'name', type(router).__name__)} (token costs)"
        self.models_, self.top_model_ = router.models_, router.top_model_

    def predict(self, data: RoutingData) -> np.ndarray:
        return self.router.predict(data)

    def cost_estimate(self, data: RoutingData) -> np.ndarray:
        return np.asarray(self.costs.estimate(data), dtype=float)

    def route(self, data: RoutingData, lam=0.0) -> np.ndarray:
        return decide(self.predict(data), self.cost_estimate(data), lam)
