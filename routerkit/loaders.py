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
import re
import shutil
import socket
import tempfile
import time
from collections.abc import Hashable
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np
import pandas as pd

from routerkit.data import MAX_COST_USD, SCORE_TOLERANCE, RoutingData, _num
from routerkit.memory import release_freed_memory

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
# Strings that mean "no value" in a score or cost cell (compared after strip + lower): pandas' default missing
# markers, since a long CSV file is read with those turned off (they would also turn text such as a model
# called "NA" into a missing value).
_MISSING_STRINGS = {"", "nan", "-nan", "none", "null", "na", "n/a", "#n/a", "#n/a n/a", "#na", "<na>", "1.#ind",
                    "-1.#ind", "1.#qnan", "-1.#qnan"}
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


def _existing_file(path: str | os.PathLike, allowed: Sequence[str]) -> tuple[Path, str]:
    """The path and its kind; FileNotFoundError names the path, ValueError names an unknown extension."""
    path = Path(path).expanduser()
    kind = _file_kind(path, allowed)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {str(path)!r}" + (" (it is a folder)" if path.is_dir() else ""))
    return path, kind


def _separator(sep: str | None, kind: str, where: str) -> str | None:
    """The separator to read a CSV or TSV file with: ``sep``, else ',' (tab for .tsv); None for other kinds."""
    if sep is None:
        return {"csv": ",", "tsv": "\t"}.get(kind)
    if kind not in ("csv", "tsv"):
        raise ValueError(f"sep={sep!r} applies to CSV and TSV files only, and {where} is "
                         f"{'a DataFrame' if kind == 'dataframe' else 'a ' + kind + ' file'}")
    if not isinstance(sep, str) or not sep:
        raise ValueError(f"sep must be a non-empty string such as ',' or ';', got {sep!r}")
    return sep


def _sep_hint(columns: Sequence[Any], sep: str | None, from_file: bool) -> str:
    """A hint for a header that is one column holding another separator: the file was split on the wrong one."""
    if len(columns) != 1:
        return ""
    header = str(columns[0])
    for other, shown in ((";", "';'"), ("\t", "tab"), (",", "','")):
        if other != sep and other in header:
            how = f"pass sep={other!r}" if from_file else f"read the file with sep={other!r}"
            return f"; the file looks {shown}-separated (its header is the one column {header!r}): {how}"
    return ""


_KIND_NAMES = {"pickle": "a pickle", "parquet": "parquet", "csv": "CSV", "tsv": "TSV"}
# How much of a CSV file is checked for binary content before parsing.
_SNIFF_BYTES = 1 << 16


def _reason(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else ""
    text = text if len(text) <= 200 else text[:200] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@contextmanager
def _reading(path: Path, kind: str) -> Iterator[None]:
    """Turn what a reader raises on an empty, damaged or mislabelled file into a ValueError naming the file."""
    name = str(path)
    if path.stat().st_size == 0:
        raise ValueError(f"{name!r} is empty (0 bytes)")
    if kind in ("csv", "tsv") and path.suffix.lower() != ".gz":
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES)
        nul = head.find(b"\0")
        if nul >= 0:  # text never holds NUL bytes, and the CSV parser would read them as data
            raise ValueError(f"{name!r} is not a text {kind.upper()} file: it holds binary data (a NUL byte at "
                             f"position {nul})")
    try:
        yield
    except UnicodeDecodeError as exc:
        raise ValueError(f"{name!r} is not a text {kind.upper()} file in UTF-8: it has bytes that do not decode "
                         f"(e.g. 0x{exc.object[exc.start]:02x}); if it is text in another encoding, save it as "
                         "UTF-8") from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{name!r} is empty: it has no header line") from None
    except MemoryError:
        raise
    except Exception as exc:  # every reader has its own errors (ArrowInvalid, UnpicklingError, ParserError...)
        raise ValueError(f"could not read {name!r} as {_KIND_NAMES[kind]}: {_reason(exc)}") from exc


