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
``c_hat`` the score routers decide with): the router is judged on the decision it can make before the call,
and realised costs add per-call length noise that no query feature can anticipate.

The loss
--------
A pairwise logistic loss ``softplus(-(f_j - f_k) / temperature)`` on ordered pairs, weighted by
:func:`ranking_targets`. ``tie_mode="constant"`` (default): pairs whose scores differ weigh 1 (``j`` above
``k`` iff ``u_j > u_k``), quality-tied pairs weigh ``alpha`` for the cheaper model, and each query's sum is
divided by its number of such pairs (:func:`routerkit.routers.pairwise.pair_loss`). ``tie_mode="budget"``:
every pair weighs its utility gap ``u_j - u_k > 0`` (a tied pair's gap is ``alpha * lam * |c_j - c_k|``, so at
``lam = 0`` a tie carries no preference), without per-query normalisation; with ``alpha = 1`` its population
minimiser orders models by ``E[u_j - u_k | x, lam]``, the Bayes decision.

Quality ties dominate real routing data (on RouterBench two or more models reach the best score on ~98% of
queries), so ``alpha`` decides what the router learns: at ``alpha = 1`` (constant ties) the cheapest model
"beats" the top model on every query both solve and the router collapses onto cheap models; at ``alpha = 0``
it learns the score routers' order, and their collapse. Notebook 05 derives the switch point.

Each training query gets its OWN budget: ``lam = 0`` with probability ``p_zero``, otherwise log-uniform over
``[lam_lo_, lam_hi_]``, the range where the per-task mean scores' decisions change
(:func:`routerkit.decision.lam_grid` on the training data), so one batch teaches many budgets.

The budget head (``head``)
--------------------------
- ``"linear"`` (default): ``f_j(x, lam) = g_j(x) - lam * c_hat_j``. The decision at every budget is the shared
  rule ``argmax g - lam * c_hat`` on ``predict = g`` (so :func:`routerkit.evaluate.evaluate` sweeps it like a
  score router, over budgets spanning the range where its own decisions change). ``score_weight`` adds ``score_weight * mean((g - s)^2)``, an anchor
  that keeps ``g`` in score units (large: an MSE score router; 0: a pure ranking loss).
- ``"film"``: a trunk embeds the query and a small network turns the budget code ``(1[lam > 0], scaled log
  lam)`` into a scale and shift of that embedding (FiLM). It must LEARN how decisions move with the budget,
  which takes far more data than a few thousand queries (on RouterBench its top-model share at lam = 0 swung
  from ~0 to ~1 across seeds). ``RankingRouter(**LEGACY)`` is the original formulation with it (one budget per
  batch, 30 epochs, constant learning rate, no validation split): notebook 05 builds it by hand.

Training: a plan of ``epochs`` passes (raised to ``min_steps``, capped at ``max_steps`` Adam steps), cosine learning-rate
decay, weight decay and dropout, and early stopping on a held-out ``val_fraction`` of the TRAINING data (its
loss at lam = 0 and 4 budgets, checked every epoch; the best checkpoint is kept), which can end training
before the plan (and before the learning rate has decayed). On the RouterBench subset the
held-out loss of every formulation was lowest after 2-5 epochs: more steps only overfit.

