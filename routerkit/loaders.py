"""Load routing data: RouterBench (its wide file), a user's own results in long form, and datasets by name.

Every loader returns a :class:`~routerkit.data.RoutingData`. Nothing here touches the network except
:func:`fetch_routerbench`, and that only when called.

- :func:`load_routerbench` reads RouterBench's wide layout (one row per prompt; one score column per model,
  named by the model id; ``<model>|total_cost`` and ``<model>|model_response`` columns) from a pickle, a
  parquet file, a CSV file or a DataFrame.
- :func:`fetch_routerbench` downloads the official pickle from the Hugging Face dataset
  ``withmartian/routerbench`` into a cache folder and checks its sha256.
- :func:`load_long` pivots long results (one row per query and model) into the matrices.
- :func:`load_dataset` resolves a name (``"routerworld"``, ``"routerbench"``, ``"routerbench-0shot"``,
  ``"routerbench-5shot"``, a file name) or a path and calls the right loader.

Per-query columns that ``RoutingData`` has no field for (RouterBench's ``sample_id``, original ``eval_name``,
``split``, ``oracle_model_to_route_to``) are kept in ``data.info``, which follows every selection and split;
:func:`routerkit.predefined_split` splits on the ``split`` column.

Pickle files can run code when loaded: load only pickles you trust (the official RouterBench files are
checked against their published sha256 by :func:`fetch_routerbench`).
"""
from __future__ import annotations

import ast
import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from routerkit.data import RoutingData

__all__ = [
    "load_routerbench",
    "fetch_routerbench",
    "load_long",
    "load_dataset",
    "RouterBenchDownloadError",
    "ROUTERBENCH_FILES",
    "ROUTERBENCH_SHA256",
]

HF_REPO = "withmartian/routerbench"
DATASET_PAGE = "https://huggingface.co/datasets/withmartian/routerbench"
ROUTERBENCH_FILES = {"0shot": "routerbench_0shot.pkl", "5shot": "routerbench_5shot.pkl"}
ROUTERBENCH_SHA256 = {
    "0shot": "ba4f77f19517610a707c374e99322d7750c30fc4ae7ff5527888595a1e65d36d",
    "5shot": "fbd7d3d16fba2759a18fa0ad44409d3e0e92ba80d03d90827eed1a6d084c9ffe",
}
COST_SUFFIX = "|total_cost"
RESPONSE_SUFFIX = "|model_response"
DATA_ENV = "ROUTERKIT_DATA"
CACHE_ENV = "ROUTERKIT_CACHE"
MISSING_CHOICES = ("raise", "drop")
FORMATS = ("auto", "routerbench", "long")
# Strings that mean "no value" in a score or cost cell (compared after strip + lower).
_MISSING_STRINGS = {"", "nan", "none", "null", "na", "n/a"}
_READERS = {".pkl": "pickle", ".pickle": "pickle", ".parquet": "parquet", ".pq": "parquet",
            ".csv": "csv", ".tsv": "tsv"}


class RouterBenchDownloadError(RuntimeError):
    """RouterBench could not be fetched (offline, no ``huggingface_hub``, or a checksum mismatch).

    The message always says how to place the file by hand.
    """