def _read_frame(path: str | os.PathLike, allowed: Sequence[str], sep: str | None = None,
                text_columns: Sequence[str] = ()) -> tuple[pd.DataFrame, Path, str]:
    """Read a table. FileNotFoundError names the path; ValueError names an unknown extension or says what is
    wrong with the file (empty, binary, damaged). ``text_columns`` of a CSV or TSV file are read as text."""
    path, kind = _existing_file(path, allowed)
    sep = _separator(sep, kind, repr(str(path)))
    with _reading(path, kind):
        if kind == "pickle":
            frame = pd.read_pickle(path)
        elif kind == "parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, sep=sep, dtype={c: str for c in text_columns})
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{str(path)!r} holds a {type(frame).__name__}, not a pandas DataFrame")
    return frame, path, kind


def _list_columns(columns: Iterable[Any], limit: int = 20) -> str:
    cols = [str(c) for c in columns]
    shown = ", ".join(repr(c) for c in cols[:limit])
    return shown + (f", ... ({len(cols)} in all)" if len(cols) > limit else "")


def _to_float(series: pd.Series, column: str) -> np.ndarray:
    """Coerce a column to float; missing-like cells become NaN, any other non-number is an error, and so are
    complex numbers (converting them to float would silently drop the imaginary part)."""
    complex_error = ValueError(f"column {column!r} holds complex numbers; scores and costs must be real numbers")
    if pd.api.types.is_complex_dtype(series):
        raise complex_error
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return series.to_numpy(dtype=float, na_value=np.nan)
    numbers = pd.to_numeric(series, errors="coerce")
    if pd.api.types.is_complex_dtype(numbers):
        raise complex_error
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


def _brief(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters (a prompt can be pages long)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 5] + "...'" + f" ({len(str(value))} characters)"


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
def _routerbench_models(frame: pd.DataFrame, sep_hint: str = "") -> list[str]:
    columns = [c for c in frame.columns if isinstance(c, str)]
    present = set(columns)
    cost_cols = [c for c in columns if c.endswith(COST_SUFFIX)]
    if not cost_cols:
        raise ValueError("not in RouterBench's wide layout: no '<model>|total_cost' columns; columns present: "
                         f"{_list_columns(frame.columns)}{sep_hint}")
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
                            missing: str = "raise", name: str | None = None, sep: str | None = None) -> RoutingData:
    if missing not in MISSING_CHOICES:
        raise ValueError(f"missing must be one of {MISSING_CHOICES}, got {missing!r}")
    label = Path(source).name if source else "the DataFrame"
    models = _routerbench_models(frame, _sep_hint(frame.columns, sep, source is not None))
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

    checks = ((scores, "score", (scores < -SCORE_TOLERANCE) | (scores > 1 + SCORE_TOLERANCE), "in [0, 1]", ""),
              (costs, "cost", costs < 0, "non-negative", ""),
              (costs, "cost", costs > MAX_COST_USD, f"at most {MAX_COST_USD:g} USD", "; costs are USD per call"))
    for arr, kind, bad, need, hint in checks:
        if bad.any():
            r, j = np.argwhere(bad)[0]
            column = models[j] if kind == "score" else models[j] + COST_SUFFIX
            raise ValueError(f"column {column!r} has {int(bad[:, j].sum())} {kind}(s) that are not {need}, e.g. "
                             f"{_num(arr[r, j])} at row {int(np.flatnonzero(keep)[r])} "
                             f"({int(bad.sum())} such values across all models){hint}")

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


