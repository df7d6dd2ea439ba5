"""`RoutingData`, the one data structure of routerkit, and the ways to split it.

A routing dataset is a matrix: for query ``i`` and model ``j``, ``scores[i, j]`` is the quality of that
model's answer (in [0, 1]; 0/1 correctness on most benchmarks) and ``costs[i, j]`` what the call cost in USD.
Everything else (task labels, prompts, features, true success probabilities) is optional.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = ["RoutingData", "train_test_split", "leave_task_out", "subsample", "predefined_split"]


def _first_bad(mask: np.ndarray) -> tuple[int, ...]:
    """Index of the first True entry of ``mask`` (row-major)."""
    return tuple(int(k) for k in np.argwhere(mask)[0])


@dataclass(eq=False)
class RoutingData:
    """Per-query, per-model scores and costs, with optional query information.

    Parameters
    ----------
    scores : array (n, m)
        Quality of model ``j``'s answer to query ``i``, in [0, 1].
    costs : array (n, m)
        USD charged for that call (non-negative).
    models : list of str
        Model names, unique and non-empty, one per column.
    tasks : array (n,) of str, optional
        Task or benchmark each query comes from.
    prompts : array (n,) of str, optional
        Query text.
    features : array (n, d), optional
        A numeric representation of each query (what a router sees).
    truth : array (n, m), optional
        True success probabilities (known only for simulated data).
    ids : array (n,), optional
        Query identifiers (e.g. the ``query_id`` of a long file); kept through selection and splits.
    info : DataFrame with n rows, optional
        Any other per-query columns a loader keeps (RouterBench's ``split``, original ``eval_name``...);
        selected with the queries, so it stays aligned after every split.
    meta : dict
        Free-form provenance: dataset name, source file, rows dropped by a loader, simulator parameters.

    The constructor validates every field and raises ``ValueError`` naming the problem and where it is.
    """

    scores: np.ndarray
    costs: np.ndarray
    models: list[str]
    tasks: np.ndarray | None = None
    prompts: np.ndarray | None = None
    features: np.ndarray | None = None
    truth: np.ndarray | None = None
    ids: np.ndarray | None = None
    info: pd.DataFrame | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.models = self._check_models(self.models)
        self.scores = self._check_matrix("scores", self.scores, unit_interval=True)
        self.costs = self._check_matrix("costs", self.costs, non_negative=True)
        if self.truth is not None:
            self.truth = self._check_matrix("truth", self.truth, unit_interval=True)
        n = len(self.scores)
        if self.features is not None:
            feats = np.asarray(self.features, dtype=float)
            if feats.ndim == 1:
                feats = feats[:, None]
            if feats.ndim != 2:
                raise ValueError(f"features must be a 2-D array (n_queries, n_features), got shape {feats.shape}")
            if len(feats) != n:
                raise ValueError(f"features has {len(feats)} rows but there are {n} queries")
            self._check_finite("features", feats)
            self.features = feats
        for name in ("tasks", "prompts", "ids"):
            value = getattr(self, name)
            if value is None:
                continue
            arr = np.asarray(value, dtype=object if name != "ids" else None)
            if arr.ndim != 1:
                raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
            if len(arr) != n:
                raise ValueError(f"{name} has {len(arr)} entries but there are {n} queries")
            if name == "tasks":
                missing = np.array([t is None or (isinstance(t, float) and np.isnan(t)) for t in arr])
                if missing.any():
                    raise ValueError(f"tasks has {int(missing.sum())} missing labels, first at query "
                                     f"{int(np.argmax(missing))}")
                arr = arr.astype(str)
            setattr(self, name, arr)
        if self.info is not None:
            if not isinstance(self.info, pd.DataFrame):
                raise ValueError(f"info must be a pandas DataFrame, got {type(self.info).__name__}")
            if len(self.info) != n:
                raise ValueError(f"info has {len(self.info)} rows but there are {n} queries")
            self.info = self.info.reset_index(drop=True)
        self.meta = dict(self.meta or {})

    # -- validation -------------------------------------------------------------------------------------
    @staticmethod
    def _check_models(models: Iterable[str]) -> list[str]:
        if isinstance(models, str):
            raise ValueError("models must be a list of model names, not a single string")
        names = list(models)
        for k, name in enumerate(names):
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f"model name at column {k} is empty or not a string: {name!r}")
        seen: dict[str, int] = {}
        for k, name in enumerate(names):
            if name in seen:
                raise ValueError(f"duplicate model name {name!r} at columns {seen[name]} and {k}")
            seen[name] = k
        if len(names) < 2:
            raise ValueError(f"routing needs at least 2 models, got {len(names)}")
        return names

    def _check_finite(self, name: str, arr: np.ndarray) -> None:
        bad = ~np.isfinite(arr)
        if bad.any():
            kind = "NaN" if np.isnan(arr).any() else "infinite"
            raise ValueError(f"{name} has {int(bad.sum())} {kind} or non-finite entries, first at "
                             f"{self._where(_first_bad(bad))}")

    def _where(self, idx: tuple[int, ...]) -> str:
        if len(idx) == 2:
            return f"query {idx[0]}, model {self.models[idx[1]]!r}"
        return f"query {idx[0]}"

    def _check_matrix(self, name: str, value: Any, *, unit_interval: bool = False,
                      non_negative: bool = False) -> np.ndarray:
        try:
            arr = np.array(value, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be numeric: {exc}") from None
        if arr.ndim != 2:
            raise ValueError(f"{name} must be a 2-D array (n_queries, n_models), got shape {arr.shape}")
        if arr.shape[1] != len(self.models):
            raise ValueError(f"{name} has {arr.shape[1]} columns but there are {len(self.models)} models")
        if arr.shape[0] == 0:
            raise ValueError(f"{name} has zero queries: a routing dataset needs at least one")
        if name != "scores" and arr.shape != self.scores.shape:
            raise ValueError(f"{name} has shape {arr.shape} but scores has shape {self.scores.shape}")
        self._check_finite(name, arr)
        if unit_interval:
            bad = (arr < 0) | (arr > 1)
            if bad.any():
                first = _first_bad(bad)
                raise ValueError(f"{name} has {int(bad.sum())} entries outside [0, 1], first at "
                                 f"{self._where(first)} (value {arr[first]:g})")
        if non_negative:
            bad = arr < 0
            if bad.any():
                first = _first_bad(bad)
                raise ValueError(f"{name} has {int(bad.sum())} negative entries, first at "
                                 f"{self._where(first)} (value {arr[first]:g})")
        arr.setflags(write=False)
        return arr

    # -- shape and selection ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.scores)

    @property
    def n_models(self) -> int:
        return len(self.models)

    def __repr__(self) -> str:
        extras = [name for name in ("tasks", "prompts", "features", "truth", "ids", "info")
                  if getattr(self, name) is not None]
        label = self.meta.get("name", "")
        label = f" {label!r}" if label else ""
        return (f"RoutingData{label}: {len(self)} queries x {self.n_models} models"
                + (f" (with {', '.join(extras)})" if extras else ""))

    def __getitem__(self, idx: Any) -> "RoutingData":
        """Select queries: an integer array, a boolean mask or a slice. Always returns a ``RoutingData``."""
        if isinstance(idx, (int, np.integer)):
            idx = [idx]
        if isinstance(idx, slice):
            rows = np.arange(len(self))[idx]
        else:
            rows = np.asarray(idx)
            if rows.dtype == bool:
                if rows.shape != (len(self),):
                    raise IndexError(f"boolean mask has shape {rows.shape}, expected ({len(self)},)")
                rows = np.flatnonzero(rows)
            elif rows.size and not np.issubdtype(rows.dtype, np.integer):
                raise IndexError(f"queries are selected by integer index, boolean mask or slice, got {rows.dtype}")
            rows = rows.astype(int).ravel()
            if rows.size and (rows.max() >= len(self) or rows.min() < -len(self)):
                raise IndexError(f"query index out of range for {len(self)} queries")
        return self._take(rows, slice(None))

    def _take(self, rows: np.ndarray | slice, cols: np.ndarray | slice) -> "RoutingData":
        def pick(arr, with_cols):
            if arr is None:
                return None
            out = arr[rows]
            return out[:, cols] if with_cols else out

        return replace(
            self,
            scores=pick(self.scores, True),
            costs=pick(self.costs, True),
            truth=pick(self.truth, True),
            models=list(np.asarray(self.models, dtype=object)[cols]),
            tasks=pick(self.tasks, False),
            prompts=pick(self.prompts, False),
            features=pick(self.features, False),
            ids=pick(self.ids, False),
            info=None if self.info is None else self.info.iloc[rows],
            meta=dict(self.meta),
        )

    def select_models(self, names: Sequence[str]) -> "RoutingData":
        """Keep only the named models, in the order given."""
        if isinstance(names, str):
            names = [names]
        unknown = [n for n in names if n not in self.models]
        if unknown:
            raise KeyError(f"unknown model(s) {unknown}; this dataset has {self.models}")
        cols = np.array([self.models.index(n) for n in names], dtype=int)
        return self._take(slice(None), cols)

    def model_index(self, name: str) -> int:
        """Column of model ``name``."""
        try:
            return self.models.index(name)
        except ValueError:
            raise KeyError(f"unknown model {name!r}; this dataset has {self.models}") from None

    @property
    def task_names(self) -> list[str]:
        """Distinct tasks in order of first appearance (empty if the data has no tasks)."""
        if self.tasks is None:
            return []
        _, first = np.unique(self.tasks, return_index=True)
        return [str(self.tasks[k]) for k in np.sort(first)]

    def with_features(self, features: np.ndarray | None) -> "RoutingData":
        """A copy with ``features`` replaced (validated like the constructor does)."""
        return replace(self, features=features, meta=dict(self.meta))


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        raise ValueError("a seed is required: pass an integer (or a numpy Generator) so the split is reproducible")
    return np.random.default_rng(seed)


def train_test_split(data: RoutingData, test_size: float = 0.3, seed: int | np.random.Generator = 0,
                     stratify: str | None = "task") -> tuple[RoutingData, RoutingData]:
    """Random split of the queries into train and test.

    With ``stratify="task"`` (the default, used where the data has tasks) each task is split in the same
    proportion, so both parts have the same task mix. ``test_size`` is a fraction in (0, 1) or a number of
    queries (then met up to rounding within each task).
    The same seed always gives the same split.
    """
    n = len(data)
    if isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool):
        if not 0 < test_size < n:
            raise ValueError(f"test_size must leave queries on both sides: got {test_size} of {n} queries")
        frac = int(test_size) / n
    else:
        frac = float(test_size)
        if not 0 < frac < 1:
            raise ValueError(f"test_size must be a fraction in (0, 1) or a number of queries, got {test_size}")
    if stratify not in (None, "task"):
        raise ValueError(f"stratify must be 'task' or None, got {stratify!r}")
    rng = _rng(seed)
    if stratify == "task" and data.tasks is not None:
        groups = [np.flatnonzero(data.tasks == t) for t in data.task_names]
    else:
        groups = [np.arange(n)]
    test = []
    for rows in groups:
        k = int(round(frac * len(rows)))
        test.append(rng.permutation(rows)[:k])
    test_idx = np.sort(np.concatenate(test))
    if len(test_idx) == 0 or len(test_idx) == n:
        raise ValueError(f"test_size={test_size} leaves one side empty on {n} queries")
    mask = np.zeros(n, dtype=bool)
    mask[test_idx] = True
    return data[~mask], data[mask]


def leave_task_out(data: RoutingData, task: str) -> tuple[RoutingData, RoutingData]:
    """Train on every task but ``task``; test on ``task`` alone (does a router transfer to an unseen task?)."""
    if data.tasks is None:
        raise ValueError("leave_task_out needs task labels, and this dataset has none")
    if task not in data.task_names:
        raise KeyError(f"unknown task {task!r}; this dataset has {data.task_names}")
    mask = data.tasks == task
    if mask.all():
        raise ValueError(f"every query belongs to task {task!r}: nothing would be left to train on")
    return data[~mask], data[mask]


def subsample(data: RoutingData, n: int, seed: int | np.random.Generator = 0) -> RoutingData:
    """``n`` queries drawn at random without replacement (for learning curves over training-set size)."""
    if not 0 < n <= len(data):
        raise ValueError(f"n must be between 1 and {len(data)}, got {n}")
    rows = np.sort(_rng(seed).choice(len(data), size=int(n), replace=False))
    return data[rows]


def predefined_split(data: RoutingData, column: str = "split", train: str | Sequence[str] = "train",
                     test: str | Sequence[str] = "test") -> tuple[RoutingData, RoutingData]:
    """Train and test parts from a split column the data carries in ``data.info`` (e.g. RouterBench's ``split``).

    ``train`` and ``test`` are a label or a list of labels; a query with any other label is an error (name it
    in ``train`` or ``test``), so no query goes missing unnoticed.
    """
    if data.info is None or column not in data.info.columns:
        have = [] if data.info is None else list(data.info.columns)
        raise KeyError(f"no per-query column {column!r} in data.info; this dataset has {have}")
    labels = data.info[column].astype(str).to_numpy()
    train_set = {train} if isinstance(train, str) else set(train)
    test_set = {test} if isinstance(test, str) else set(test)
    if train_set & test_set:
        raise ValueError(f"labels {sorted(train_set & test_set)} are given for both train and test")
    in_train, in_test = np.isin(labels, list(train_set)), np.isin(labels, list(test_set))
    other = ~(in_train | in_test)
    if other.any():
        raise ValueError(f"{int(other.sum())} queries have {column} labels {sorted(set(labels[other]))}, neither "
                         f"train {sorted(train_set)} nor test {sorted(test_set)}: add them to one of the two")
    if not in_train.any() or not in_test.any():
        raise ValueError(f"the {column!r} column leaves one side empty (train {int(in_train.sum())}, "
                         f"test {int(in_test.sum())} queries)")
    return data[in_train], data[in_test]
