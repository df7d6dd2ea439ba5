"""Baselines that learn nothing about individual queries: single models, cheapest, best single, random
mixing, and the oracle (an upper bound that reads the test labels)."""
from __future__ import annotations

import numpy as np

from routerkit.routers.base import Router
from routerkit.routers.registry import register

__all__ = ["SingleModelRouter", "CheapestRouter", "BestSingleRouter", "RandomMixRouter", "OracleRouter"]


class _ConstantRouter(Router):
    """Sends every query to one model, whatever ``lam``. ``predict`` returns the training mean score per
    model (the only estimate such a router holds), broadcast to every query."""

    def _predict(self, data, X):
        return np.broadcast_to(self.model_score_, (len(data), self.n_models_)).copy()

    def _choice(self) -> int:
        raise NotImplementedError

    def route(self, data, lam=0.0):
        data = self._check_data(data)
        lams = np.asarray(lam, dtype=float)
        out = np.full(lams.shape + (len(data),), self._choice(), dtype=np.intp)
        return out


@register
class SingleModelRouter(_ConstantRouter):
    """Every query to ``model`` (registry: ``"single:<model>"``); ``lam`` is ignored."""

    name = "single"

    def __init__(self, model: str):
        self.model = model

    def _fit(self, train, X):
        if self.model not in self.models_:
            raise ValueError(f"unknown model {self.model!r}; the training data has {self.models_}")
        self.model_index_ = self.models_.index(self.model)

    def _choice(self):
        return self.model_index_


@register
class CheapestRouter(_ConstantRouter):
    """Every query to the model with the lowest mean training cost; ``lam`` is ignored."""

    name = "cheapest"

    def __init__(self):
        pass

    def _choice(self):
        return self.cheapest_index_


@register
class BestSingleRouter(_ConstantRouter):
    """Every query to the top model (highest mean training score, ties to cheaper); ``lam`` is ignored."""

    name = "best_single"

    def __init__(self):
        pass

    def _choice(self):
        return self.top_index_


@register
class RandomMixRouter(Router):
    """Random mixing of the cheapest and the top model, the budget setting the mix.

    Each query independently goes to the top model with probability ``w(lam) = 1 / (1 + lam / lam_mid_)``
    and to the cheapest model otherwise, where ``lam_mid_`` is the break-even budget of the two on the
    training means, ``(score_top - score_cheap) / (cost_top - cost_cheap)``. ``lam = 0`` sends everything to
    the top model, ``lam = lam_mid_`` half-and-half, large ``lam`` (almost) everything to the cheapest. In
    expectation it traces the straight line between the two models on the cost-quality plane (a
    "zero router"). Draws are seeded by ``random_state`` and by the budget, so ``route`` is repeatable.
    ``predict`` returns the training mean score per model.
    """

    name = "random"

    def __init__(self, random_state=0):
        self.random_state = random_state

    def _fit(self, train, X):
        ds = self.model_score_[self.top_index_] - self.model_score_[self.cheapest_index_]
        dc = self.model_cost_[self.top_index_] - self.model_cost_[self.cheapest_index_]
        self.lam_mid_ = float(ds / dc) if dc > 0 and ds > 0 else 1.0

    def _predict(self, data, X):
        return np.broadcast_to(self.model_score_, (len(data), self.n_models_)).copy()

    def mix_weight(self, lam) -> np.ndarray:
        """Probability of the top model at budget(s) ``lam``."""
        self._check_fitted()
        return 1.0 / (1.0 + np.asarray(lam, dtype=float) / self.lam_mid_)

    def route(self, data, lam=0.0):
        data = self._check_data(data)
        lams = np.asarray(lam, dtype=float)
        flat = lams.reshape(-1)
        out = np.empty((flat.size, len(data)), dtype=np.intp)
        for k, l in enumerate(flat):   # loop over budgets, not queries
            rng = np.random.default_rng([self.random_state_, int(np.float64(l).view(np.int64) & 0x7FFFFFFF)])
            top = rng.random(len(data)) < self.mix_weight(l)
            out[k] = np.where(top, self.top_index_, self.cheapest_index_)
        return out[0] if lams.ndim == 0 else out


@register
class OracleRouter(Router):
    """The per-query oracle: an UPPER BOUND, not a router. It reads the TEST labels at route time.

    ``route(data, lam) = argmax_j data.scores - lam * data.costs`` (true scores and true costs), ties to the
    cheaper model. ``predict`` returns ``data.scores`` and ``cost_estimate`` returns ``data.costs``.
    """

    name = "oracle"
    uses_test_labels = True

    def __init__(self):
        pass

    def _predict(self, data, X):
        return np.asarray(data.scores, dtype=float).copy()

    def cost_estimate(self, data):
        data = self._check_data(data)
        return np.asarray(data.costs, dtype=float).copy()
