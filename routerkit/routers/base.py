"""The router protocol and the parts every router shares.

Protocol (scikit-learn's style)
-------------------------------
- ``__init__`` stores hyperparameters only, as given (``get_params``/``set_params``/``sklearn.clone`` work).
- ``fit(train) -> self`` learns; learned attributes end in ``_``:
  ``models_`` (model names seen in fit), ``top_model_`` / ``top_index_`` (best single model on the training
  data: highest mean score, ties to the cheaper mean cost), ``cost_table_`` (DataFrame tasks x models of the
  mean training cost, plus a row ``"*"`` with the per-model mean), ``random_state_`` (the integer seed
  resolved from ``random_state`` in ``fit``).
- ``predict(data) -> (n, m)``: the estimated score (or utility) per query and model.
- ``cost_estimate(data) -> (n, m)``: the cost known before the call, the model's mean cost on the task on the
  training set (per-model mean where the data has no tasks or the task was not seen in training).
- ``route(data, lam) -> (n,)`` (or ``(L, n)`` for an array of budgets): the chosen model index per query,
  for score-based routers ``decide(predict(data), cost_estimate(data), lam)``:
  ``argmax_j s_hat - lam * c_hat``, ties to the cheaper model (:func:`routerkit.decision.decide`).
- ``name``: the registry name.
- ``save(path)``: keep the fitted router in a file (:mod:`routerkit.routers.persist`; ``routerkit.routers.load``
  reads it back).

Every fit, predict and route runs with routerkit's thread limit (:mod:`routerkit.threads`).

Routers that read query features (``needs_features = True``) take them from ``data.features``, or, when the
data has prompts and no features, from a text encoder fitted on the training prompts
(:class:`routerkit.encoders.TfidfSVDEncoder` by default). Features are standardised with the training mean and
spread, and ``task_onehot=True`` appends a one-hot of the task (unseen tasks: all zeros). Routers that read the
prompt text itself (``needs_prompts = True``) need ``data.prompts``: features alone do not serve them.
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError

from routerkit.data import RoutingData
from routerkit.decision import decide
from routerkit.threads import limited

__all__ = ["Router", "FeatureRouter", "NotFittedError", "resolve_seed"]

ALL_TASKS = "*"


def resolve_seed(random_state) -> int:
    """An integer seed from ``random_state`` (int, numpy Generator, or None = fresh entropy)."""
    if random_state is None:
        return int(np.random.SeedSequence().entropy % (2 ** 31))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2 ** 31))
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    raise ValueError(f"random_state must be an int, a numpy Generator or None, got {random_state!r}")


def _check_routing_data(data, what: str) -> RoutingData:
    if not isinstance(data, RoutingData):
        raise TypeError(f"{what} must be a routerkit.RoutingData, got {type(data).__name__}")
    return data


class Router(BaseEstimator):
    """Base class of every router: model bookkeeping, the cost estimate, the decision rule, errors."""

    name: str = "router"
    needs_features: bool = False
    needs_prompts: bool = False
    uses_test_labels: bool = False

    # -- fit --------------------------------------------------------------------------------------------
    def fit(self, train: RoutingData) -> "Router":
        """Learn from ``train`` (a :class:`RoutingData`); returns ``self``."""
        train = _check_routing_data(train, "train")
        with limited():
            self._fit_common(train)
            X = self._fit_features(train) if self.needs_features else None
            self._fit(train, X)
        self.is_fitted_ = True
        return self

    def _fit_common(self, train: RoutingData) -> None:
        self.models_ = list(train.models)
        self.n_models_ = len(self.models_)
        self.random_state_ = resolve_seed(getattr(self, "random_state", 0))
        costs, scores = np.asarray(train.costs), np.asarray(train.scores)
        self.model_cost_ = costs.mean(axis=0)
        self.model_score_ = scores.mean(axis=0)
        rows = {}
        if train.tasks is not None:
            tasks = np.asarray(train.tasks)
            for t in train.task_names:
                rows[t] = costs[tasks == t].mean(axis=0)
        rows[ALL_TASKS] = self.model_cost_
        self.cost_table_ = pd.DataFrame.from_dict(rows, orient="index", columns=self.models_)
        # best single model: highest mean score, ties to the cheaper (then the lower index)
        order = np.lexsort((np.arange(self.n_models_), self.model_cost_, -self.model_score_))
        self.top_index_ = int(order[0])
        self.top_model_ = self.models_[self.top_index_]
        self.cheapest_index_ = int(np.lexsort((np.arange(self.n_models_), -self.model_score_,
                                               self.model_cost_))[0])

    def _fit(self, train: RoutingData, X: np.ndarray | None) -> None:
        """Family-specific learning (``X``: standardised features, or None if the router needs none)."""

    # -- checks -----------------------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not getattr(self, "is_fitted_", False):
            raise NotFittedError(f"this {type(self).__name__} ({self.name!r}) is not fitted yet: call "
                                 f"fit(train) before predict, cost_estimate or route")

    def _check_data(self, data) -> RoutingData:
        self._check_fitted()
        data = _check_routing_data(data, "data")
        if list(data.models) != self.models_:
            missing = [m for m in self.models_ if m not in data.models]
            extra = [m for m in data.models if m not in self.models_]
            if missing or extra:
                detail = (f"missing {missing}" if missing else "") + ("; " if missing and extra else "") + \
                         (f"not seen in training {extra}" if extra else "")
            else:
                detail = f"same models in a different order: {list(data.models)} vs {self.models_}"
            raise ValueError(f"data's models differ from the models this router was trained on: {detail}")
        return data

    # -- the protocol -----------------------------------------------------------------------------------
    def cost_estimate(self, data: RoutingData) -> np.ndarray:
        """Cost known before the call: the model's mean training cost on the query's task (n, m)."""
        data = self._check_data(data)
        table = self.cost_table_.to_numpy()
        if data.tasks is None:
            row = np.full(len(data), len(table) - 1)
        else:
            row = self.cost_table_.index.get_indexer(np.asarray(data.tasks, dtype=object))
            row = np.where(row < 0, len(table) - 1, row)
        return table[row]

    def predict(self, data: RoutingData) -> np.ndarray:
        """Estimated score (or utility) per query and model, shape (n, m)."""
        data = self._check_data(data)
        with limited():
            X = self._features(data) if self.needs_features else None
            return np.asarray(self._predict(data, X), dtype=float)

    def _predict(self, data: RoutingData, X: np.ndarray | None) -> np.ndarray:
        raise NotImplementedError

    def route(self, data: RoutingData, lam=0.0) -> np.ndarray:
        """Chosen model index per query: ``argmax_j predict - lam * cost_estimate``, ties to the cheaper.

        ``lam`` a number: shape (n,); an array of L budgets: shape (L, n).
        """
        with limited():
            return decide(self.predict(data), self.cost_estimate(data), lam)

    def route_prompts(self, prompts, lam=0.0, tasks=None) -> np.ndarray:
        """Route new prompts as they come: the chosen model index per prompt, no RoutingData to build.

        ``prompts``: a list of strings; ``tasks`` (optional, one per prompt): the task each belongs to, where the
        router learned per-task trends or costs (an unknown or missing task falls back on the average over all).
        A router that reads the query must have been fitted on prompts (its encoder, fitted then, reads these);
        one fitted on ``data.features`` cannot read text. ``lam`` as in :meth:`route`.
        """
        self._check_fitted()
        if self.uses_test_labels:
            raise ValueError(f"{self.name!r} reads each query's scores, which new prompts do not have yet: it is an "
                             f"upper bound for analysis, not a router for new prompts")
        if isinstance(prompts, str) or not isinstance(prompts, (list, tuple, np.ndarray, pd.Series)):
            raise ValueError(f"prompts must be a list of strings, got {type(prompts).__name__}")
        prompts = list(prompts)
        bad = next((k for k, p in enumerate(prompts) if not isinstance(p, str)), None)
        if not prompts or bad is not None:
            raise ValueError("prompts must be a non-empty list of strings"
                             + (f"; item {bad} is {type(prompts[bad]).__name__}" if bad is not None else ""))
        if tasks is not None:
            tasks = [str(t) for t in tasks]
            if len(tasks) != len(prompts):
                raise ValueError(f"{len(tasks)} tasks for {len(prompts)} prompts: give one task per prompt, or none")
        if self.needs_features and self.feature_source_ != "prompts":
            raise ValueError(f"{self.name!r} was fitted on data.features, not on prompts, so it cannot read text: "
                             f"fit it on data with prompts (features='prompts') to route raw prompts")
        learned = [t for t in self.cost_table_.index if t != ALL_TASKS]
        if learned and tasks is None:
            warnings.warn(f"{self.name!r} learned its cost estimates per task ({len(learned)} tasks) and no tasks= were "
                          f"given: every prompt is priced as an average query, so the routing differs from the one "
                          f"on data with tasks (pass tasks=)", UserWarning, stacklevel=2)
        elif learned:
            unseen = sorted(set(tasks) - set(learned))
            if unseen:
                warnings.warn(f"tasks not seen in training fall back on the average over all tasks: {unseen[:5]}"
                              + (" ..." if len(unseen) > 5 else ""), UserWarning, stacklevel=2)
        n, m = len(prompts), len(self.models_)
        # scores and costs are what the router does not know before the call: placeholders it never reads
        data = RoutingData(scores=np.zeros((n, m)), costs=np.zeros((n, m)), models=list(self.models_),
                           tasks=tasks, prompts=prompts)
        return self.route(data, lam)

    # -- keeping a fitted router -------------------------------------------------------------------------
    def save(self, path):
        """Write this fitted router, with its encoder, to ``path``; read it back with ``routerkit.routers.load``.

        The file is a zip of JSON, numpy arrays and skops files (no pickle); it records the routerkit version
        and is refused by another version. Returns the path.
        """
        from routerkit.routers.persist import save
        return save(self, path)

    # -- features ---------------------------------------------------------------------------------------
    def _fit_features(self, train: RoutingData) -> np.ndarray:
        source = getattr(self, "features", "auto")
        if source not in ("auto", "features", "prompts"):
            raise ValueError(f"features must be 'auto', 'features' or 'prompts', got {source!r}")
        if source == "auto":
            source = "features" if train.features is not None else "prompts"
        if source == "features" and train.features is None:
            raise ValueError(f"{self.name!r} needs query features, and the training data has none")
        if source == "prompts":
            if train.prompts is None:
                raise ValueError(f"{self.name!r} needs query features or prompts to encode, and the "
                                 f"training data has neither")
            encoder = getattr(self, "encoder", None)
            if encoder is None:
                from routerkit.encoders import TfidfSVDEncoder
                encoder = TfidfSVDEncoder(n_components=128, random_state=self.random_state_)
            else:
                encoder = clone(encoder)
            # fit_transform where the encoder has one: the training prompts are encoded once, not twice
            if callable(getattr(encoder, "fit_transform", None)):
                raw = encoder.fit_transform(train.prompts)
            else:
                raw = encoder.fit(train.prompts).transform(train.prompts)
            raw = np.asarray(raw, dtype=float)
            self.encoder_ = encoder
        self.feature_source_ = source
        if source == "features":
            raw = self._raw_features(train)
        self.feature_mean_ = raw.mean(axis=0)
        sd = raw.std(axis=0)
        self.feature_scale_ = np.where(sd > 1e-12, sd, 1.0)
        self.task_levels_ = list(train.task_names) if getattr(self, "task_onehot", False) else []
        return self._finish_features(train, raw)

    def _raw_features(self, data: RoutingData) -> np.ndarray:
        if self.feature_source_ == "features":
            if data.features is None:
                raise ValueError(f"{self.name!r} was trained on data.features, and this data has none")
            return np.asarray(data.features, dtype=float)
        if data.prompts is None:
            raise ValueError(f"{self.name!r} was trained on encoded prompts, and this data has no prompts")
        return np.asarray(self.encoder_.transform(data.prompts), dtype=float)

    def _finish_features(self, data: RoutingData, raw: np.ndarray) -> np.ndarray:
        X = (raw - self.feature_mean_) / self.feature_scale_
        if self.task_levels_:
            onehot = np.zeros((len(data), len(self.task_levels_)))
            if data.tasks is not None:
                col = pd.Index(self.task_levels_).get_indexer(np.asarray(data.tasks, dtype=object))
                hit = col >= 0
                onehot[np.flatnonzero(hit), col[hit]] = 1.0
            X = np.hstack([X, onehot])
        return X

    def _features(self, data: RoutingData) -> np.ndarray:
        raw = self._raw_features(data)
        if raw.shape[1] != len(self.feature_mean_):
            raise ValueError(f"features have {raw.shape[1]} columns, the router was trained on "
                             f"{len(self.feature_mean_)}")
        return self._finish_features(data, raw)


class FeatureRouter(Router):
    """A router that reads query features (see the module docstring for where they come from)."""

    needs_features = True

    def _n_inputs(self) -> int:
        """Width of the features the router's own model reads: the standardised features and the task one-hot."""
        return len(self.feature_mean_) + len(self.task_levels_)
