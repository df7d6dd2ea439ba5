"""Shared by the benchmarks: give a built router the run's seed and, where it reads features, the task one-hot."""
from __future__ import annotations


def seeded(router, seed: int, task_onehot: bool = False):
    """``router`` with ``random_state=seed`` and ``task_onehot`` set where it has those parameters."""
    params = router.get_params()
    if "random_state" in params:
        router.set_params(random_state=seed)
    if task_onehot and "task_onehot" in params:
        router.set_params(task_onehot=True)
    return router
