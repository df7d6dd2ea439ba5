r"""The decision-aware ranking router: learn the order of models per query at every budget, not their scores.

Why it targets the decision
---------------------------
A score router fits ``s_hat`` to each model's score and then takes ``argmax_j s_hat - lam * c_hat``. The fit
rewards small score errors, but the decision only depends on the ORDER of ``s_hat - lam * c_hat`` across
models, and on most queries several models tie in quality: there, a tiny error flips the order and the
expensive model wins as often as the cheap one ("routing collapse"). This router is trained on the order
itself. For a training query, at budget ``lam``, the true utility of model ``j`` is

    u_j(lam) = s_j - lam * c_j

with ``c_j`` the cost ESTIMATE known before the call (the model's mean training cost on the task, the same
``c_hat`` the score routers decide with). We use the estimate, not the realised cost, because the router is
judged on the decision it can make before the call: realised costs add per-call length noise that no query
feature can anticipate, and pairs flipped only by that noise would teach the network to chase it.

The loss. For every ordered pair (j, k) of models on the query:
- scores differ: ``j`` should rank above ``k`` iff ``u_j > u_k``: logistic loss ``softplus(-(f_j - f_k))``,
  weight 1;
- scores tie (``s_j == s_k``): the cheaper model should rank above, with weight ``alpha``.
Per query the weighted sum is divided by the number of such pairs (so ``alpha`` keeps its meaning on queries
where every model ties), then averaged over the batch. Each batch draws one budget: ``lam = 0`` with
probability ``p_zero``, otherwise log-uniform over the data's budget range ``[lam_lo_, lam_hi_]`` (the range
where the per-task mean scores' decisions change, :func:`routerkit.decision.lam_grid` on the training data).
The network sees the budget: a trunk MLP embeds the query, and FiLM conditioning scales and shifts that
embedding by a function of ``(1[lam > 0], scaled log lam)``, so ONE trained model serves every budget.

``predict(data)`` returns the predicted utilities at ``lam = 0``; ``route(data, lam)`` evaluates the network
at ``lam`` and takes the argmax (exact ties to the cheaper ``c_hat``).

What ``alpha`` trades
---------------------
Quality ties dominate real routing data (on RouterBench two or more models reach the best score on ~98% of
queries). At full tie weight (``alpha = 1``) the cheapest model "beats" the top model on every query both
solve, which is most of them: the router learns to rank the cheapest model first almost everywhere and at
``lam = 0`` sends almost nothing to the top model, falling below random mixing. At ``alpha = 0`` tied pairs are
ignored and at ``lam = 0`` it learns P(j solves and k fails) vs the reverse, i.e. the score routers' order:
the top model's share is high again (collapse returns). ``alpha`` in between moves between the two.

Default ``alpha = 0.003``: chosen by validation on a split of the TRAINING data only (never the test set),
with ``bench/tune_ranking_alpha.py``: on RouterWorld (defaults, 10,000 queries, 70/30 split, seeds 0-2) and on
the RouterBench subset (predefined train part, TF-IDF-SVD + task one-hot), the training part split again
80/20; candidates {0, 0.003, 0.01, 0.03, 0.1, 0.3, 1}; criterion mean validation AIQ over both datasets and
seeds. Measured (validation AIQ world / RouterBench; top-model share at lam = 0):
0: 0.791 / 0.791 (0.70 / 0.76); 0.003: 0.794 / 0.788 (0.73 / 0.70); 0.01: 0.792 / 0.788 (0.68 / 0.66);
0.03: 0.790 / 0.787 (0.49 / 0.51); 0.1: 0.763 / 0.764 (0.16 / 0.22); 0.3: 0.712 / 0.694 (0.00 / 0.03);
1: 0.657 / 0.637 (0 / 0). AIQ is flat (within seed noise, ~0.01) from 0 to 0.03 and falls beyond; 0.003 had
the best mean. Inside that flat range ``alpha`` mostly moves the top-model share, not AIQ.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from routerkit.decision import check_lams, decide, lam_grid
from routerkit.routers import _torch as T
from routerkit.routers.base import FeatureRouter
from routerkit.routers.pairwise import pair_loss
from routerkit.routers.registry import register

__all__ = ["RankingRouter", "ranking_targets"]


def ranking_targets(S: torch.Tensor, C: torch.Tensor, lam: float, alpha: float) -> torch.Tensor:
    """Pair weights ``win[q, j, k]`` (> 0 where j should rank above k) at budget ``lam`` (see module doc)."""
    U = S - lam * C
    qdiff = S[:, :, None] != S[:, None, :]
    better = (U[:, :, None] > U[:, None, :]) & qdiff
    cheaper = (C[:, :, None] < C[:, None, :]) & ~qdiff
    return better.float() + float(alpha) * cheaper.float()


class _FiLMRanker(torch.nn.Module):
    def __init__(self, d_in: int, m: int, hidden: int):
        super().__init__()
        self.trunk = torch.nn.Sequential(torch.nn.Linear(d_in, hidden), torch.nn.ReLU(),
                                         torch.nn.Linear(hidden, hidden))
        self.film = torch.nn.Sequential(torch.nn.Linear(2, hidden), torch.nn.ReLU(),
                                        torch.nn.Linear(hidden, 2 * hidden))
        self.head = torch.nn.Linear(hidden, m)
        torch.nn.init.zeros_(self.film[-1].weight)
        torch.nn.init.zeros_(self.film[-1].bias)

    def forward(self, x, z):
        h = self.trunk(x)
        gamma, beta = self.film(z).chunk(2, dim=-1)
        return self.head(torch.relu(h * (1 + gamma) + beta))


@register
class RankingRouter(FeatureRouter):
    """Decision-aware, budget-conditioned pairwise ranking router (torch). See the module docstring."""

    name = "ranking"

    def __init__(self, alpha: float = 0.003, hidden: int = 128, epochs: int = 30, batch_size: int = 256,
                 lr: float = 1e-3, weight_decay: float = 1e-4, p_zero: float = 0.25, features: str = "auto",
                 encoder=None, task_onehot: bool = False, random_state=0):
        self.alpha = alpha
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.p_zero = p_zero
        self.features = features
        self.encoder = encoder
        self.task_onehot = task_onehot
        self.random_state = random_state

    def _budget_range(self, train) -> tuple[float, float]:
        S = np.asarray(train.scores, dtype=float)
        C = self._train_c
        if train.tasks is not None:
            idx = pd.Index(train.task_names).get_indexer(np.asarray(train.tasks, dtype=object))
            sums = np.zeros((len(train.task_names), S.shape[1]))
            np.add.at(sums, idx, S)
            trend = (sums / np.bincount(idx)[:, None])[idx]
        else:
            trend = np.broadcast_to(S.mean(axis=0), S.shape)
        grid = lam_grid(trend, C, n=3, max_ratio=1e4)
        if len(grid) < 3:   # no decision ever changes: any positive range will do
            hi = float(grid[-1]) if grid[-1] > 0 else 1.0 / max(float(C.max()), 1e-12)
            return hi / 1e3, hi
        return float(grid[1]), float(grid[2])

    def _z(self, lam: float, n: int) -> torch.Tensor:
        if lam <= 0:
            z = (0.0, 0.0)
        else:
            t = (np.log(lam) - np.log(self.lam_lo_)) / (np.log(self.lam_hi_) - np.log(self.lam_lo_))
            z = (1.0, float(np.clip(t, 0.0, 1.0)))
        return torch.tensor(z, dtype=torch.float32).expand(n, 2)

    def _fit(self, train, X):
        if not 0 <= float(self.alpha) <= 1:
            raise ValueError(f"alpha must be in [0, 1], got {self.alpha}")
        self.is_fitted_ = True          # cost_estimate is usable from here on
        self._train_c = self.cost_estimate(train)
        self.lam_lo_, self.lam_hi_ = self._budget_range(train)
        Xt, St, Ct = T.to_tensor(X), T.to_tensor(train.scores), T.to_tensor(self._train_c)
        rng = np.random.default_rng(self.random_state_)
        log_lo, log_hi = np.log(self.lam_lo_), np.log(self.lam_hi_)
        with T.seeded(self.random_state_):
            net = _FiLMRanker(X.shape[1], self.n_models_, int(self.hidden))
            gen = torch.Generator().manual_seed(self.random_state_)
            opt = torch.optim.Adam(net.parameters(), lr=self.lr, weight_decay=self.weight_decay)
            for idx in T.minibatches(len(Xt), self.batch_size, self.epochs, gen):
                lam = 0.0 if rng.random() < self.p_zero else float(np.exp(rng.uniform(log_lo, log_hi)))
                win = ranking_targets(St[idx], Ct[idx], lam, self.alpha)
                opt.zero_grad()
                pair_loss(net(Xt[idx], self._z(lam, len(idx))), win).backward()
                opt.step()
        del self._train_c
        self.net_ = net.eval()

    def utility(self, data, lam=0.0) -> np.ndarray:
        """Predicted utilities at budget ``lam`` (a number): shape (n, m); only their order per query matters."""
        data = self._check_data(data)
        return self._utility(self._features(data), float(lam))

    def _utility(self, X, lam):
        Xt = T.to_tensor(X)
        return T.eval_batched(lambda x: self.net_(x, self._z(lam, len(x))), Xt)

    def _predict(self, data, X):
        return self._utility(X, 0.0)

    def route(self, data, lam=0.0):
        data = self._check_data(data)
        lams, scalar = check_lams(lam)
        X, c_hat = self._features(data), self.cost_estimate(data)
        out = np.stack([decide(self._utility(X, float(l)), c_hat, 0.0) for l in lams])  # loop over budgets
        return out[0] if scalar else out
