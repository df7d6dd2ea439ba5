"""The ranking router's formulations that the library dropped, kept for the benchmarks that compared them.

``RankingRouter`` (routerkit/routers/ranking.py) keeps the pairwise loss. bench/tune_ranking.py and
bench/fidelity.py also measured two other losses, which landed below it (validation AIQ: listwise 0.61-0.66,
expected utility 0.73 with the FiLM head and 0.832 with the linear head, against the default's 0.845), so they
live here:

- ``"listwise"``: softmax cross-entropy to a target distribution over models: the best utilities share the
  mass, a share ``alpha`` to the cheapest of them. Its minimiser is P(model is among the best | x, lam), not the
  expected utility: it favours models that are "best" often, not by how much, and collapses onto cheap models.
- ``"expected_utility"``: maximise ``sum_j softmax(f / T)_j u_j(lam)``, the expected utility of a soft policy.
  Non-convex: it saturates on whichever model leads early (the output layer starts at zero for it and for
  listwise), and ties at lam = 0 carry no gradient.

``make(name, loss=..., **params)`` builds one: the registered router ``ranking_variant`` (this module
registers it on import).
"""
from __future__ import annotations

import torch

from routerkit.routers.ranking import RankingRouter
from routerkit.routers.registry import register

LOSSES = ("pairwise", "listwise", "expected_utility")


def listwise_targets(S: torch.Tensor, C: torch.Tensor, lam, alpha: float) -> torch.Tensor:
    """Target distribution per query at budget(s) ``lam``: the best utilities ``s - lam * c`` share the mass,
    except a share ``alpha`` that goes to the cheapest of them."""
    lam_t = torch.as_tensor(lam, dtype=torch.float32).reshape(-1, 1)
    U = S - lam_t * C
    best = U >= U.max(dim=1, keepdim=True).values - 1e-7
    split = best.float() / best.float().sum(dim=1, keepdim=True)
    cbest = torch.where(best, C, torch.full_like(C, float("inf")))
    cheapest = torch.nn.functional.one_hot(cbest.argmin(dim=1), S.shape[1]).float()
    return (1.0 - float(alpha)) * split + float(alpha) * cheapest


@register
class RankingVariant(RankingRouter):
    """:class:`RankingRouter` with a choice of loss (``LOSSES``); ``loss="pairwise"`` is the library router."""

    name = "ranking_variant"

    def __init__(self, loss: str = "pairwise", alpha: float = 0.03, tie_mode: str = "constant",
                 head: str = "linear", temperature: float = 0.1, score_weight: float = 1.0, hidden: int = 128,
                 dropout: float = 0.2, epochs: int = 30, min_steps: int = 1500, max_steps: int | None = 4000,
                 batch_size: int = 256, lr: float = 1e-3, weight_decay: float = 1e-2, p_zero: float = 0.25,
                 lam_sampling: str = "query", schedule: str = "cosine", val_fraction: float = 0.15,
                 patience: int = 5, features: str = "auto", encoder=None, task_onehot: bool = False,
                 random_state=0):
        super().__init__(alpha=alpha, tie_mode=tie_mode, head=head, temperature=temperature,
                         score_weight=score_weight, hidden=hidden, dropout=dropout, epochs=epochs,
                         min_steps=min_steps, max_steps=max_steps, batch_size=batch_size, lr=lr,
                         weight_decay=weight_decay, p_zero=p_zero, lam_sampling=lam_sampling, schedule=schedule,
                         val_fraction=val_fraction, patience=patience, features=features, encoder=encoder,
                         task_onehot=task_onehot, random_state=random_state)
        self.loss = loss

    @property
    def _zero_head(self) -> bool:
        return self.loss != "pairwise"

    def _check_params(self):
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {self.loss!r}")
        super()._check_params()

    def _rank_loss(self, f, S, C, lam_t):
        if self.loss == "pairwise":
            return super()._rank_loss(f, S, C, lam_t)
        if self.loss == "listwise":
            p = listwise_targets(S, C, lam_t, self.alpha)
            return -(p * torch.log_softmax(f, dim=1)).sum(dim=1).mean()
        U = S - lam_t[:, None] * C
        return -(torch.softmax(f, dim=1) * U).sum(dim=1).mean()
