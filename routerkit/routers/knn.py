"""k-nearest-neighbour router: a query's score per model is the mean score of its k most similar training
queries (cosine similarity of the standardised features)."""
from __future__ import annotations

import threading

import numpy as np
import torch

from routerkit.routers.base import FeatureRouter
from routerkit.routers.registry import register

__all__ = ["KNNRouter", "cosine_top_k"]


def _unit(X: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.where(norm > 0, norm, 1.0)


# Rows of one block's similarity matrix (block x n_ref float32) are capped at this many entries (~64 MB a
# worker): at 140,000 training queries that is 119 rows, within 10% of the speed of larger blocks.
_BLOCK_ENTRIES = 2 ** 24
# Queries per block when averaging their neighbours' scores.
_MEAN_BLOCK = 8192
# Columns per group in the top-k (see _row_top_k): 64 was fastest at 30,000 and 140,000 reference rows.
_GROUP = 64


def _row_top_k(sim: torch.Tensor, k: int) -> torch.Tensor:
    """Column indices (b, k) of each row's ``k`` largest entries (ties in any order), in two cheap passes.

    The columns are cut into groups of ``_GROUP``; each group's maximum is taken, and only the ``k`` groups
    with the largest maxima (plus the columns left over at the end) are searched. Exact: those ``k`` maxima are
    ``k`` distinct entries, so any group outside them has a maximum no larger than the row's k-th largest
    entry, and can only tie with it.
    """
    b, n = sim.shape
    n_groups = n // _GROUP
    if n_groups <= 2 * k:
        return torch.topk(sim, k, dim=1, sorted=False).indices
    group_max = sim[:, :n_groups * _GROUP].reshape(b, n_groups, _GROUP).amax(dim=2)
    groups = torch.topk(group_max, k, dim=1, sorted=False).indices
    cols = (groups[:, :, None] * _GROUP + torch.arange(_GROUP)).reshape(b, k * _GROUP)
    if n_groups * _GROUP < n:
        cols = torch.cat([cols, torch.arange(n_groups * _GROUP, n).expand(b, -1)], dim=1)
    best = torch.topk(torch.gather(sim, 1, cols), k, dim=1, sorted=False).indices
    return torch.gather(cols, 1, best)


def cosine_top_k(ref: torch.Tensor, queries: torch.Tensor, k: int, block: int | None = None,
                 workers: int | None = None) -> torch.Tensor:
    """Indices (n, k) of the ``k`` rows of ``ref`` most cosine-similar to each row of ``queries``.

    Both inputs are float32 unit vectors. Exact up to float32 rounding (ties in any order): per block of
    ``block`` queries (default 256, fewer where a block's similarity matrix would pass ~64 MB), one float32
    matrix product and an exact top-k (:func:`_row_top_k`). Blocks go to ``workers`` threads (default
    :func:`routerkit.threads.worker_threads`), each running torch on one thread into a similarity buffer of its
    own that it reuses: blocks are independent, so a worker that finishes early takes the next block and no
    thread waits at a barrier. The neighbours do not depend on the number of workers.

    Plain float32 is the kernel on every CPU: bfloat16 products are several times slower than float32 where
    the CPU lacks bfloat16 arithmetic, and even with it (an AMD EPYC with AVX512-BF16) a bfloat16 shortlist
    with a float32 check was only about 1.35 times faster end to end: not worth a kernel, and neighbours at
    float32 ties, that would change with the machine.
    """
    from concurrent.futures import ThreadPoolExecutor

    from routerkit.threads import limited, worker_threads

    n_ref = len(ref)
    k = min(int(k), n_ref)
    if block is None:
        block = max(1, min(256, _BLOCK_ENTRIES // max(n_ref, 1)))
    block = int(block)
    if block < 1:
        raise ValueError(f"block must be >= 1, got {block}")
    workers = worker_threads() if workers is None else int(workers)
    starts = range(0, len(queries), block)
    if len(starts) == 0:
        return torch.empty((0, k), dtype=torch.long)
    local = threading.local()

    def one(s: int) -> torch.Tensor:
        q = queries[s:s + block]
        buf = getattr(local, "buf", None)
        if buf is None:     # reused block after block, so its memory is not paged in again each time
            buf = local.buf = torch.empty((block, n_ref), dtype=torch.float32)
        sim = buf[:len(q)]
        torch.mm(q, ref.T, out=sim)
        return _row_top_k(sim, k)

    with torch.no_grad(), limited():
        before = torch.get_num_threads()
        torch.set_num_threads(1)        # the workers are the parallelism: one thread each inside torch
        try:
            if workers <= 1 or len(starts) == 1:
                parts = [one(s) for s in starts]
            else:
                with ThreadPoolExecutor(max_workers=min(workers, len(starts))) as pool:
                    parts = list(pool.map(one, starts))
        finally:
            torch.set_num_threads(before)
    return torch.cat(parts)


@register
class KNNRouter(FeatureRouter):
    """s_hat[i, j] = mean score of model j on the ``k`` training queries most cosine-similar to query i.

    Exact search (up to float32 rounding) in blocks of ``block`` queries (:func:`cosine_top_k`; ``None``
    sizes the blocks to the training set); no loop over queries; deterministic for the same data, whatever
    the number of threads.
    """

    name = "knn"

    def __init__(self, k: int = 25, features: str = "auto", encoder=None, task_onehot: bool = False,
                 random_state=0, block: int | None = None):
        self.k = k
        self.features = features
        self.encoder = encoder
        self.task_onehot = task_onehot
        self.random_state = random_state
        self.block = block

    def _fit(self, train, X):
        if int(self.k) < 1:
            raise ValueError(f"k must be >= 1, got {self.k}")
        if self.block is not None and int(self.block) < 1:
            raise ValueError(f"block must be >= 1, got {self.block}")
        self.X_ = _unit(X.astype(np.float32))
        self.scores_ = np.asarray(train.scores, dtype=np.float32)

    def neighbours(self, X: np.ndarray) -> np.ndarray:
        """Indices (n, k) of the k nearest training queries of standardised features ``X`` (see
        :func:`cosine_top_k`)."""
        k = int(min(self.k, len(self.X_)))
        Q = torch.from_numpy(_unit(X.astype(np.float32)))
        idx = cosine_top_k(torch.from_numpy(self.X_), Q, k, block=self.block)
        return idx.numpy().astype(np.intp)

    def _predict(self, data, X):
        idx = self.neighbours(X)
        out = np.empty((len(idx), self.scores_.shape[1]))
        for s in range(0, len(idx), _MEAN_BLOCK):   # blocks: the (n, k, m) gather would be large at once
            out[s:s + _MEAN_BLOCK] = self.scores_[idx[s:s + _MEAN_BLOCK]].mean(axis=1)
        return out
