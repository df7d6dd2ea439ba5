"""Per-model score regressors: predict each model's score from the query features, then decide.

- ``linear``: one logistic regression per model (0/1 scores), or one ridge regression (fractional scores).
- ``mlp``: one multi-output torch MLP, a sigmoid per model, trained with binary cross-entropy.
- ``gbdt``: one scikit-learn HistGradientBoosting model per model.
"""
from __future__ import annotations

import numpy as np
import torch
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, Ridge

from routerkit.routers import _torch as T
from routerkit.routers.base import FeatureRouter
from routerkit.routers.registry import register

__all__ = ["LinearRouter", "MLPRouter", "GBDTRouter"]


def _is_binary(scores: np.ndarray) -> bool:
    return bool(np.isin(scores, (0.0, 1.0)).all())


class _PerModel(FeatureRouter):
    """Fits ``self._estimator(binary)`` per model column; constant columns predict their constant."""

    def _fit(self, train, X):
        S = np.asarray(train.scores, dtype=float)
        self.binary_ = _is_binary(S)
        self.estimators_ = []
        for j in range(S.shape[1]):
            y = S[:, j]
            if np.ptp(y) == 0:
                self.estimators_.append(float(y[0]))
                continue
            est = self._estimator(self.binary_)
            est.fit(X, y.astype(int) if self.binary_ else y)
            self.estimators_.append(est)

    def _predict(self, data, X):
        out = np.empty((len(X), self.n_models_))
        for j, est in enumerate(self.estimators_):       # loop over models, vectorised over queries
            if isinstance(est, float):
                out[:, j] = est
            elif self.binary_:
                out[:, j] = est.predict_proba(X)[:, 1]
            else:
                out[:, j] = est.predict(X)
        return np.clip(out, 0.0, 1.0)


@register
class LinearRouter(_PerModel):
    """Per-model logistic regression (``C`` the inverse L2 strength) on the features; ridge regression
    (``alpha = 1 / C``) where scores are not 0/1."""

    name = "linear"

    def __init__(self, C: float = 1.0, features: str = "auto", encoder=None, task_onehot: bool = False,
                 random_state=0):
        self.C = C
        self.features = features
        self.encoder = encoder
        self.task_onehot = task_onehot
        self.random_state = random_state

    def _estimator(self, binary):
        if binary:
            return LogisticRegression(C=self.C, max_iter=500)
        return Ridge(alpha=1.0 / self.C)


@register
class GBDTRouter(_PerModel):
    """Per-model HistGradientBoosting classifier (0/1 scores) or regressor (fractional scores)."""

    name = "gbdt"

    def __init__(self, max_iter: int = 100, learning_rate: float = 0.1, max_leaf_nodes: int = 15,
                 l2_regularization: float = 1.0, features: str = "auto", encoder=None,
                 task_onehot: bool = False, random_state=0):
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.l2_regularization = l2_regularization
        self.features = features
        self.encoder = encoder
        self.task_onehot = task_onehot
        self.random_state = random_state

    def _estimator(self, binary):
        cls = HistGradientBoostingClassifier if binary else HistGradientBoostingRegressor
        return cls(max_iter=self.max_iter, learning_rate=self.learning_rate, max_leaf_nodes=self.max_leaf_nodes,
                   l2_regularization=self.l2_regularization, early_stopping=False,
                   random_state=self.random_state_)


@register
class MLPRouter(FeatureRouter):
    """One multi-output MLP: features -> hidden ReLU layers -> one logit per model; sigmoid gives s_hat.

    Trained with binary cross-entropy against the scores (fractional scores are soft targets), Adam,
    weight decay, ``epochs`` passes in minibatches; seeded by ``random_state`` (torch, CPU).
    """

    name = "mlp"

    def __init__(self, hidden=(128,), epochs: int = 20, batch_size: int = 256, lr: float = 1e-3,
                 weight_decay: float = 1e-4, dropout: float = 0.1, features: str = "auto", encoder=None,
                 task_onehot: bool = False, random_state=0):
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.features = features
        self.encoder = encoder
        self.task_onehot = task_onehot
        self.random_state = random_state

    def _fit(self, train, X):
        Xt, St = T.to_tensor(X), T.to_tensor(train.scores)
        with T.seeded(self.random_state_):
            self.net_ = T.train(self._new_module("net_"), Xt, St, torch.nn.BCEWithLogitsLoss(), epochs=self.epochs,
                                batch_size=self.batch_size, lr=self.lr, weight_decay=self.weight_decay,
                                seed=self.random_state_)

    def _new_module(self, name):
        return T.mlp(self._n_inputs(), self.hidden, self.n_models_, self.dropout)

    def _predict(self, data, X):
        return T.eval_batched(lambda x: torch.sigmoid(self.net_(x)), T.to_tensor(X))
