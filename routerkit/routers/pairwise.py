"""Pairwise Bradley-Terry router: learn which model beats which on a query, then rank by strength.

A network maps the query features to a strength ``r_j(x)`` per model, with

    P(model a beats model b | x) = sigmoid(r_a(x) - r_b(x))     (Bradley-Terry)

trained by logistic loss on every training pair of models whose scores on the query differ (the better
score wins; quality-tied pairs carry no information here and are skipped), averaged per query.

Strengths are defined only up to a per-query shift, and the decision ``s_hat - lam * c_hat`` needs them in
score units. So ``s_hat = sigmoid(a * (r_j - mean_k r_k) + b)`` with ``a, b`` fitted once on the training
scores (a logistic calibration of the centred strength): this keeps each query's BT order (``a > 0``) and puts
the numbers on the score scale so ``lam`` trades them against USD. Per-query difficulty (the shift) is not
identifiable from pairs; the calibration uses the population's average.
"""
from __future__ import annotations

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression

from routerkit.routers import _torch as T
from routerkit.routers.base import FeatureRouter
from routerkit.routers.registry import register

__all__ = ["PairwiseRouter", "pair_loss"]


def pair_loss(pred: torch.Tensor, win: torch.Tensor) -> torch.Tensor:
    """Mean over queries of the per-query average logistic loss ``softplus(-(pred_a - pred_b))`` over the
    ordered pairs (a, b) with ``win[q, a, b] > 0`` (weighted by ``win``; divided by the number of such pairs
    in the query; queries without pairs contribute 0)."""
    diff = pred[:, :, None] - pred[:, None, :]
    loss = torch.nn.functional.softplus(-diff) * win
    count = (win > 0).sum(dim=(1, 2)).clamp(min=1)
    return (loss.sum(dim=(1, 2)) / count).mean()


@register
class PairwiseRouter(FeatureRouter):
    """Bradley-Terry strengths from features (torch MLP), calibrated to score units (see module doc)."""

    name = "pairwise"

    def __init__(self, hidden=(128,), epochs: int = 20, batch_size: int = 256, lr: float = 1e-3,
                 weight_decay: float = 1e-4, features: str = "auto", encoder=None, task_onehot: bool = False,
                 random_state=0):
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.features = features
        self.encoder = encoder
        self.task_onehot = task_onehot
        self.random_state = random_state

    def _fit(self, train, X):
        Xt, St = T.to_tensor(X), T.to_tensor(train.scores)
        with T.seeded(self.random_state_):
            # a pair (j, k) counts where model j scored strictly higher than model k on the query
            self.net_ = T.train(self._new_module("net_"), Xt, St,
                                lambda out, s: pair_loss(out, (s[:, :, None] > s[:, None, :]).float()),
                                epochs=self.epochs, batch_size=self.batch_size, lr=self.lr,
                                weight_decay=self.weight_decay, seed=self.random_state_)
        r = self._strength(X).ravel()
        y = np.asarray(train.scores, dtype=float).ravel()
        # logistic calibration with fractional targets: each cell as a weighted positive and negative
        cal = LogisticRegression(C=1e6, max_iter=200)
        cal.fit(np.r_[r, r][:, None], np.r_[np.ones_like(y), np.zeros_like(y)], sample_weight=np.r_[y, 1 - y])
        self.calibration_ = (float(cal.coef_[0, 0]), float(cal.intercept_[0]))

    def _new_module(self, name):
        return T.mlp(self._n_inputs(), self.hidden, self.n_models_)

    def _strength(self, X):
        r = T.eval_batched(self.net_, T.to_tensor(X))
        return r - r.mean(axis=1, keepdims=True)

    def strength(self, data) -> np.ndarray:
        """Centred Bradley-Terry strengths ``r_j - mean_k r_k`` (n, m)."""
        data = self._check_data(data)
        return self._strength(self._features(data))

    def _predict(self, data, X):
        a, b = self.calibration_
        return 1.0 / (1.0 + np.exp(-(a * self._strength(X) + b)))