# -- small helpers -------------------------------------------------------------------------------------
def _suffix(path: Path) -> str:
    """File extension, looking through a trailing ``.gz`` (``x.csv.gz`` -> ``.csv``)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz" and len(suffixes) > 1:
        return suffixes[-2]
    return suffixes[-1] if suffixes else ""


def _file_kind(path: Path, allowed: Sequence[str]) -> str:
    kind = _READERS.get(_suffix(path))
    if kind is None or kind not in allowed:
        exts = sorted(ext for ext, k in _READERS.items() if k in allowed)
        raise ValueError(f"unknown file extension {_suffix(path) or '(none)'!r} for {str(path)!r}: "
                         f"expected one of {', '.join(exts)}")
    return kind


def _read_frame(path: str | os.PathLike, allowed: Sequence[str]) -> tuple[pd.DataFrame, Path, str]:
    """Read a table; FileNotFoundError names the path, ValueError names an unknown extension."""
    path = Path(path).expanduser()
    kind = _file_kind(path, allowed)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {str(path)!r}" + (" (it is a folder)" if path.is_dir() else ""))
    if kind == "pickle":
        frame = pd.read_pickle(path)
    elif kind == "parquet":
        frame = pd.read_parquet(path)
    elif kind == "csv":
        frame = pd.read_csv(path)
    else:
        frame = pd.read_csv(path, sep="\t")
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{str(path)!r} holds a {type(frame).__name__}, not a pandas DataFrame")
    return frame, path, kind


def _list_columns(columns: Iterable[Any], limit: int = 20) -> str:
    cols = [str(c) for c in columns]
    shown = ", ".join(repr(c) for c in cols[:limit])
    return shown + (f", ... ({len(cols)} in all)" if len(cols) > limit else "")


def _to_float(series: pd.Series, column: str) -> np.ndarray:
    """Coerce a column to float; missing-like cells become NaN, any other non-number is an error."""
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return series.to_numpy(dtype=float, na_value=np.nan)
    numbers = pd.to_numeric(series, errors="coerce")
    failed = numbers.isna().to_numpy() & ~series.isna().to_numpy()
    if failed.any():
        text = series[failed].astype(str).str.strip().str.lower()
        junk = ~text.isin(_MISSING_STRINGS).to_numpy()
        if junk.any():
            rows = np.flatnonzero(failed)[junk]
            example = series.iloc[rows[0]]
            raise ValueError(f"column {column!r} has {len(rows)} non-numeric value(s), e.g. {example!r} "
                             f"at row {int(rows[0])}; scores and costs must be numbers (empty or NaN for missing)")
    return numbers.to_numpy(dtype=float, na_value=np.nan)


def _show(values: Sequence[Any], limit: int = 5) -> str:
    shown = ", ".join(str(v) for v in values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def _prompt_text(value: Any) -> str:
    """One prompt as plain text: a list of turns (or its repr, as RouterBench stores it) joined by blank lines."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return "\n\n".join(str(t) for t in value)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = str(value)
    stripped = text.strip()
    if stripped.startswith("[") and stripped.endswith("]"):
        try:
            parsed = ast.literal_eval(stripped)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return text
        if isinstance(parsed, (list, tuple)):
            return "\n\n".join(str(t) for t in parsed)
    return text


def _prompts(series: pd.Series) -> np.ndarray:
    memo: dict[Any, str] = {}
    out = np.empty(len(series), dtype=object)
    for k, value in enumerate(series.tolist()):
        if isinstance(value, str):
            if value not in memo:
                memo[value] = _prompt_text(value)
            out[k] = memo[value]
        else:
            out[k] = _prompt_text(value)
    return out


def _task_of(eval_names: pd.Series) -> np.ndarray:
    """RouterBench task per row: the 57 MMLU subjects (``mmlu-astronomy``, ...) are grouped under ``mmlu``."""
    names = eval_names.astype(str)
    mmlu = names.str.lower().str.startswith("mmlu").to_numpy()
    return np.where(mmlu, "mmlu", names.to_numpy(dtype=object)).astype(object)


# -- RouterBench ---------------------------------------------------------------------------------------
def _routerbench_models(frame: pd.DataFrame) -> list[str]:
    columns = [c for c in frame.columns if isinstance(c, str)]
    present = set(columns)
    cost_cols = [c for c in columns if c.endswith(COST_SUFFIX)]
    if not cost_cols:
        raise ValueError("not in RouterBench's wide layout: no '<model>|total_cost' columns; columns present: "
                         f"{_list_columns(frame.columns)}")
    orphans = [c for c in cost_cols if c[: -len(COST_SUFFIX)] not in present]
    if orphans:
        raise ValueError(f"cost column {orphans[0]!r} has no score column {orphans[0][:-len(COST_SUFFIX)]!r} "
                         f"({len(orphans)} such cost column(s)); each model needs both")
    # Model order: the order of the score columns in the file.
    return [c for c in columns if "|" not in c and f"{c}{COST_SUFFIX}" in present]


