"""Matrix-factorisation router (RouteLLM style): s_hat[i, j] = sigmoid(<P x_i, v_j> + b_j).

The query embedding ``P x_i`` is a learned linear projection of the features to ``dim`` dimensions, ``v_j`` a
learned embedding of model ``j`` and ``b_j`` its bias: a low-rank bilinear model of the score matrix that
generalises to new queries through their features. Trained with binary cross-entropy (torch, CPU, seeded).
"""
from __future__ import annotations

import numpy as np
import torch

from routerkit.routers import _torch as T
from routerkit.routers.base import FeatureRouter
from routerkit.routers.registry import register

__all__ = ["MFRouter"]


class _MF(torch.nn.Module):
    def __init__(self, d_in: int, m: int, dim: int):
        super().__init__()
        self.proj = torch.nn.Linear(d_in, dim, bias=False)
        self.model_emb = torch.nn.Parameter(torch.randn(m, dim) * 0.1)
        self.model_bias = torch.nn.Parameter(torch.zeros(m))

    def forward(self, x):
        return self.proj(x) @ self.model_emb.T + self.model_bias


@register
class MFRouter(FeatureRouter):
    """Matrix factorisation: query embedding from features x learned model embedding (see module doc)."""

    name = "mf"

    def __init__(self, dim: int = 32, epochs: int = 20, batch_size: int = 256, lr: float = 3e-3,
                 weight_decay: float = 1e-4, features: str = "auto", encoder=None, task_onehot: bool = False,
                 random_state=0):
        self.dim = dim
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
            net = self._new_module("net_")
            # start the biases at the models' mean logit: the embedding only has to learn the deviations
            p = np.clip(self.model_score_, 1e-3, 1 - 1e-3)
            net.model_bias.data = torch.as_tensor(np.log(p / (1 - p)), dtype=torch.float32)
            self.net_ = T.train(net, Xt, St, torch.nn.BCEWithLogitsLoss(), epochs=self.epochs,
                                batch_size=self.batch_size, lr=self.lr, weight_decay=self.weight_decay,
                                seed=self.random_state_)

    def _new_module(self, name):
        return _MF(self._n_inputs(), self.n_models_, int(self.dim))

    def _predict(self, data, X):
        return T.eval_batched(lambda x: torch.sigmoid(self.net_(x)), T.to_tensor(X))