def load_routerbench(path: str | os.PathLike | pd.DataFrame, missing: str = "raise",
                     sep: str | None = None) -> RoutingData:
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

    Scores may lie up to 1e-9 outside [0, 1] (float round-off; clipped); costs must be at most 1e6 USD per call.
    A CSV or TSV file is split on ``sep`` (default ',' for ``.csv``, tab for ``.tsv``); its ``sample_id`` is
    read as text. An empty, binary or damaged file is a ``ValueError`` naming the file.
    """
    if isinstance(path, pd.DataFrame):
        _separator(sep, "dataframe", "the input")
        return _routerbench_from_frame(path, source=None, file_format="dataframe", missing=missing)
    if missing not in MISSING_CHOICES:
        raise ValueError(f"missing must be one of {MISSING_CHOICES}, got {missing!r}")
    frame, resolved, kind = _read_frame(path, ("pickle", "parquet", "csv", "tsv"), sep, text_columns=("sample_id",))
    return _routerbench_from_frame(frame, source=str(resolved), file_format=kind, missing=missing,
                                   sep=_separator(sep, kind, repr(str(resolved))))


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


# Staging folders are named .download-<pid>-<host>-<random>, so a later call can tell a killed download's
# folder (its process is gone) from a live one.
_STAGING_NAME = re.compile(r"\.download-(\d+)-(.*)-[^-]+", re.DOTALL)
# A staging folder untouched this long belongs to no live download, whatever its name says (another host, a pid
# reused by an unrelated process, or a folder from a routerkit that did not put the pid in the name).
STALE_STAGING_SECONDS = 24 * 3600


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would send Ctrl+C there: count it alive and leave it to the age rule
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    except (OverflowError, OSError):  # not a possible pid
        return False
    return True


def _last_change(folder: Path) -> float:
    times = [folder.stat().st_mtime]
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            try:
                times.append(os.lstat(os.path.join(root, name)).st_mtime)
            except OSError:  # removed meanwhile
                continue
    return max(times)


def _remove_stale_staging(folder: Path) -> None:
    """Remove the staging folders of downloads that died: on this host with a pid that is no longer running,
    or untouched for ``STALE_STAGING_SECONDS``. A live download's folder is never touched."""
    try:
        entries = [e for e in folder.iterdir() if e.name.startswith(".download-")]
    except OSError:  # no cache folder yet, or unreadable: nothing of ours to clean
        return
    host, now = socket.gethostname(), time.time()
    for entry in entries:
        try:
            if entry.is_symlink() or not entry.is_dir():
                continue
            match = _STAGING_NAME.fullmatch(entry.name)
            dead = match is not None and match[2] == host and not _pid_alive(int(match[1]))
            if dead or now - _last_change(entry) > STALE_STAGING_SECONDS:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:  # vanished or unreadable: another process is handling it
            continue


def fetch_routerbench(variant: str = "0shot", cache_dir: str | os.PathLike | None = None) -> Path:
    """Path of RouterBench's official pickle, downloaded from Hugging Face if it is not cached yet.

    ``variant`` is ``"0shot"`` or ``"5shot"`` (files ``routerbench_0shot.pkl`` / ``routerbench_5shot.pkl``
    of the dataset ``withmartian/routerbench``). The cache folder is ``cache_dir``, else ``$ROUTERKIT_CACHE``,
    else ``~/.cache/routerkit``. A cached file whose sha256 matches is returned with no network call. A
    download goes to a staging folder inside the cache folder (``.download-<pid>-<host>-...``) and is renamed
    into place only after its sha256 matches, so a failed or corrupt download leaves nothing behind; the
    staging folders of downloads that were killed (their process is gone, or nothing in them changed for a
    day) are removed by the next call. Needs ``huggingface_hub`` (``pip install 'routerkit[download]'``). Any
    failure, including a cache folder that cannot be created or written, raises
    :class:`RouterBenchDownloadError` saying how to place the file by hand.
    """
    if variant not in ROUTERBENCH_FILES:
        raise ValueError(f"unknown RouterBench variant {variant!r}; choose one of {sorted(ROUTERBENCH_FILES)}")
    filename, expected = ROUTERBENCH_FILES[variant], ROUTERBENCH_SHA256[variant]
    folder = _cache_dir(cache_dir)
    target = folder / filename
    _remove_stale_staging(folder)
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
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".download-{os.getpid()}-{socket.gethostname()}-", dir=folder))
    except OSError as exc:
        raise RouterBenchDownloadError(
            f"cannot use {folder} as the cache folder ({exc.strerror or exc}): choose another with "
            f"fetch_routerbench({variant!r}, cache_dir='...') or the environment variable {CACHE_ENV}."
            + _by_hand(variant, folder)) from exc
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
class _IfPresent:
    """Default of ``load_long``'s ``task=`` and ``prompt=``: the column of that name, when there is one."""

    def __repr__(self) -> str:
        return "<the column of that name, if present>"