def _routerbench_ids(frame: pd.DataFrame, keep: np.ndarray) -> tuple[np.ndarray, str]:
    """Ids that identify the kept rows: sample_id if unique, else orig_index if unique, else sample_id#row."""
    rows = np.flatnonzero(keep)
    if "sample_id" in frame.columns:
        sample = frame["sample_id"].to_numpy(dtype=object)[rows].astype(str)
        if len(pd.unique(sample)) == len(sample):
            return sample, "sample_id"
    if "orig_index" in frame.columns:
        orig = frame["orig_index"].to_numpy()[rows]
        if not pd.isna(orig).any() and len(pd.unique(orig)) == len(orig):
            return orig, "orig_index"
    if "sample_id" in frame.columns:
        dup = pd.Series(sample).duplicated(keep=False).to_numpy()
        out = sample.astype(object)
        out[dup] = [f"{s}#{r}" for s, r in zip(sample[dup], rows[dup])]
        return out.astype(str), "sample_id#row"
    return rows, "row"


def _routerbench_from_frame(frame: pd.DataFrame, *, source: str | None, file_format: str,
                            missing: str = "raise", name: str | None = None) -> RoutingData:
    if missing not in MISSING_CHOICES:
        raise ValueError(f"missing must be one of {MISSING_CHOICES}, got {missing!r}")
    label = Path(source).name if source else "the DataFrame"
    models = _routerbench_models(frame)
    if len(models) < 2:
        raise ValueError(f"{label} has {len(models)} model(s) with a score and a '|total_cost' column; "
                         "routing needs at least 2")
    n_rows = len(frame)
    if n_rows == 0:
        raise ValueError(f"{label} has no rows")
    scores = np.column_stack([_to_float(frame[m], m) for m in models])
    costs = np.column_stack([_to_float(frame[m + COST_SUFFIX], m + COST_SUFFIX) for m in models])

    sample_ids = (frame["sample_id"].astype(str).to_numpy(dtype=object) if "sample_id" in frame.columns
                  else np.array([None] * n_rows, dtype=object))
    score_gap, cost_gap = np.isnan(scores), np.isnan(costs)
    incomplete = score_gap.any(axis=1) | cost_gap.any(axis=1)
    dropped: dict[str, Any] | None = None
    if incomplete.any():
        rows = np.flatnonzero(incomplete)
        per_model_s = {m: int(c) for m, c in zip(models, score_gap.sum(axis=0)) if c}
        per_model_c = {m: int(c) for m, c in zip(models, cost_gap.sum(axis=0)) if c}
        if missing == "raise":
            first = [f"row {int(r)}" + (f" (sample_id {sample_ids[r]!r})" if sample_ids[r] is not None else "")
                     for r in rows[:5]]
            parts = []
            if per_model_s:
                parts.append("missing scores per model: " + ", ".join(f"{m} {c}" for m, c in per_model_s.items()))
            if per_model_c:
                parts.append("missing costs per model: " + ", ".join(f"{m} {c}" for m, c in per_model_c.items()))
            raise ValueError(
                f"{len(rows)} of {n_rows} rows in {label} miss a score or a cost for some model: "
                f"{_show(first)}; {'; '.join(parts)}. Rows are never dropped silently: pass missing='drop' to drop "
                "them (what was dropped is recorded in data.meta['dropped_rows'])")
        dropped = {
            "count": int(len(rows)),
            "rows": [int(r) for r in rows],
            "sample_ids": [None if s is None else str(s) for s in sample_ids[rows]],
            "missing_scores": per_model_s,
            "missing_costs": per_model_c,
        }
        if "orig_index" in frame.columns:
            dropped["orig_index"] = frame["orig_index"].to_numpy()[rows].tolist()
        if len(rows) == n_rows:
            raise ValueError(f"every row of {label} misses a score or a cost for some model: nothing left to load")
    keep = ~incomplete
    scores, costs = scores[keep], costs[keep]

    for arr, kind in ((scores, "score"), (costs, "cost")):
        bad = (arr < 0) | (arr > 1) if kind == "score" else arr < 0
        if bad.any():
            r, j = np.argwhere(bad)[0]
            column = models[j] if kind == "score" else models[j] + COST_SUFFIX
            need = "in [0, 1]" if kind == "score" else "non-negative"
            raise ValueError(f"column {column!r} has {int(bad[:, j].sum())} {kind}(s) that are not {need}, e.g. "
                             f"{arr[r, j]:g} at row {int(np.flatnonzero(keep)[r])} "
                             f"({int(bad.sum())} such values across all models)")

    ids, id_column = _routerbench_ids(frame, keep)
    kept = frame.loc[keep]
    tasks = _task_of(kept["eval_name"]) if "eval_name" in frame.columns else None
    prompts = _prompts(kept["prompt"]) if "prompt" in frame.columns else None

    info = {"row": np.flatnonzero(keep)}
    for col in ("sample_id", "eval_name", "split", "oracle_model_to_route_to", "orig_index"):
        if col in frame.columns:
            info[col] = kept[col].to_numpy()
    meta: dict[str, Any] = {
        "name": name or (Path(source).stem if source else "routerbench"),
        "source": source,
        "format": f"routerbench-{file_format}",
        "n_rows_read": int(n_rows),
        "id_column": id_column,
        "dropped_rows": dropped or {"count": 0, "rows": [], "sample_ids": [], "missing_scores": {},
                                    "missing_costs": {}},
    }
    if "split" in frame.columns:
        meta["splits"] = {str(k): int(v) for k, v in kept["split"].value_counts(dropna=False).items()}
    return RoutingData(scores=scores, costs=costs, models=models, tasks=tasks, prompts=prompts, ids=ids,
                       info=pd.DataFrame(info), meta=meta)


