"""Routers: one protocol, many families.

``available()`` lists the registry names, ``make(name, **params)`` builds a router. Every router follows the
protocol of :mod:`routerkit.routers.base` (``fit(train) -> self``, ``predict``, ``cost_estimate``,
``route(data, lam)``). ``router.save(path)`` keeps a fitted router in a file, ``load(path)`` reads it back.

- baselines: ``single:<model>``, ``cheapest``, ``best_single``, ``random``, ``oracle`` (upper bound, reads test labels)
- global trends: ``task_best``, ``cluster_best``
- score regressors: ``knn``, ``linear``, ``mlp``, ``gbdt``, ``mf``, ``pairwise`` (Bradley-Terry)
- decision-aware: ``ranking``
- end-to-end fine-tuned text encoder: ``finetuned`` (MiniLM trained on the routing targets; slow, CPU minutes;
  needs the extra ``routerkit[encoders]`` and prompts)
"""
from routerkit.routers.base import FeatureRouter, NotFittedError, Router
from routerkit.routers.registry import available, make, register
from routerkit.routers.baselines import (BestSingleRouter, CheapestRouter, OracleRouter, RandomMixRouter,
                                         SingleModelRouter)
from routerkit.routers.trends import ClusterBestRouter, TaskBestRouter
from routerkit.routers.knn import KNNRouter
from routerkit.routers.regressors import GBDTRouter, LinearRouter, MLPRouter
from routerkit.routers.factorisation import MFRouter
from routerkit.routers.pairwise import PairwiseRouter
from routerkit.routers.ranking import RankingRouter
from routerkit.routers.finetuned import FineTunedRouter
from routerkit.routers.persist import load

__all__ = [
    "available", "make", "register", "load", "Router", "FeatureRouter", "NotFittedError",
    "SingleModelRouter", "CheapestRouter", "BestSingleRouter", "RandomMixRouter", "OracleRouter",
    "TaskBestRouter", "ClusterBestRouter", "KNNRouter", "LinearRouter", "MLPRouter", "GBDTRouter",
    "MFRouter", "PairwiseRouter", "RankingRouter", "FineTunedRouter",
]
