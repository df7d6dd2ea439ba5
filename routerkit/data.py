"""`RoutingData`, the one data structure of routerkit, and the ways to split it.

A routing dataset is a matrix: for query ``i`` and model ``j``, ``scores[i, j]`` is the quality of that
model's answer (in [0, 1]; 0/1 correctness on most benchmarks) and ``costs[i, j]`` what the call cost in USD.
Everything else (task labels, prompts, features, true success probabilities) is optional.
"""
from __future__ import annotations

import difflib
import numbers
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = ["RoutingData", "train_test_split", "leave_task_out", "subsample", "predefined_split"]

# Scores this close outside [0, 1] are float round-off (a mean of 0/1 results, a sum of weights) and are clipped.
SCORE_TOLERANCE = 1e-9
# No single LLM call costs a million dollars: a larger cost is in the wrong unit (tokens, micro-dollars) or junk,
# and would make every cost range and budget grid meaningless.
MAX_COST_USD = 1e6


def _first_bad(mask: np.ndarray) -> tuple[int, ...]:
    """Index of the first True entry of ``mask`` (row-major)."""
    return tuple(int(k) for k in np.argwhere(mask)[0])


def _num(value: float) -> str:
    """A number in full precision (the shortest text that reads back as the same float), so 1 + 1e-12 never
    prints as "1"; a whole number prints without ".0"."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _real_array(name: str, value: Any, copy: bool = True) -> np.ndarray:
    """``value`` as a float array (a copy unless ``copy=False`` and it already is one); complex numbers are
    refused, since numpy would silently drop the imaginary part."""
    raw = np.asarray(value)
    if raw.dtype.kind == "c":
        raise ValueError(f"{name} must be real numbers, got complex values (dtype {raw.dtype})")
    try:
        return np.array(raw, dtype=float, copy=copy or None)
    except (TypeError, ValueError) as exc:
        if raw.dtype == object and any(isinstance(v, (complex, np.complexfloating)) for v in raw.flat):
            raise ValueError(f"{name} must be real numbers, got complex values") from None
        raise ValueError(f"{name} must be numeric: {exc}") from None


def _did_you_mean(name: Any, known: Sequence[str]) -> str | None:
    """The known name ``name`` most likely stands for: equal once surrounding whitespace is stripped, else the
    closest spelling."""
    text = str(name)
    for candidate in known:
        if candidate.strip() == text.strip():
            return candidate
    close = difflib.get_close_matches(text, list(known), n=1)
    return close[0] if close else None


@dataclass(eq=False)
class RoutingData:
    """Per-query, per-model scores and costs, with optional query information.

    Parameters
    ----------
    scores : array (n, m)
        Quality of model ``j``'s answer to query ``i``, in [0, 1]. Values less than 1e-9 outside (float
        round-off) are clipped into it; complex values are refused.
    costs : array (n, m)
        USD charged for that call: non-negative, and at most 1e6 (a larger cost is in another unit).
    models : list of str
        Model names, unique and non-empty, one per column.
    tasks : array (n,) of str, optional
        Task or benchmark each query comes from.
    prompts : array (n,) of str, optional
        Query text.
    features : array (n, d), optional
        A numeric representation of each query (what a router sees).
    truth : array (n, m), optional
        True success probabilities (known only for simulated data); in [0, 1] like ``scores``.
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
            feats = _real_array("features", self.features, copy=False)
            if feats.ndim == 1:
                feats = feats[:, None]
            if feats.ndim != 2:
                raise ValueError(f"features must be a 2-D array (n_queries, n_features), got shape {feats.shape}")
            if len(feats) != n:
                raise ValueError(f"features has {len(feats)} rows but there are {n} queries")
            self._check_finite("features", feats, columns="feature column")
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
                missing = pd.isna(arr)
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

    def _check_finite(self, name: str, arr: np.ndarray, columns: str = "model") -> None:
        bad = ~np.isfinite(arr)
        if bad.any():
            kind = "NaN" if np.isnan(arr).any() else "infinite"
            raise ValueError(f"{name} has {int(bad.sum())} {kind} or non-finite entries, first at "
                             f"{self._where(_first_bad(bad), columns)}")

    def _where(self, idx: tuple[int, ...], columns: str = "model") -> str:
        """Where entry ``idx`` is: ``columns="model"`` names the model, anything else numbers the column."""
        if len(idx) == 2:
            column = repr(self.models[idx[1]]) if columns == "model" else str(idx[1])
            return f"query {idx[0]}, {columns} {column}"
        return f"query {idx[0]}"

    def _check_matrix(self, name: str, value: Any, *, unit_interval: bool = False,
                      non_negative: bool = False) -> np.ndarray:
        arr = _real_array(name, value)
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
            bad = (arr < -SCORE_TOLERANCE) | (arr > 1 + SCORE_TOLERANCE)
            if bad.any():
                first = _first_bad(bad)
                raise ValueError(f"{name} has {int(bad.sum())} entries outside [0, 1], first at "
                                 f"{self._where(first)} (value {_num(arr[first])})")
            np.clip(arr, 0.0, 1.0, out=arr)
        if non_negative:
            bad = arr < 0
            if bad.any():
                first = _first_bad(bad)
                raise ValueError(f"{name} has {int(bad.sum())} negative entries, first at "
                                 f"{self._where(first)} (value {_num(arr[first])})")
            bad = arr > MAX_COST_USD
            if bad.any():
                first = _first_bad(bad)
                raise ValueError(f"{name} has {int(bad.sum())} entries above {MAX_COST_USD:g} USD, first at "
                                 f"{self._where(first)} (value {_num(arr[first])}): costs are USD per call, so "
                                 "these are in another unit (tokens? micro-dollars?) or corrupt")
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

    def _unknown_models(self, what: str, unknown: Sequence[Any]) -> KeyError:
        """KeyError for unknown model names, suggesting the known names they most likely stand for."""
        guesses = [(u, _did_you_mean(u, self.models)) for u in unknown]
        guesses = [(u, g) for u, g in guesses if g is not None]
        if not guesses:
            return KeyError(f"{what}; this dataset has {self.models}")
        if len(unknown) == 1:
            hint = f"did you mean {guesses[0][1]!r}?"
        else:
            hint = "did you mean " + ", ".join(f"{g!r} for {u!r}" for u, g in guesses) + "?"
        return KeyError(f"{what}; {hint} This dataset has {self.models}")

    def select_models(self, names: Sequence[str]) -> "RoutingData":
        """Keep only the named models, in the order given. An unknown name is a ``KeyError`` that suggests the
        closest known name (e.g. the same name without stray spaces)."""
        if isinstance(names, str):
            names = [names]
        unknown = [n for n in names if n not in self.models]
        if unknown:
            raise self._unknown_models(f"unknown model(s) {unknown}", unknown)
        cols = np.array([self.models.index(n) for n in names], dtype=int)
        return self._take(slice(None), cols)

    def model_index(self, name: str) -> int:
        """Column of model ``name``; an unknown name is a ``KeyError`` that suggests the closest known name."""
        try:
            return self.models.index(name)
        except ValueError:
            raise self._unknown_models(f"unknown model {name!r}", [name]) from None

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