def load_routerbench(path: str | os.PathLike | pd.DataFrame, missing: str = "raise") -> RoutingData:
    """Load RouterBench's wide file (pickle ``.pkl``, parquet, or CSV; or a DataFrame in that layout).

    Models are the columns ``X`` that have a matching ``X|total_cost`` column (in the file's column order);
    ``scores[:, j]`` is column ``X`` coerced to float and ``costs[:, j]`` is ``X|total_cost``. ``tasks`` is
    ``eval_name`` with the MMLU subjects grouped under ``"mmlu"``; ``prompts`` is ``prompt`` as plain text
    (a list, or the repr of a list as RouterBench stores it, is joined with blank lines).

    Missing values: a row that lacks a score or a cost for any model is never dropped silently. With
    ``missing="raise"`` (the default) a ``ValueError`` says how many rows, which ones and which models;
    ``missing="drop"`` drops them and records them in ``meta["dropped_rows"]`` (``count``, ``rows`` = 0-based
    row numbers in the file, ``sample_ids``, per-model counts of missing scores and costs).

    Ids: ``sample_id`` when it is unique over the loaded rows; otherwise ``orig_index`` when present and
    unique; otherwise ``sample_id#<row>`` for the duplicated ones. ``meta["id_column"]`` says which.
    ``data.info`` keeps ``row``, ``sample_id``, the original ``eval_name``, ``split``,
    ``oracle_model_to_route_to`` and ``orig_index`` where present (split on ``split`` with
    :func:`routerkit.predefined_split`). Model responses and other extra columns are not kept.
    """
    if isinstance(path, pd.DataFrame):
        return _routerbench_from_frame(path, source=None, file_format="dataframe", missing=missing)
    if missing not in MISSING_CHOICES:
        raise ValueError(f"missing must be one of {MISSING_CHOICES}, got {missing!r}")
    frame, resolved, kind = _read_frame(path, ("pickle", "parquet", "csv", "tsv"))
    return _routerbench_from_frame(frame, source=str(resolved), file_format=kind, missing=missing)


def _cache_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "routerkit"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _by_hand(variant: str, folder: Path) -> str:
    filename = ROUTERBENCH_FILES[variant]
    return (f"\nTo get the file by hand: download {filename} from the dataset page {DATASET_PAGE} "
            f"(tab 'Files and versions'; direct link {DATASET_PAGE}/resolve/main/{filename}) and put it in "
            f"{folder} (routerkit's cache folder, where fetch_routerbench({variant!r}) checks its sha256 "
            f"{ROUTERBENCH_SHA256[variant]}); or put it in any folder and set the environment variable "
            f"{DATA_ENV} to that folder. Then rk.load_dataset('routerbench-{variant}') finds it.")


