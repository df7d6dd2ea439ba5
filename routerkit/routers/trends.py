"""Global-trend routers: the per-task and per-cluster mean score of each model, used as the query's score.

They predict the same scores for every query of a task (or a k-means cluster of the features): no
query-specific signal at all. The routing-plateau paper finds learned routers hardly beat them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans

from routerkit.routers.base import FeatureRouter, Router
from routerkit.routers.registry import register

__all__ = ["TaskBestRouter", "ClusterBestRouter"]


def _group_means(groups: np.ndarray, scores: np.ndarray, n_groups: int, prior: np.ndarray,
                 strength: float) -> np.ndarray:
    """Per-group mean score per model, shrunk towards ``prior`` with ``strength`` pseudo-queries."""
    sums = np.zeros((n_groups, scores.shape[1]))
    np.add.at(sums, groups, scores)
    counts = np.bincount(groups, minlength=n_groups)[:, None]
    return (sums + strength * prior) / (counts + strength)


@register
class TaskBestRouter(Router):
    """s_hat = the model's mean training score on the query's task (the "global trend").

    Unseen task or no tasks: the model's overall mean score. Decision: ``decide(s_hat, c_hat, lam)``.
    """

    name = "task_best"

    def __init__(self):
        pass

    def _fit(self, train, X):
        if train.tasks is None:
            self.task_levels_, self.task_scores_ = [], np.zeros((0, self.n_models_))
            return
        self.task_levels_ = list(train.task_names)
        idx = pd.Index(self.task_levels_).get_indexer(np.asarray(train.tasks, dtype=object))
        self.task_scores_ = _group_means(idx, np.asarray(train.scores), len(self.task_levels_),
                                         self.model_score_, 0.0)

    def _predict(self, data, X):
        out = np.broadcast_to(self.model_score_, (len(data), self.n_models_)).copy()
        if data.tasks is not None and self.task_levels_:
            idx = pd.Index(self.task_levels_).get_indexer(np.asarray(data.tasks, dtype=object))
            hit = idx >= 0
            out[hit] = self.task_scores_[idx[hit]]
        return out


@register
class ClusterBestRouter(FeatureRouter):
    """s_hat = the model's mean training score in the query's k-means cluster of the features.

    ``n_clusters`` clusters (k-means++, ``random_state``); cluster means are shrunk towards the overall mean
    with ``prior`` pseudo-queries so tiny clusters do not produce extreme scores.
    """

    name = "cluster_best"

    def __init__(self, n_clusters: int = 20, prior: float = 1.0, features: str = "auto", encoder=None,
                 task_onehot: bool = False, random_state=0):
        self.n_clusters = n_clusters
        self.prior = prior
        self.features = features
        self.encoder = encoder
        self.task_onehot = task_onehot
        self.random_state = random_state

    def _fit(self, train, X):
        k = int(min(self.n_clusters, len(X)))
        self.kmeans_ = KMeans(n_clusters=k, n_init=3, random_state=self.random_state_).fit(X)
        self.cluster_scores_ = _group_means(self.kmeans_.labels_, np.asarray(train.scores), k,
                                            self.model_score_, float(self.prior))

    def _predict(self, data, X):
        return self.cluster_scores_[self.kmeans_.predict(X)]
