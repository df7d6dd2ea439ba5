"""k-nearest-neighbour router: a query's score per model is the mean score of its k most similar training
queries (cosine similarity of the standardised features)."""
from __future__ import annotations

import numpy as np
import torch

from routerkit.routers.base import FeatureRouter
from routerkit.routers.registry import register

__all__ = ["KNNRouter", "cosine_top_k"]


def _unit(X: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.where(norm > 0, norm, 1.0)


# |bfloat16 cosine - exact cosine| for unit vectors: rounding each input to 8 significant bits moves the dot
# product by at most (2u + u^2) sum|q_d r_d| <= 2u + u^2 (Cauchy-Schwarz), rounding the result by at most u,
# with u = 2^-8; float32 accumulation adds about 1e-5. The 1e-3 on top is slack.
_BF16_ERROR = 3 * 2.0 ** -8 + 1e-3


def cosine_top_k(ref: torch.Tensor, queries: torch.Tensor, k: int, shortlist: int,
                 block: int = 512) -> torch.Tensor:
    """Indices (n, k) of the ``k`` rows of ``ref`` most cosine-similar to each row of ``queries``.

    Both inputs are float32 unit vectors. Exact up to float32 rounding (ties in any order), and fast on CPU:
    per block of queries a bfloat16 matrix product shortlists ``shortlist`` candidates, float32 similarities
    re-rank them, and a query whose k-th similarity does not clear the shortlist's cut-off by more than the
    bfloat16 error bound is searched again in float32 over every row of ``ref``.
    """
    n_ref = len(ref)
    k = min(int(k), n_ref)
    shortlist = min(max(int(shortlist), k), n_ref)
    ref16 = ref.to(torch.bfloat16)
    out = []
    with torch.no_grad():
        for s in range(0, len(queries), int(block)):     # blocks of queries bound the memory
            q = queries[s:s + int(block)]
            if shortlist == n_ref:
                out.append(torch.topk(q @ ref.T, k, dim=1, sorted=False).indices)
                continue
            approx = torch.topk(q.to(torch.bfloat16) @ ref16.T, shortlist, dim=1, sorted=False)
            cand = approx.indices
            exact = torch.topk(torch.einsum("bd,bcd->bc", q, ref[cand]), k, dim=1, sorted=False)
            idx = torch.gather(cand, 1, exact.indices)
            # a row left off the shortlist is at most cut-off + error similar; below the k-th, it cannot matter
            cutoff = approx.values.amin(dim=1).float()
            unsure = torch.nonzero(exact.values.amin(dim=1) <= cutoff + _BF16_ERROR).squeeze(1)
            if len(unsure):
                idx[unsure] = torch.topk(q[unsure] @ ref.T, k, dim=1, sorted=False).indices
            out.append(idx)
    if not out:
        return torch.empty((0, k), dtype=torch.long)
    return torch.cat(out)


@register
class KNNRouter(FeatureRouter):
    """s_hat[i, j] = mean score of model j on the ``k`` training queries most cosine-similar to query i.

    Exact search (up to float32 rounding) in blocks of ``block`` queries with a bfloat16 shortlist and a
    float32 check (:func:`cosine_top_k`); no loop over queries; deterministic for the same data.
    """

    name = "knn"

    def __init__(self, k: int = 25, features: str = "auto", encoder=None, task_onehot: bool = False,
                 random_state=0, block: int = 512):
        self.k = k
        self.features = features
        self.encoder = encoder
        self.task_onehot = task_onehot
        self.random_state = random_state
        self.block = block

    def _fit(self, train, X):
        if int(self.k) < 1:
            raise ValueError(f"k must be >= 1, got {self.k}")
        if int(self.block) < 1:
            raise ValueError(f"block must be >= 1, got {self.block}")
        self.X_ = _unit(X).astype(np.float32)
        self.scores_ = np.asarray(train.scores, dtype=np.float32)

    def neighbours(self, X: np.ndarray) -> np.ndarray:
        """Indices (n, k) of the k nearest training queries of standardised features ``X`` (see
        :func:`cosine_top_k`; the shortlist of ``2 k + 16`` almost never needs the float32 fallback)."""
        k = int(min(self.k, len(self.X_)))
        Q = torch.from_numpy(_unit(X).astype(np.float32))
        idx = cosine_top_k(torch.from_numpy(self.X_), Q, k, shortlist=2 * k + 16, block=self.block)
        return idx.numpy().astype(np.intp)

    def _predict(self, data, X):
        idx = self.neighbours(X)
        return self.scores_[idx].mean(axis=1).astype(float)