def _test_fraction(test_size: Any, n: int) -> float:
    """``test_size`` as a fraction of ``n``: a number in (0, 1) is a fraction, a whole number >= 1 (int or float,
    as a command line passes it) a count of queries."""
    if isinstance(test_size, (bool, np.bool_)) or not isinstance(test_size, (int, float, np.integer, np.floating)):
        raise ValueError(f"test_size must be a fraction in (0, 1) or a whole number of queries, got {test_size!r}")
    size = float(test_size)
    if 0 < size < 1:
        return size
    if size >= 1 and size.is_integer():
        if size >= n:
            raise ValueError(f"test_size must leave queries on both sides: got {int(size)} of {n} queries")
        return size / n
    raise ValueError(f"test_size must be a fraction in (0, 1) or a whole number of queries, got {test_size!r}")


def _too_small_to_stratify(test_size: Any, frac: float, sizes: np.ndarray, empty_side: str) -> ValueError:
    """Why a stratified split left ``empty_side`` empty: every task is too small for a share of ``frac``."""
    # The smallest task size whose rounded share puts a query on the empty side lies just above 0.5 / share
    # (np.round rounds halves to even, so it is checked on the sizes around that bound).
    share = frac if empty_side == "test" else 1 - frac
    low = int(0.5 / share)
    k = np.arange(max(low - 1, 1), low + 3)
    taken = np.round(frac * k)
    needed = int(k[taken >= 1 if empty_side == "test" else taken < k][0])
    return ValueError(
        f"test_size={test_size} stratified by task leaves the {empty_side} part empty: every task has fewer than "
        f"{needed} queries ({len(sizes)} tasks, the largest with {int(sizes.max())}), too few to split each in "
        "that proportion. Pass stratify=None to split the queries without regard to task")


def _is_count(test_size) -> bool:
    return not isinstance(test_size, bool) and isinstance(test_size, numbers.Real) and test_size >= 1


def _allocate(total: int, sizes: np.ndarray) -> np.ndarray:
    """``total`` split over groups in proportion to ``sizes``, summing to exactly ``total``: each group gets the
    floor of its share, and the remaining units go to the largest remainders (ties to the earlier group)."""
    share = total * sizes / sizes.sum()
    out = np.floor(share).astype(int)
    order = np.lexsort((np.arange(len(sizes)), -(share - out)))
    out[order[:total - out.sum()]] += 1
    return out


def train_test_split(data: RoutingData, test_size: float = 0.3, seed: int | np.random.Generator = 0,
                     stratify: str | None = "task") -> tuple[RoutingData, RoutingData]:
    """Random split of the queries into train and test.

    ``test_size`` is a fraction in (0, 1), or a whole number of queries: an int, or a float such as ``30.0``
    (a non-integral number >= 1 is an error). With ``stratify="task"`` (the default, used where the data has
    tasks) each task is split in the same proportion, so both parts have the same task mix: a fraction is
    rounded per task, and a count is met exactly (each task gets its proportional share, the units left over
    going to the largest remainders); where every task is too small for that (e.g. one query per task)
    the error says so, and ``stratify=None`` splits the queries as one group. The same seed always gives the
    same split.
    """
    n = len(data)
    frac = _test_fraction(test_size, n)
    if stratify not in (None, "task"):
        raise ValueError(f"stratify must be 'task' or None, got {stratify!r}")
    rng = _rng(seed)
    stratified = stratify == "task" and data.tasks is not None
    if stratified:
        groups = [np.flatnonzero(data.tasks == t) for t in data.task_names]
    else:
        groups = [np.arange(n)]
    sizes = np.array([len(rows) for rows in groups])
    if _is_count(test_size):
        per_group = _allocate(int(round(test_size)), sizes)
    else:
        per_group = np.rint(frac * sizes).astype(int)
    test = [rng.permutation(rows)[:k] for rows, k in zip(groups, per_group)]
    test_idx = np.sort(np.concatenate(test))
    if len(test_idx) == 0 or len(test_idx) == n:
        empty_side = "test" if len(test_idx) == 0 else "train"
        if stratified and len(groups) > 1:
            raise _too_small_to_stratify(test_size, frac, np.array([len(g) for g in groups]), empty_side)
        raise ValueError(f"test_size={test_size} leaves the {empty_side} part empty on {n} queries")
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