def fetch_routerbench(variant: str = "0shot", cache_dir: str | os.PathLike | None = None) -> Path:
    """Path of RouterBench's official pickle, downloaded from Hugging Face if it is not cached yet.

    ``variant`` is ``"0shot"`` or ``"5shot"`` (files ``routerbench_0shot.pkl`` / ``routerbench_5shot.pkl``
    of the dataset ``withmartian/routerbench``). The cache folder is ``cache_dir``, else ``$ROUTERKIT_CACHE``,
    else ``~/.cache/routerkit``. A cached file whose sha256 matches is returned with no network call. A
    download goes to a temporary folder inside the cache folder and is renamed into place only after its
    sha256 matches, so a failed or corrupt download leaves nothing behind. Needs ``huggingface_hub``
    (``pip install 'routerkit[download]'``). Any failure raises :class:`RouterBenchDownloadError` saying how
    to place the file by hand.
    """
    if variant not in ROUTERBENCH_FILES:
        raise ValueError(f"unknown RouterBench variant {variant!r}; choose one of {sorted(ROUTERBENCH_FILES)}")
    filename, expected = ROUTERBENCH_FILES[variant], ROUTERBENCH_SHA256[variant]
    folder = _cache_dir(cache_dir)
    target = folder / filename
    if target.is_file():
        digest = _sha256(target)
        if digest == expected:
            return target
        raise RouterBenchDownloadError(
            f"{target} is in the cache but its sha256 is {digest}, not {expected}: it is damaged or not the "
            f"official file. Delete it and call fetch_routerbench({variant!r}) again." + _by_hand(variant, folder))
    try:
        import huggingface_hub
    except ImportError:
        raise RouterBenchDownloadError(
            "downloading RouterBench needs huggingface_hub: pip install 'routerkit[download]' "
            "(or pip install huggingface_hub)." + _by_hand(variant, folder)) from None
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".download-", dir=folder))
    try:
        try:
            got = Path(huggingface_hub.hf_hub_download(repo_id=HF_REPO, filename=filename, repo_type="dataset",
                                                       local_dir=staging))
        except Exception as exc:  # offline, DNS, proxy, HTTP error, ...: all end in the same advice
            raise RouterBenchDownloadError(
                f"could not download {filename} from {DATASET_PAGE} ({type(exc).__name__}: {exc})."
                + _by_hand(variant, folder)) from exc
        if staging.resolve() not in got.resolve().parents:
            # The file landed elsewhere (e.g. a shared Hugging Face cache): copy it into the staging folder.
            copy = staging / (filename + ".partial")
            shutil.copyfile(got, copy)
            got = copy
        digest = _sha256(got)
        if digest != expected:
            raise RouterBenchDownloadError(
                f"the downloaded {filename} has sha256 {digest}, expected {expected}; it was not kept (the file "
                "on Hugging Face may have changed, or the download was damaged)." + _by_hand(variant, folder))
        os.replace(got, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


# -- long form -----------------------------------------------------------------------------------------
def load_long(path_or_frame: str | os.PathLike | pd.DataFrame, query: str = "query_id", model: str = "model",
              score: str = "score", cost: str = "cost", task: str | None = None, prompt: str | None = None,
              missing: str = "raise") -> RoutingData:
    """Pivot long results (one row per query and model: CSV, parquet, or a DataFrame) into ``RoutingData``.

    Column names are given by ``query``, ``model``, ``score``, ``cost`` and optionally ``task`` and ``prompt``
    (both must be constant within a query). ``ids`` are the query ids and ``models`` the model names, each in
    order of first appearance. Errors name the column, value and row: a missing column, a (query, model) pair
    given twice, non-numeric or out-of-range scores, negative costs, a query lacking some model.

    A query that lacks a result for some model (no row, or an empty score or cost) is an error by default;
    ``missing="drop"`` drops such queries and records them in ``meta["dropped_queries"]``.
    """
    if missing not in MISSING_CHOICES:
        raise ValueError(f"missing must be one of {MISSING_CHOICES}, got {missing!r}")
    if isinstance(path_or_frame, pd.DataFrame):
        frame, source, kind = path_or_frame, None, "dataframe"
    else:
        frame, resolved, kind = _read_frame(path_or_frame, ("csv", "tsv", "parquet"))
        source = str(resolved)
    label = Path(source).name if source else "the DataFrame"
    wanted = {"query": query, "model": model, "score": score, "cost": cost, "task": task, "prompt": prompt}
    for role, col in wanted.items():
        if col is not None and col not in frame.columns:
            raise ValueError(f"column {col!r} (the {role} column) not found in {label}; columns present: "
                             f"{_list_columns(frame.columns)}. Pass {role}='<name>' to use another column")
    if len(frame) == 0:
        raise ValueError(f"{label} has no rows")
    frame = frame.reset_index(drop=True)
    for col in (query, model):
        gap = frame[col].isna().to_numpy()
        if gap.any():
            raise ValueError(f"column {col!r} has {int(gap.sum())} missing value(s), first at row "
                             f"{int(np.argmax(gap))}")
    q_codes, q_ids = pd.factorize(frame[query], sort=False)
    m_codes, m_names = pd.factorize(frame[model].astype(str), sort=False)
    q_ids = np.asarray(q_ids, dtype=object)
    models = [str(m) for m in m_names]
    n, m = len(q_ids), len(models)

    def at(row: int) -> str:
        return f"row {row} (query {q_ids[q_codes[row]]!r}, model {models[m_codes[row]]!r})"

    dup = pd.DataFrame({"q": q_codes, "m": m_codes}).duplicated().to_numpy()
    if dup.any():
        r = int(np.argmax(dup))
        raise ValueError(f"query {q_ids[q_codes[r]]!r} has model {models[m_codes[r]]!r} twice (again at row {r}; "
                         f"{int(dup.sum())} repeated (query, model) pair(s) in all): give one row per pair")

    s = _to_float(frame[score], score)
    c = _to_float(frame[cost], cost)
    for arr, col, role in ((s, score, "score"), (c, cost, "cost")):
        bad = (arr < 0) | (arr > 1) if role == "score" else arr < 0
        if bad.any():
            r = int(np.argmax(bad))
            what = "outside [0, 1]" if role == "score" else "negative"
            hint = "; scores are quality in [0, 1]: rescale them" if role == "score" else ""
            raise ValueError(f"column {col!r} has {int(bad.sum())} {what} value(s), first {arr[r]:g} at "
                             f"{at(r)}{hint}")

    scores = np.full((n, m), np.nan)
    costs = np.full((n, m), np.nan)
    scores[q_codes, m_codes] = s
    costs[q_codes, m_codes] = c
    gap = np.isnan(scores) | np.isnan(costs)
    dropped = None
    if gap.any():
        qi, mj = np.argwhere(gap)[0]
        queries_hit = np.flatnonzero(gap.any(axis=1))
        if missing == "raise":
            raise ValueError(
                f"query {q_ids[qi]!r} lacks a result for model {models[mj]!r} ({int(gap.sum())} (query, model) "
                f"pair(s) without a score or cost, across {len(queries_hit)} queries): every query needs a score "
                "and a cost for every model; pass missing='drop' to drop incomplete queries")
        if len(queries_hit) == n:
            raise ValueError(f"every query of {label} lacks a result for some model: nothing left to load")
        dropped = {"count": int(len(queries_hit)), "ids": q_ids[queries_hit].tolist(),
                   "missing_per_model": {models[j]: int(k) for j, k in enumerate(gap.sum(axis=0)) if k}}

    first_row = np.unique(q_codes, return_index=True)[1]  # codes follow first appearance, so this is sorted
    per_query: dict[str, np.ndarray | None] = {"task": None, "prompt": None}
    for role, col in (("task", task), ("prompt", prompt)):
        if col is None:
            continue
        values = frame[col]
        ref = values.iloc[first_row[q_codes]].reset_index(drop=True)
        same = (values == ref).fillna(False).to_numpy(dtype=bool) | (values.isna() & ref.isna()).to_numpy()
        if not same.all():
            r = int(np.argmax(~same))
            raise ValueError(f"column {col!r} (the {role}) must be constant within a query, but query "
                             f"{q_ids[q_codes[r]]!r} has {ref.iloc[r]!r} and {values.iloc[r]!r} (row {r}; "
                             f"{len(np.unique(q_codes[~same]))} such queries)")
        per_query[role] = values.to_numpy(dtype=object)[first_row]

    keep = ~gap.any(axis=1)
    ids = q_ids[keep]
    id_kind = pd.api.types.infer_dtype(ids, skipna=False)
    if id_kind == "integer":  # integer query ids stay integers, strings become a str array
        ids = ids.astype(np.int64)
    elif id_kind == "string":
        ids = ids.astype(str)
    prompts = per_query["prompt"]
    if prompts is not None:
        prompts = np.array(["" if p is None or (isinstance(p, float) and np.isnan(p)) else str(p)
                            for p in prompts[keep]], dtype=object)
    meta: dict[str, Any] = {"name": Path(source).stem if source else "long", "source": source,
                            "format": f"long-{kind}"}
    if dropped is not None:
        meta["dropped_queries"] = dropped
    return RoutingData(scores=scores[keep], costs=costs[keep], models=models,
                       tasks=None if per_query["task"] is None else per_query["task"][keep],
                       prompts=prompts, ids=ids, meta=meta)


# -- datasets by name ----------------------------------------------------------------------------------
_NAMES = {
    "routerbench": ["routerbench_0shot.pkl", "routerbench_5shot.pkl"],
    "routerbench-0shot": ["routerbench_0shot.pkl"],
    "routerbench-5shot": ["routerbench_5shot.pkl"],
}


def _data_dirs() -> list[Path]:
    env = os.environ.get(DATA_ENV, "")
    return [Path(p).expanduser() for p in env.split(os.pathsep) if p.strip()]


def _search_dirs() -> list[tuple[str, Path]]:
    dirs = [(f"${DATA_ENV}", d) for d in _data_dirs()]
    dirs.append(("the cache folder", _cache_dir()))
    return dirs


def _columns_of(path: Path, kind: str) -> list[str]:
    if kind == "parquet":
        import pyarrow.parquet as pq
        return list(pq.read_schema(path).names)
    if kind in ("csv", "tsv"):
        return list(pd.read_csv(path, nrows=0, sep="\t" if kind == "tsv" else ",").columns)
    raise AssertionError(kind)


def _is_wide(columns: Iterable[Any]) -> bool:
    return any(isinstance(c, str) and c.endswith(COST_SUFFIX) for c in columns)


def _find_routerbench(name: str) -> tuple[Path | None, pd.DataFrame | None, list[str]]:
    """Search $ROUTERKIT_DATA, then the cache folder, for a RouterBench file (no network)."""
    looked: list[str] = []
    for label, folder in _search_dirs():
        looked.append(f"{folder} ({label})")
        if not folder.is_dir():
            continue
        for filename in _NAMES[name]:
            if (folder / filename).is_file():
                return folder / filename, None, looked
        if name != "routerbench":
            continue
        known = {f for files in _NAMES.values() for f in files}
        for path in sorted(folder.iterdir()):
            if path.name.startswith(".") or path.name in known or not path.is_file():
                continue
            kind = _READERS.get(_suffix(path))
            if kind == "parquet":
                try:
                    if _is_wide(_columns_of(path, kind)):
                        return path, None, looked
                except Exception:  # not a readable parquet file: not ours to judge here
                    continue
            elif kind == "pickle":
                try:
                    frame = pd.read_pickle(path)
                except Exception:
                    continue
                if isinstance(frame, pd.DataFrame) and _is_wide(frame.columns):
                    return path, frame, looked
    return None, None, looked


def _not_found(what: str, looked: list[str]) -> FileNotFoundError:
    dirs = "; ".join(looked) if looked else "nowhere"
    env_note = "" if _data_dirs() else f" (${DATA_ENV} is not set)"
    return FileNotFoundError(
        f"{what} not found. Looked in: {dirs}{env_note}. To get RouterBench, call "
        "rk.fetch_routerbench('0shot') (downloads once from Hugging Face into the cache folder), or download "
        f"routerbench_0shot.pkl / routerbench_5shot.pkl from {DATASET_PAGE} into a folder and set {DATA_ENV} "
        "to that folder. For a file of your own, pass its path.")


def _load_file(path: Path, format: str, kwargs: dict[str, Any], frame: pd.DataFrame | None = None) -> RoutingData:
    if format == "routerbench":
        if frame is not None:
            return _routerbench_from_frame(frame, source=str(path), file_format="pickle", **kwargs)
        return load_routerbench(path, **kwargs)
    if format == "long":
        return load_long(path, **kwargs)
    # auto: look at the columns
    kind = _file_kind(path, ("pickle", "parquet", "csv", "tsv"))
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {str(path)!r}")
    if kind == "pickle" and frame is None:
        frame, _, _ = _read_frame(path, ("pickle",))
    columns = list(frame.columns) if frame is not None else _columns_of(path, kind)
    if _is_wide(columns):
        return _load_file(path, "routerbench", kwargs, frame)
    long_cols = [kwargs.get(k, d) for k, d in (("query", "query_id"), ("model", "model"), ("score", "score"),
                                                ("cost", "cost"))]
    if all(c in columns for c in long_cols):
        # columns named exactly "task" and "prompt" are taken along unless the caller names others
        kwargs = {**{k: k for k in ("task", "prompt") if k in columns}, **kwargs}
        if frame is not None:
            data = load_long(frame, **kwargs)
            data.meta.update(name=path.stem, source=str(path), format=f"long-{kind}")
            return data
        return load_long(path, **kwargs)
    raise ValueError(f"cannot tell the layout of {str(path)!r}: RouterBench's wide layout has '<model>|total_cost' "
                     f"columns, the long layout has columns {long_cols}; columns present: "
                     f"{_list_columns(columns)}. Pass format='routerbench' or format='long' (with the column "
                     "names as query=, model=, score=, cost=)")


def load_dataset(name_or_path: str | os.PathLike | pd.DataFrame, format: str = "auto", **kwargs: Any) -> RoutingData:
    """Load a routing dataset by name or path. Never touches the network.

    - ``"routerworld"``: the simulated benchmark, ``routerkit.world.simulate(**kwargs)``.
    - ``"routerbench"``, ``"routerbench-0shot"``, ``"routerbench-5shot"``: searched in the folder(s) named by
      ``$ROUTERKIT_DATA`` (several joined with ``os.pathsep``), then in the cache folder of
      :func:`fetch_routerbench`. ``"routerbench"`` takes ``routerbench_0shot.pkl``, else
      ``routerbench_5shot.pkl``, else the first (by name) ``*.parquet`` or ``*.pkl`` in RouterBench's wide
      layout; the ``-0shot`` / ``-5shot`` names take only that official file.
    - a path (or a bare file name, also searched in those folders): ``format="auto"`` looks at the columns
      (``<model>|total_cost`` columns mean RouterBench's wide layout; ``query_id``/``model``/``score``/``cost``,
      or the names passed as ``query=`` etc., mean the long layout, and there columns named ``task`` and
      ``prompt`` are taken along unless ``task=``/``prompt=`` say otherwise); ``"routerbench"`` or ``"long"``
      force one.
    - a DataFrame: the same detection.

    ``kwargs`` go to the loader (e.g. ``missing="drop"`` for RouterBench, column names for the long layout).
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}")
    if isinstance(name_or_path, pd.DataFrame):
        frame = name_or_path
        if format == "routerbench" or (format == "auto" and _is_wide(frame.columns)):
            return load_routerbench(frame, **kwargs)
        return load_long(frame, **kwargs)
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise TypeError(f"load_dataset takes a name, a path or a DataFrame, got {type(name_or_path).__name__}")
    text = os.fspath(name_or_path)
    key = text.strip().lower().replace("_", "-")
    if key == "routerworld":
        from routerkit import world  # lazy: the simulator is only needed here
        return world.simulate(**kwargs)
    if key in _NAMES and not Path(text).expanduser().exists():
        found, frame, looked = _find_routerbench(key)
        if found is None:
            raise _not_found(f"RouterBench ({key!r})", looked)
        return _load_file(found, "routerbench" if format == "auto" else format, kwargs, frame)
    path = Path(text).expanduser()
    if path.is_file():
        return _load_file(path, format, kwargs)
    if path.is_dir():
        raise ValueError(f"{text!r} is a folder: pass a file in it, or set {DATA_ENV} to it and load by name")
    bare = len(path.parts) == 1 and not path.is_absolute()
    if bare:
        looked = []
        for label, folder in _search_dirs():
            looked.append(f"{folder} ({label})")
            if (folder / path).is_file():
                return _load_file(folder / path, format, kwargs)
        raise _not_found(f"{text!r} (not a known dataset name: routerworld, {', '.join(_NAMES)}; not a file "
                         "in the current folder)", looked)
    raise FileNotFoundError(f"no such file: {text!r}")