_IF_PRESENT = _IfPresent()
_TEXT_ROLES = ("query", "model", "task", "prompt")


def _long_columns(frame: pd.DataFrame | None, path: Path | None, kind: str, columns: dict[str, str],
                  sep: str | None) -> dict[str, Any]:
    """Each role's column: a pandas Series, or (parquet) a pyarrow ChunkedArray whose text is dictionary-encoded.

    Only the needed columns are read. Text columns of a parquet file are read dictionary-encoded, so a prompt
    repeated for every model is held once; those of a CSV or TSV file are read as text (``"007"`` stays
    ``"007"``) with no cell turned into a missing value (an empty one counts as missing where that matters).
    """
    if frame is not None:
        return {role: frame[name] for role, name in columns.items()}
    names = list(dict.fromkeys(columns.values()))
    text = [columns[r] for r in _TEXT_ROLES if r in columns]
    if kind == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        def is_text(t: Any) -> bool:
            return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t) \
                or pa.types.is_large_binary(t)

        with _reading(path, kind):
            schema = pq.read_schema(path)
            table = pq.read_table(path, columns=names,
                                  read_dictionary=[c for c in text if is_text(schema.field(c).type)])
        return {role: table.column(name) for role, name in columns.items()}
    with _reading(path, kind):
        # object, not pandas' str dtype: the parser then reuses one Python string for repeated cells (a prompt
        # repeated for every model), where str would copy every cell into an Arrow array (slower, 2x memory).
        frame = pd.read_csv(path, sep=sep, usecols=names, dtype={c: object for c in text}, keep_default_na=False)
    return {role: frame[name] for role, name in columns.items()}