Default and what it achieves
----------------------------
``tie_mode="constant", alpha=0.03, head="linear", temperature=0.1, score_weight=1.0, weight_decay=1e-2,
dropout=0.2``, chosen by validation on TRAINING data only (``bench/tune_ranking.py``: RouterWorld and the
RouterBench subset, each training part split again 80/20, seeds 0-2; best mean validation AIQ, cost at the top
model's quality breaking near-ties). The linear-head pairwise variants all sit within seed noise of each other
(validation AIQ 0.837-0.845, level with task_best); the FiLM head (0.73-0.83) and a listwise loss (0.61-0.66)
were clearly worse, and an expected-utility loss came 0.013 below (those two losses live on in
bench/ranking_variants.py). On the test parts the
default lands inside the plateau, level with the score routers, and reaches the top model's quality, but not
more cheaply than the best score-based router: bench/RESULTS.md has the measurements on every real data set.
"""
from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import torch

from routerkit.decision import check_lams, decide, lam_grid
from routerkit.routers import _torch as T
from routerkit.routers.base import FeatureRouter
from routerkit.routers.pairwise import pair_loss
from routerkit.routers.registry import register
from routerkit.threads import limited

__all__ = ["RankingRouter", "ranking_targets", "LEGACY", "TIE_MODES", "HEADS"]

TIE_MODES = ("constant", "budget")
HEADS = ("film", "linear")
# the original formulation and training loop (one budget per batch, fixed epochs, constant learning rate, no
# validation split): ``RankingRouter(**LEGACY)`` reproduces the router of notebook 05's hand-built loop exactly
LEGACY = dict(tie_mode="constant", head="film", temperature=1.0, score_weight=0.0, hidden=128,
              dropout=0.0, epochs=30, min_steps=0, max_steps=None, batch_size=256, lr=1e-3, weight_decay=1e-4,
              p_zero=0.25, lam_sampling="batch", schedule="constant", val_fraction=0.0)


def _lam_column(lam, n: int) -> torch.Tensor:
    """``lam`` (a number, or one budget per query) as an (n, 1, 1) float tensor."""
    lam_t = torch.as_tensor(lam, dtype=torch.float32)
    return lam_t.reshape(-1, 1, 1).expand(n, 1, 1) if lam_t.numel() == 1 else lam_t.reshape(n, 1, 1)


def ranking_targets(S: torch.Tensor, C: torch.Tensor, lam, alpha: float,
                    tie_mode: str = "constant") -> torch.Tensor:
    """Pair weights ``win[q, j, k]`` (> 0 where j should rank above k) at budget ``lam`` (see module doc).

    ``lam``: one budget (a number) or one per query (shape (n,)). ``tie_mode="constant"`` (the original
    rule): a pair whose scores differ weighs 1, a quality-tied pair weighs ``alpha`` (cheaper above).
    ``tie_mode="budget"``: every pair weighs its utility gap ``u_j - u_k`` (score pairs ``|s_j - s_k| -
    lam * (c_j - c_k)``; quality-tied pairs ``alpha * lam * (c_k - c_j)``, so 0 at ``lam = 0``).
    """
    if tie_mode not in TIE_MODES:
        raise ValueError(f"tie_mode must be one of {TIE_MODES}, got {tie_mode!r}")
    lam3 = _lam_column(lam, S.shape[0])
    U = S - lam3[:, :, 0] * C
    qdiff = S[:, :, None] != S[:, None, :]
    better = (U[:, :, None] > U[:, None, :]) & qdiff
    dc = C[:, None, :] - C[:, :, None]              # c_k - c_j: > 0 where j is cheaper
    cheaper = (dc > 0) & ~qdiff
    if tie_mode == "constant":
        return better.float() + float(alpha) * cheaper.float()
    # "budget": every pair weighs its utility gap; a quality-tied pair's gap is lam * (c_k - c_j)
    gap = U[:, :, None] - U[:, None, :]
    return torch.clamp(gap, min=0.0) * better.float() + float(alpha) * torch.clamp(lam3 * dc, min=0.0) * cheaper.float()


class _FiLMRanker(torch.nn.Module):
    def __init__(self, d_in: int, m: int, hidden: int, dropout: float = 0.0, zero_head: bool = False):
        # zero_head: every model starts level (for losses whose softmax would saturate on a random early lead)
        super().__init__()
        self.trunk = torch.nn.Sequential(torch.nn.Linear(d_in, hidden), torch.nn.ReLU(),
                                         torch.nn.Dropout(dropout), torch.nn.Linear(hidden, hidden))
        self.film = torch.nn.Sequential(torch.nn.Linear(2, hidden), torch.nn.ReLU(),
                                        torch.nn.Linear(hidden, 2 * hidden))
        self.head = torch.nn.Linear(hidden, m)
        torch.nn.init.zeros_(self.film[-1].weight)
        torch.nn.init.zeros_(self.film[-1].bias)
        if zero_head:
            torch.nn.init.zeros_(self.head.weight)
            torch.nn.init.zeros_(self.head.bias)

    def forward(self, x, z):
        h = self.trunk(x)
        gamma, beta = self.film(z).chunk(2, dim=-1)
        return self.head(torch.relu(h * (1 + gamma) + beta))


@register
class RankingRouter(FeatureRouter):
    """Decision-aware, budget-conditioned ranking router (torch). The module docstring explains each choice,
    the validation that picked the defaults, and what each trades.

    Parameters
    ----------
    alpha : float in [0, 1], default 0.03
        Tie weight: with ``tie_mode="constant"`` the weight of "the cheaper model wins a quality tie" (1: the
        router collapses onto cheap models; 0: the score routers' order); with ``"budget"`` a factor on the
        tie's utility gap ``lam * |dc|`` (1 is consistent).
    tie_mode : "constant" (default) | "budget"
        Constant tie weight, or every pair weighted by its utility gap (ties: 0 at lam = 0).
    head : "linear" (default) | "film"
        ``f = g(x) - lam * c_hat`` (decides by the shared rule on ``g``), or a FiLM-conditioned network.
    temperature : float, default 0.1
        Scale of ``f`` inside the loss (in score units for the linear head).
    score_weight : float, default 1.0
        Linear head only: weight of the anchor ``mean((g - s)^2)`` that keeps ``g`` in score units.
    hidden, dropout, weight_decay, lr, batch_size : network size and regularisation (Adam).
    epochs, min_steps, max_steps : the planned Adam steps: ``epochs`` passes over the fitting part, raised to
        ``min_steps`` and capped at ``max_steps`` (None: no cap); early stopping may end training sooner.
    p_zero : float
        Share of training budgets at lam = 0 (the rest log-uniform over the training budget range).
    lam_sampling : "query" (default) | "batch"
        A budget per query, or one per batch (the original loop).
    schedule : "cosine" (default) | "constant"
        Learning-rate schedule over the planned steps.
    val_fraction, patience : early stopping on a held-out share of the TRAINING data (0: none), checked
        every epoch on the loss; the best checkpoint is kept.
    features, encoder, task_onehot, random_state : as every feature router.

    Attributes: ``lam_lo_``, ``lam_hi_`` (training budget range), ``n_steps_``, ``best_step_``,
    ``val_history_`` ((step, validation value) pairs), ``net_``.
    """

    name = "ranking"

    def __init__(self, alpha: float = 0.03, tie_mode: str = "constant",
                 head: str = "linear", temperature: float = 0.1, score_weight: float = 1.0, hidden: int = 128,
                 dropout: float = 0.2, epochs: int = 30, min_steps: int = 1500, max_steps: int | None = 4000,
                 batch_size: int = 256, lr: float = 1e-3, weight_decay: float = 1e-2, p_zero: float = 0.25,
                 lam_sampling: str = "query", schedule: str = "cosine", val_fraction: float = 0.15,
                 patience: int = 5, features: str = "auto", encoder=None,
                 task_onehot: bool = False, random_state=0):
        self.alpha = alpha
        self.tie_mode = tie_mode
        self.head = head
        self.score_weight = score_weight
        self.temperature = temperature
        self.hidden = hidden
        self.dropout = dropout
        self.epochs = epochs
        self.min_steps = min_steps
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.p_zero = p_zero
        self.lam_sampling = lam_sampling
        self.schedule = schedule
        self.val_fraction = val_fraction
        self.patience = patience
        self.features = features
        self.encoder = encoder
        self.task_onehot = task_onehot
        self.random_state = random_state

    # -- budgets ----------------------------------------------------------------------------------------
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

    def _zs(self, lams) -> torch.Tensor:
        """Budget code per row: ``(1[lam > 0], position of log lam in [lam_lo_, lam_hi_], clipped)``."""
        lams = np.asarray(lams, dtype=float).reshape(-1)
        pos = lams > 0
        t = np.zeros_like(lams)
        t[pos] = (np.log(lams[pos]) - np.log(self.lam_lo_)) / (np.log(self.lam_hi_) - np.log(self.lam_lo_))
        return torch.as_tensor(np.c_[pos.astype(float), np.clip(t, 0.0, 1.0)], dtype=torch.float32)

    def _z(self, lam: float, n: int) -> torch.Tensor:
        return self._zs([float(lam)]).expand(n, 2)

    def _sample_lams(self, rng, n: int) -> np.ndarray:
        """One budget per query: 0 with probability ``p_zero``, else log-uniform on [lam_lo_, lam_hi_]."""
        lams = np.exp(rng.uniform(np.log(self.lam_lo_), np.log(self.lam_hi_), size=n))
        lams[rng.random(n) < self.p_zero] = 0.0
        return lams

    # -- the losses -------------------------------------------------------------------------------------
    def _forward(self, net, X, lams, C):
        """Network output at the budgets ``lams`` (one per row); ``C`` the cost estimates (rows x models)."""
        if self.head == "linear":
            lam_t = torch.as_tensor(np.asarray(lams, dtype=float), dtype=torch.float32).reshape(-1, 1)
            return net(X, torch.zeros(len(X), 2)) - lam_t * C
        return net(X, self._zs(lams))

    def _loss(self, f, S, C, lams):
        lam_t = torch.as_tensor(lams, dtype=torch.float32)
        anchor = 0.0
        if self.head == "linear" and float(self.score_weight) > 0:
            # calibration anchor: the budget-free part g = f + lam * c is read in score units
            anchor = float(self.score_weight) * ((f + lam_t[:, None] * C - S) ** 2).mean()
        return anchor + self._rank_loss(f / float(self.temperature), S, C, lam_t)

    def _rank_loss(self, f, S, C, lam_t):
        win = ranking_targets(S, C, lam_t, self.alpha, self.tie_mode)
        if self.tie_mode == "constant":
            return pair_loss(f, win)
        # utility-gap weights: no per-query renormalisation (it would reweight queries by their outcomes)
        diff = f[:, :, None] - f[:, None, :]
        m = f.shape[1]
        return (torch.nn.functional.softplus(-diff) * win).sum(dim=(1, 2)).mean() / (m * (m - 1))

    #: start the output layer at zero (a hook for losses whose softmax saturates on a random early lead)
    _zero_head = False

    def _check_params(self):
        if self.tie_mode not in TIE_MODES:
            raise ValueError(f"tie_mode must be one of {TIE_MODES}, got {self.tie_mode!r}")
        if not 0 <= float(self.alpha) <= 1:
            raise ValueError(f"alpha must be in [0, 1], got {self.alpha}")
        if not 0 <= float(self.val_fraction) < 1:
            raise ValueError(f"val_fraction must be in [0, 1), got {self.val_fraction}")
        if self.head not in HEADS:
            raise ValueError(f"head must be one of {HEADS}, got {self.head!r}")
        for name, value, allowed in (("lam_sampling", self.lam_sampling, ("query", "batch")),
                                     ("schedule", self.schedule, ("cosine", "constant"))):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
        if not float(self.temperature) > 0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")

    def _fit(self, train, X):
        self._check_params()
        self.is_fitted_ = True          # cost_estimate is usable from here on
        self._train_c = self.cost_estimate(train)
        self.lam_lo_, self.lam_hi_ = self._budget_range(train)
        Xt, St, Ct = T.to_tensor(X), T.to_tensor(train.scores), T.to_tensor(self._train_c)
        del self._train_c
        n = len(Xt)
        rng = np.random.default_rng(self.random_state_)
        # hold out a validation part of the TRAINING data for early stopping
        n_val = int(round(float(self.val_fraction) * n)) if n >= 50 else 0
        if n_val:
            perm = rng.permutation(n)
            val, fit = perm[:n_val], perm[n_val:]
        else:
            val, fit = np.arange(0), np.arange(n)
        bs = int(min(self.batch_size, len(fit)))
        per_epoch = math.ceil(len(fit) / bs)
        steps = max(int(self.epochs) * per_epoch, int(self.min_steps))
        if self.max_steps is not None:
            steps = min(steps, int(self.max_steps))
        steps = max(steps, 1)
        check_every = max(1, min(per_epoch, steps // 40))
        if n_val:   # fixed validation budgets: every held-out query at lam = 0 and at 4 budgets over the range
            vl = np.r_[0.0, np.geomspace(self.lam_lo_, self.lam_hi_, 4)]
            vx, vs, vc = (Xt[val].repeat(len(vl), 1), St[val].repeat(len(vl), 1), Ct[val].repeat(len(vl), 1))
            vlam = np.repeat(vl, n_val)
        with T.seeded(self.random_state_):
            net = self._new_module("net_")
            opt = torch.optim.Adam(net.parameters(), lr=self.lr, weight_decay=self.weight_decay)
            sched = None
            if self.schedule == "cosine":
                sched = torch.optim.lr_scheduler.LambdaLR(
                    opt, lambda k: 0.5 * (1 + math.cos(math.pi * min(k, steps) / steps)))
            best, best_state, bad, step = np.inf, None, 0, 0
            fit_t = torch.as_tensor(fit)
            gen = torch.Generator().manual_seed(self.random_state_)
            history = []
            stop = False
            while not stop:
                order = fit_t[torch.randperm(len(fit), generator=gen)]
                for s0 in range(0, len(order), bs):
                    idx = order[s0:s0 + bs]
                    if self.lam_sampling == "batch":
                        lam = 0.0 if rng.random() < self.p_zero else \
                            float(np.exp(rng.uniform(np.log(self.lam_lo_), np.log(self.lam_hi_))))
                        lams = np.full(len(idx), lam)
                    else:
                        lams = self._sample_lams(rng, len(idx))
                    net.train()
                    opt.zero_grad()
                    self._loss(self._forward(net, Xt[idx], lams, Ct[idx]), St[idx], Ct[idx], lams).backward()
                    opt.step()
                    if sched is not None:
                        sched.step()
                    step += 1
                    if n_val and (step % check_every == 0 or step == steps):
                        net.eval()
                        with torch.no_grad():
                            v = float(self._loss(self._forward(net, vx, vlam, vc), vs, vc, vlam))
                        history.append((step, v))
                        if v < best - 1e-6:
                            best, best_state, bad = v, copy.deepcopy(net.state_dict()), 0
                        else:
                            bad += 1
                    if step >= steps or (n_val and bad >= int(self.patience)):
                        stop = True
                        break
            if best_state is not None:
                net.load_state_dict(best_state)
        self.n_steps_ = step
        self.best_step_ = int(min(history, key=lambda h: h[1])[0]) if history else step
        self.val_history_ = history
        self.net_ = net.eval()

    # -- prediction -------------------------------------------------------------------------------------
    def _new_module(self, name):
        return _FiLMRanker(self._n_inputs(), self.n_models_, int(self.hidden), float(self.dropout),
                           zero_head=self._zero_head)

    def utility(self, data, lam=0.0) -> np.ndarray:
        """Predicted utilities at budget ``lam`` (a number): shape (n, m); only their order per query matters."""
        data = self._check_data(data)
        return self._utility(self._features(data), float(lam), self.cost_estimate(data))

    def _utility(self, X, lam, c_hat=None):
        Xt = T.to_tensor(X)
        if self.head == "linear":
            g = T.eval_batched(lambda x: self.net_(x, torch.zeros(len(x), 2)), Xt)
            return g - lam * c_hat if lam > 0 else g
        return T.eval_batched(lambda x: self.net_(x, self._z(lam, len(x))), Xt)

    def _predict(self, data, X):
        return self._utility(X, 0.0)

    @property
    def shared_rule(self) -> bool:
        """With ``head="linear"`` the router decides by the shared rule ``argmax predict - lam * c_hat``
        (so :func:`routerkit.evaluate.evaluate` sweeps it like a score router)."""
        return self.head == "linear"

    def route(self, data, lam=0.0):
        data = self._check_data(data)
        lams, scalar = check_lams(lam)
        with limited():
            X, c_hat = self._features(data), self.cost_estimate(data)
            if self.head == "linear":
                return decide(self._utility(X, 0.0), c_hat, lam)
            out = np.stack([decide(self._utility(X, float(l), c_hat), c_hat, 0.0) for l in lams])  # per budget
        return out[0] if scalar else out