def _coded(column: Any, name: str, blank_is_missing: bool) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 where missing) and the distinct values they index: equal values share one code, so
    every per-row comparison after this is between integers, never between Python objects."""
    if isinstance(column, pd.Series):
        try:
            codes, uniques = pd.factorize(column)
        except TypeError:  # unhashable cells (lists, dicts)
            example = next(v for v in column if not isinstance(v, Hashable))
            raise ValueError(f"column {name!r} holds values that are not text or numbers (e.g. {example!r}); "
                             "give one text or number per cell") from None
        codes, values = codes.astype(np.int64, copy=False), np.asarray(uniques)
    else:
        import pyarrow as pa
        import pyarrow.compute as pc
        try:
            if not pa.types.is_dictionary(column.type):
                column = pc.dictionary_encode(column)
        except pa.ArrowNotImplementedError:
            raise ValueError(f"column {name!r} holds values of type {column.type}, not text or numbers; give one "
                             "text or number per cell") from None
        # Chunks of one parquet row group share one dictionary in memory: stack each distinct dictionary once
        # (cheaper than unify_dictionaries, which hashes every chunk's copy), then encode the stack, so that
        # equal values get one code whichever chunk or dictionary they come from.
        offsets: dict[tuple, int] = {}
        stacked, pieces, size = [], [], 0
        for chunk in column.chunks:
            dictionary = chunk.dictionary
            key = (len(dictionary), dictionary.offset) + tuple(b.address if b is not None else 0
                                                               for b in dictionary.buffers())
            if key not in offsets:
                offsets[key] = size
                stacked.append(dictionary)
                size += len(dictionary)
            indices = pc.fill_null(chunk.indices, -1).to_numpy().astype(np.int64)
            pieces.append(np.where(indices < 0, -1, indices + offsets[key]))
        canon = pc.dictionary_encode(pa.concat_arrays(stacked) if stacked else pa.array([], column.type.value_type))
        lookup = np.append(pc.fill_null(canon.indices, -1).to_numpy(zero_copy_only=False), -1)
        codes = lookup[np.concatenate(pieces) if pieces else np.zeros(0, np.int64)]
        values = canon.dictionary.to_numpy(zero_copy_only=False)
    # Python objects (ints, not numpy scalars) so that messages show plain values; there is one per distinct value.
    values = values.astype(object)
    if blank_is_missing:
        blank = np.append(values == "", False)
        if blank.any():
            codes = np.where(blank[codes], -1, codes)
    return codes, values


def _per_query(values: np.ndarray, codes: np.ndarray, fill: Any = None) -> np.ndarray:
    """``values[codes]`` as an object array, ``fill`` where a code is -1."""
    out = np.full(len(codes), fill, dtype=object)
    present = codes >= 0
    out[present] = values[codes[present]]
    return out


def _floats(column: Any, name: str) -> np.ndarray:
    """A score or cost column as float64, NaN where missing (see ``_to_float`` for text)."""
    if isinstance(column, pd.Series):
        return _to_float(column, name)
    import pyarrow as pa
    kind = column.type
    if pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_boolean(kind) \
            or pa.types.is_decimal(kind):
        return column.cast(pa.float64()).to_numpy()
    return _to_float(column.to_pandas(), name)


def load_long(path_or_frame: str | os.PathLike | pd.DataFrame, query: str = "query_id", model: str = "model",
              score: str = "score", cost: str = "cost", task: str | None | _IfPresent = _IF_PRESENT,
              prompt: str | None | _IfPresent = _IF_PRESENT, missing: str = "raise",
              sep: str | None = None) -> RoutingData:
    """Pivot long results (one row per query and model: CSV, TSV, parquet, or a DataFrame) into ``RoutingData``.

    Column names are given by ``query``, ``model``, ``score`` and ``cost``. ``task`` and ``prompt`` (both must
    be constant within a query) default to the columns named exactly ``task`` and ``prompt`` when the data
    has them; ``task=None`` / ``prompt=None`` leave them out, and a column named explicitly must exist.

    ``ids`` are the query ids and ``models`` the model names, each in order of first appearance. In a CSV or
    TSV file the query, model, task and prompt columns are read as text, so ids are strings (``"007"`` and
    ``"7"`` are two queries); from parquet or a DataFrame, integer ids stay integers (int64) and text ids are
    strings. ``sep`` is the separator of a CSV or TSV file (default ',' for ``.csv``, tab for ``.tsv``).

    Errors name the column, value and row (0-based, header not counted): a missing column (with a hint when
    the file looks split on the wrong separator), a missing or empty query id or model name, two model names
    that differ only by surrounding whitespace, a (query, model) pair given twice, non-numeric or complex
    values, scores outside [0, 1] (up to 1e-9 outside is float round-off, clipped), negative costs or costs
    above 1e6 USD per call, a task or prompt that changes within a query, a query without a task (when a task
    column is used), a query lacking some model. An empty, binary or damaged file is a ``ValueError`` naming
    the file.

    A query that lacks a result for some model (no row, or an empty score or cost) is an error by default;
    ``missing="drop"`` drops such queries and records them in ``meta["dropped_queries"]``.
    """
    try:
        return _pivot_long(path_or_frame, query, model, score, cost, task, prompt, missing, sep)
    finally:
        release_freed_memory()


def _pivot_long(path_or_frame, query, model, score, cost, task, prompt, missing, sep) -> RoutingData:
    if missing not in MISSING_CHOICES:
        raise ValueError(f"missing must be one of {MISSING_CHOICES}, got {missing!r}")
    if isinstance(path_or_frame, pd.DataFrame):
        frame, path, source, kind = path_or_frame, None, None, "dataframe"
        sep = _separator(sep, kind, "the input")
        present = list(frame.columns)
    else:
        frame = None
        path, kind = _existing_file(path_or_frame, ("csv", "tsv", "parquet"))
        source = str(path)
        sep = _separator(sep, kind, repr(source))
        present = _columns_of(path, kind, sep)
    label = Path(source).name if source else "the DataFrame"
    wanted = {"query": query, "model": model, "score": score, "cost": cost, "task": task, "prompt": prompt}
    columns: dict[str, str] = {}
    for role, col in wanted.items():
        if col is _IF_PRESENT:
            if role in present:
                columns[role] = role
            continue
        if col is None:
            continue
        if col not in present:
            raise ValueError(f"column {col!r} (the {role} column) not found in {label}; columns present: "
                             f"{_list_columns(present)}. Pass {role}='<name>' to use another column"
                             + _sep_hint(present, sep, frame is None))
        columns[role] = col

    data = _long_columns(frame, path, kind, columns, sep)
    n_rows = len(data["query"])
    if n_rows == 0:
        raise ValueError(f"{label} has no rows")
    codes = {role: _coded(data[role], columns[role], blank_is_missing=role != "prompt")
             for role in _TEXT_ROLES if role in columns}
    for role in ("query", "model"):
        gap = codes[role][0] < 0
        if gap.any():
            raise ValueError(f"column {columns[role]!r} has {int(gap.sum())} missing or empty value(s), first at "
                             f"row {int(np.argmax(gap))}")
    # Codes in order of first appearance: that is the order of the queries and of the models.
    q_codes, q_order = pd.factorize(codes["query"][0])
    q_ids = codes["query"][1][q_order]
    m_codes, m_order = pd.factorize(codes["model"][0])
    models = [str(v) for v in codes["model"][1][m_order]]
    n, m = len(q_ids), len(models)

    def first_row(j: int) -> int:
        return int(np.argmax(m_codes == j))

    stripped = [name.strip() for name in models]
    for j, name in enumerate(models):
        k = stripped.index(stripped[j])
        if k != j:
            same = "are the same name once read as text" if models[k] == name else \
                "differ only by surrounding whitespace"
            raise ValueError(f"column {model!r} has model names {models[k]!r} (first at row {first_row(k)}) and "
                             f"{name!r} (first at row {first_row(j)}), which {same}: make them one name in "
                             "the data, or two clearly different ones")

    def at(row: int) -> str:
        return f"row {row} (query {q_ids[q_codes[row]]!r}, model {models[m_codes[row]]!r})"

    s = _floats(data["score"], score)
    c = _floats(data["cost"], cost)
    checks = ((s, score, (s < -SCORE_TOLERANCE) | (s > 1 + SCORE_TOLERANCE), "outside [0, 1]",
               "; scores are quality in [0, 1]: rescale them"),
              (c, cost, c < 0, "negative", ""),
              (c, cost, c > MAX_COST_USD, f"above {MAX_COST_USD:g} USD", "; costs are USD per call: is the column "
               "in another unit (tokens? micro-dollars?)"))
    for arr, col, bad, what, hint in checks:
        if bad.any():
            r = int(np.argmax(bad))
            raise ValueError(f"column {col!r} has {int(bad.sum())} {what} value(s), first {_num(arr[r])} at "
                             f"{at(r)}{hint}")

    cell = q_codes * m + m_codes
    counts = np.bincount(cell, minlength=n * m)
    if (counts > 1).any():
        r = int(np.argmax(pd.Series(cell).duplicated().to_numpy()))
        raise ValueError(f"query {q_ids[q_codes[r]]!r} has model {models[m_codes[r]]!r} twice (again at row {r}; "
                         f"{n_rows - int(np.count_nonzero(counts))} repeated (query, model) pair(s) in all): give "
                         "one row per pair")
    scores = np.full(n * m, np.nan)
    costs = np.full(n * m, np.nan)
    scores[cell], costs[cell] = s, c
    scores, costs = scores.reshape(n, m), costs.reshape(n, m)
    gap = (counts == 0).reshape(n, m) | np.isnan(scores) | np.isnan(costs)
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
    keep = ~gap.any(axis=1)

    # Query codes follow first appearance, so a query's first row is where their running maximum steps up.
    running = np.maximum.accumulate(q_codes)
    first = np.flatnonzero(np.r_[True, running[1:] > running[:-1]])
    per_query: dict[str, np.ndarray | None] = {"task": None, "prompt": None}
    for role in ("task", "prompt"):
        if role not in codes:
            continue
        col = columns[role]
        role_codes, values = codes[role]
        ref = role_codes[first][q_codes]
        differs = role_codes != ref
        if differs.any():
            r = int(np.argmax(differs))
            shown = _per_query(values, np.array([ref[r], role_codes[r]]))
            raise ValueError(f"column {col!r} (the {role}) must be constant within a query, but query "
                             f"{q_ids[q_codes[r]]!r} has {_brief(shown[0])} and {_brief(shown[1])} (row {r}; "
                             f"{len(np.unique(q_codes[differs]))} such queries)")
        kept_codes = role_codes[first][keep]
        if role == "task" and (kept_codes < 0).any():
            lacking = np.flatnonzero(keep)[kept_codes < 0]
            raise ValueError(f"column {col!r} (the task) is missing or empty for {len(lacking)} queries, first "
                             f"query {q_ids[lacking[0]]!r} (row {int(first[lacking[0]])}): give every query a "
                             "task, or pass task=None")
        per_query[role] = _per_query(values, kept_codes, fill=None if role == "task" else "")

    ids = q_ids[keep]
    id_kind = pd.api.types.infer_dtype(ids, skipna=False)
    if id_kind == "integer":  # integer query ids stay integers, strings become a str array
        ids = ids.astype(np.int64)
    elif id_kind == "string":
        ids = ids.astype(str)
    prompts = per_query["prompt"]
    if prompts is not None:
        prompts = np.frompyfunc(str, 1, 1)(prompts)
    meta: dict[str, Any] = {"name": Path(source).stem if source else "long", "source": source,
                            "format": f"long-{kind}"}
    if dropped is not None:
        meta["dropped_queries"] = dropped
    return RoutingData(scores=scores[keep], costs=costs[keep], models=models, tasks=per_query["task"],
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


def _columns_of(path: Path, kind: str, sep: str | None = None) -> list[str]:
    """Column names of a parquet, CSV or TSV file (its header only); a ValueError says what is wrong with it."""
    sep = _separator(sep, kind, repr(str(path)))
    with _reading(path, kind):
        if kind == "parquet":
            import pyarrow.parquet as pq
            return list(pq.read_schema(path).names)
        if kind in ("csv", "tsv"):
            return list(pd.read_csv(path, nrows=0, sep=sep).columns)
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
                except ValueError:  # not a readable parquet file: not ours to judge here
                    continue
            elif kind == "pickle":
                try:
                    frame, _, _ = _read_frame(path, ("pickle",))
                except ValueError:
                    continue
                if _is_wide(frame.columns):
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
    kind = _file_kind(path, ("pickle", "parquet", "csv", "tsv"))
    if format == "routerbench" and frame is None:
        return load_routerbench(path, **kwargs)
    if format == "long" and kind != "pickle":
        return load_long(path, **kwargs)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {str(path)!r}")
    sep = _separator(kwargs.get("sep"), kind, repr(str(path)))
    if kind == "pickle" and frame is None:
        frame, _, _ = _read_frame(path, ("pickle",))
    columns = list(frame.columns) if frame is not None else _columns_of(path, kind, sep)
    if format == "routerbench" or (format == "auto" and _is_wide(columns)):
        if frame is not None:
            return _routerbench_from_frame(frame, source=str(path), file_format="pickle", **kwargs)
        return load_routerbench(path, **kwargs)
    long_cols = [kwargs.get(k, d) for k, d in (("query", "query_id"), ("model", "model"), ("score", "score"),
                                                ("cost", "cost"))]
    if format == "long" or all(c in columns for c in long_cols):
        if frame is not None:
            data = load_long(frame, **kwargs)
            data.meta.update(name=path.stem, source=str(path), format=f"long-{kind}")
            return data
        return load_long(path, **kwargs)
    raise ValueError(f"cannot tell the layout of {str(path)!r}: RouterBench's wide layout has '<model>|total_cost' "
                     f"columns, the long layout has columns {long_cols}; columns present: "
                     f"{_list_columns(columns)}{_sep_hint(columns, sep, True)}. Pass format='routerbench' or "
                     "format='long' (with the column names as query=, model=, score=, cost=)")


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
      or the names passed as ``query=`` etc., mean the long layout, and there, as in :func:`load_long`,
      columns named ``task`` and ``prompt`` are taken along unless ``task=``/``prompt=`` say otherwise);
      ``"routerbench"`` or ``"long"`` force one (either layout may also be a pickled DataFrame).
    - a DataFrame: the same detection.

    ``kwargs`` go to the loader (e.g. ``missing="drop"``, column names for the long layout, ``sep=";"`` for a
    CSV file split on another separator, also used to read its header for the detection).
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
