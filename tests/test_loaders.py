"""Loaders: RouterBench's wide file, fetching it (no network: the download is faked), long results, names.

Synthetic fixtures only: RouterBench-layout frames are built here from made-up prompts and numbers. The real
RouterBench subset is read in place from ../shared (tests that need it skip where it is absent).
"""
import hashlib
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import routerkit as rk
from routerkit import loaders

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SUBSET_DIR = ROOT.parent / "shared" / "data" / "routerbench_subset"
SUBSET = SUBSET_DIR / "routerbench_subset_wide.parquet"
needs_subset = pytest.mark.skipif(not SUBSET.is_file(), reason=f"real RouterBench subset not found at {SUBSET} "
                                  "(it lives in ../shared beside the repository, absent in a plain clone)")

MODELS = ["acme/tiny-7b", "acme/large-70b", "gpt-x-preview"]
EVALS = ["mmlu-astronomy", "arc-challenge", "mmlu-virology", "mbpp", "winogrande", "mmlu-anatomy"]


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    """No test sees the user's ROUTERKIT_DATA or cache folder."""
    monkeypatch.delenv("ROUTERKIT_DATA", raising=False)
    monkeypatch.setenv("ROUTERKIT_CACHE", str(tmp_path / "default-cache"))


def wide_frame(n=12, missing=(), missing_cost=(), dup_ids=False, orig_index=False):
    """A made-up frame in RouterBench's wide layout, with object-dtype scores and list-repr prompts."""
    rng = np.random.default_rng(7)
    evals = [EVALS[k % len(EVALS)] for k in range(n)]
    frame = pd.DataFrame({
        "sample_id": [f"{e}.test.{k}" for k, e in enumerate(evals)],
        "prompt": [repr([f"Made-up question number {k}: what is {k} + {k}?"]) for k in range(n)],
        "eval_name": evals,
    })
    if dup_ids:
        frame.loc[1, "sample_id"] = frame.loc[0, "sample_id"]
    kinds = [1.0, 0, "1", "0.0", 1, "1.0"]  # RouterBench's score columns can be object dtype
    for j, m in enumerate(MODELS):
        col = [kinds[(k + j) % len(kinds)] for k in range(n)]
        for r, mj in missing:
            if mj == j:
                col[r] = None
        frame[m] = pd.Series(col, dtype=object)
    for m in MODELS:
        frame[m + "|model_response"] = [repr([f"made-up answer {k}"]) for k in range(n)]
    for j, m in enumerate(MODELS):
        costs = np.round(rng.uniform(1, 2, n) * 10.0 ** (j - 5), 8)
        for r, mj in missing_cost:
            if mj == j:
                costs[r] = np.nan
        frame[m + "|total_cost"] = costs
    frame["oracle_model_to_route_to"] = MODELS[0]
    frame["split"] = ["train" if k % 3 else "test" for k in range(n)]
    frame["cluster_id"] = np.arange(n) % 2  # an extra column: ignored
    if orig_index:
        frame["orig_index"] = np.arange(100, 100 + n)
    return frame


def parquet_safe(frame):
    """Parquet cannot hold a column mixing numbers and strings: write the scores as strings (None stays None)."""
    out = frame.copy()
    for m in MODELS:
        out[m] = pd.Series([None if v is None else str(v) for v in out[m]], dtype=object)
    return out


def expected_scores(n=12):
    kinds = [1.0, 0.0, 1.0, 0.0, 1.0, 1.0]
    return np.array([[kinds[(k + j) % 6] for j in range(len(MODELS))] for k in range(n)])


# -- load_routerbench on synthetic files -----------------------------------------------------------------
@pytest.mark.parametrize("ext", ["pkl", "parquet"])
def test_wide_file_pickle_and_parquet(tmp_path, ext):
    frame = wide_frame()
    assert frame[MODELS[0]].dtype == object
    path = tmp_path / f"bench.{ext}"
    if ext == "pkl":
        frame.to_pickle(path)
    else:
        parquet_safe(frame).to_parquet(path)
    data = rk.load_routerbench(path)
    assert data.models == MODELS
    assert len(data) == 12
    np.testing.assert_array_equal(data.scores, expected_scores())
    np.testing.assert_allclose(data.costs, frame[[m + "|total_cost" for m in MODELS]].to_numpy())
    assert data.prompts[3] == "Made-up question number 3: what is 3 + 3?"
    assert list(data.ids[:2]) == ["mmlu-astronomy.test.0", "arc-challenge.test.1"]
    assert data.meta["format"] == ("routerbench-pickle" if ext == "pkl" else "routerbench-parquet")
    assert data.meta["source"] == str(path)
    assert data.meta["dropped_rows"]["count"] == 0


def test_mmlu_subjects_grouped_and_original_kept():
    data = rk.load_routerbench(wide_frame())
    assert data.task_names == ["mmlu", "arc-challenge", "mbpp", "winogrande"]
    assert (data.tasks == "mmlu").sum() == 6
    original = data.info["eval_name"].to_numpy()
    assert list(original[[0, 2, 5]]) == ["mmlu-astronomy", "mmlu-virology", "mmlu-anatomy"]
    # per-query columns follow selection through the ids
    sub = data[[5, 2]]
    assert list(sub.info["eval_name"].to_numpy()) == ["mmlu-anatomy", "mmlu-virology"]


def test_prompts_as_list_repr_real_list_or_plain_text():
    frame = wide_frame(4)
    frame["prompt"] = pd.Series([repr(["turn one", "turn two"]), ["a real", "list"], "plain text [not a list",
                                 "['it''s broken"], dtype=object)
    data = rk.load_routerbench(frame)
    assert list(data.prompts) == ["turn one\n\nturn two", "a real\n\nlist", "plain text [not a list",
                                  "['it''s broken"]


def test_list_prompts_survive_parquet(tmp_path):
    frame = parquet_safe(wide_frame(3))
    frame["prompt"] = [["first turn"], ["q", "follow-up"], ["third"]]
    frame.to_parquet(tmp_path / "lists.parquet")
    data = rk.load_routerbench(tmp_path / "lists.parquet")
    assert list(data.prompts) == ["first turn", "q\n\nfollow-up", "third"]


def test_missing_score_raises_with_rows_models_and_hint():
    frame = wide_frame(missing=[(4, 1), (9, 1), (9, 2)])
    with pytest.raises(ValueError, match=r"2 of 12 rows .* row 4 \(sample_id 'winogrande.test.4'\), row 9 .*"
                                         r"acme/large-70b 2, gpt-x-preview 1.*missing='drop'"):
        rk.load_routerbench(frame)


def test_missing_drop_records_what_was_dropped():
    data = rk.load_routerbench(wide_frame(missing=[(4, 1), (9, 1), (9, 2)]), missing="drop")
    assert len(data) == 10
    dropped = data.meta["dropped_rows"]
    assert dropped["count"] == 2 and dropped["rows"] == [4, 9]
    assert dropped["sample_ids"] == ["winogrande.test.4", "mbpp.test.9"]
    assert dropped["missing_scores"] == {"acme/large-70b": 2, "gpt-x-preview": 1}
    assert "winogrande.test.4" not in set(data.ids)


def test_missing_cost_treated_like_missing_score():
    frame = wide_frame(missing_cost=[(2, 0)])
    with pytest.raises(ValueError, match=r"1 of 12 rows .*row 2 .*missing costs per model: acme/tiny-7b 1"):
        rk.load_routerbench(frame)
    data = rk.load_routerbench(frame, missing="drop")
    assert len(data) == 11 and data.meta["dropped_rows"]["missing_costs"] == {"acme/tiny-7b": 1}


def test_non_numeric_score_names_column_and_value():
    frame = wide_frame()
    frame.loc[5, "acme/large-70b"] = "timeout"
    with pytest.raises(ValueError, match=r"column 'acme/large-70b' has 1 non-numeric value\(s\), e.g. 'timeout' "
                                         r"at row 5"):
        rk.load_routerbench(frame)


def test_missing_like_strings_count_as_missing_not_junk():
    frame = wide_frame()
    frame.loc[3, "gpt-x-preview"] = "nan"
    with pytest.raises(ValueError, match="1 of 12 rows"):
        rk.load_routerbench(frame)


def test_score_out_of_range_names_column():
    frame = wide_frame()
    frame.loc[2, "acme/tiny-7b"] = 7.5
    with pytest.raises(ValueError, match=r"column 'acme/tiny-7b' has 1 score\(s\) that are not in \[0, 1\], "
                                         r"e.g. 7.5 at row 2"):
        rk.load_routerbench(frame)


def test_not_routerbench_layout_lists_columns():
    with pytest.raises(ValueError, match=r"no '<model>\|total_cost' columns; columns present: 'a', 'b'"):
        rk.load_routerbench(pd.DataFrame({"a": [1], "b": [2]}))


def test_cost_column_without_score_column():
    frame = wide_frame().drop(columns=["gpt-x-preview"])
    with pytest.raises(ValueError, match=r"cost column 'gpt-x-preview\|total_cost' has no score column"):
        rk.load_routerbench(frame)


def test_bad_missing_argument():
    with pytest.raises(ValueError, match=r"missing must be one of \('raise', 'drop'\), got 'ignore'"):
        rk.load_routerbench(wide_frame(), missing="ignore")


def test_ids_identify_rows_when_sample_id_repeats():
    data = rk.load_routerbench(wide_frame(dup_ids=True))
    assert data.meta["id_column"] == "sample_id#row"
    assert list(data.ids[:3]) == ["mmlu-astronomy.test.0#0", "mmlu-astronomy.test.0#1", "mmlu-virology.test.2"]
    data = rk.load_routerbench(wide_frame(dup_ids=True, orig_index=True))
    assert data.meta["id_column"] == "orig_index"
    assert list(data.ids[:3]) == [100, 101, 102]
    assert len(set(data.ids)) == len(data)


def test_predefined_split_from_split_column():
    data = rk.load_routerbench(wide_frame())
    train, test = rk.predefined_split(data)
    assert len(train) == 8 and len(test) == 4
    assert set(test.info["split"].to_numpy()) == {"test"}
    with pytest.raises(ValueError, match=r"4 queries have split labels \['test'\], neither train"):
        rk.predefined_split(data, test="holdout")


def test_routerbench_file_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file: .*nowhere.pkl"):
        rk.load_routerbench(tmp_path / "nowhere.pkl")
    with pytest.raises(ValueError, match=r"unknown file extension '.xlsx'"):
        rk.load_routerbench(tmp_path / "bench.xlsx")


# -- the real subset -------------------------------------------------------------------------------------
@needs_subset
def test_subset_missing_scores_reported():
    with pytest.raises(ValueError) as info:
        rk.load_routerbench(SUBSET)
    msg = str(info.value)
    assert msg.startswith("28 of 3178 rows in routerbench_subset_wide.parquet miss a score")
    assert "row 354 (sample_id 'arc-challenge.val.136')" in msg
    assert "gpt-4-1106-preview 14" in msg and "mistralai/mistral-7b-chat 14" in msg
    assert "pass missing='drop'" in msg


@needs_subset
def test_subset_facts_with_drop():
    data = rk.load_routerbench(SUBSET, missing="drop")
    assert len(data) == 3150 and data.n_models == 11
    assert data.meta["dropped_rows"]["count"] == 28
    assert data.meta["id_column"] == "sample_id" and len(set(data.ids)) == 3150
    assert round(float(data.scores.max(axis=1).mean()), 3) == 0.976
    means = data.scores.mean(axis=0)
    assert data.models[int(np.argmax(means))] == "gpt-4-1106-preview"
    assert round(float(means.max()), 3) == 0.879
    gpt4 = data.scores[:, data.model_index("gpt-4-1106-preview")]
    acc = {t: round(float(gpt4[data.tasks == t].mean()), 3) for t in data.task_names}
    assert acc == {"arc-challenge": 0.954, "winogrande": 0.859, "mbpp": 0.686}
    assert not data.prompts[0].startswith("[")
    train, test = rk.predefined_split(data)
    assert len(train) + len(test) == 3150


# -- fetch_routerbench (the download is always faked) ----------------------------------------------------
def fake_hub(monkeypatch, payload=b"not really a pickle", error=None):
    """Install a fake huggingface_hub whose hf_hub_download writes ``payload`` (or raises ``error``)."""
    calls = []

    def hf_hub_download(repo_id, filename, *, repo_type=None, local_dir=None, **kwargs):
        calls.append({"repo_id": repo_id, "filename": filename, "repo_type": repo_type, "local_dir": local_dir})
        if error is not None:
            raise error
        out = Path(local_dir) / filename
        out.write_bytes(payload)
        return str(out)

    module = types.ModuleType("huggingface_hub")
    module.hf_hub_download = hf_hub_download
    monkeypatch.setitem(sys.modules, "huggingface_hub", module)
    return calls


def test_fetch_unknown_variant():
    with pytest.raises(ValueError, match=r"unknown RouterBench variant '3shot'; choose one of \['0shot', '5shot'\]"):
        rk.fetch_routerbench("3shot")


def test_fetch_checksum_mismatch_leaves_nothing(monkeypatch, tmp_path):
    calls = fake_hub(monkeypatch)
    cache = tmp_path / "cache"
    with pytest.raises(loaders.RouterBenchDownloadError, match=r"has sha256 [0-9a-f]{64}, expected ba4f77f1.*not kept"):
        rk.fetch_routerbench("0shot", cache_dir=cache)
    assert calls[0]["repo_id"] == "withmartian/routerbench" and calls[0]["repo_type"] == "dataset"
    assert calls[0]["filename"] == "routerbench_0shot.pkl"
    assert Path(calls[0]["local_dir"]).parent == cache  # the download stays inside the cache folder
    assert list(cache.iterdir()) == []  # no partial file, no staging folder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]


def test_fetch_verified_file_kept_and_reused(monkeypatch, tmp_path):
    payload = b"made-up bytes standing in for the 5-shot pickle"
    monkeypatch.setitem(loaders.ROUTERBENCH_SHA256, "5shot", hashlib.sha256(payload).hexdigest())
    calls = fake_hub(monkeypatch, payload)
    cache = tmp_path / "cache"
    path = rk.fetch_routerbench("5shot", cache_dir=cache)
    assert path == cache / "routerbench_5shot.pkl" and path.read_bytes() == payload
    assert [p.name for p in cache.iterdir()] == ["routerbench_5shot.pkl"]
    fake_hub(monkeypatch, error=AssertionError("no download expected"))
    assert rk.fetch_routerbench("5shot", cache_dir=cache) == path
    assert len(calls) == 1


def test_fetch_default_cache_from_env(monkeypatch, tmp_path):
    payload = b"fake"
    monkeypatch.setitem(loaders.ROUTERBENCH_SHA256, "0shot", hashlib.sha256(payload).hexdigest())
    fake_hub(monkeypatch, payload)
    monkeypatch.setenv("ROUTERKIT_CACHE", str(tmp_path / "env-cache"))
    assert rk.fetch_routerbench() == tmp_path / "env-cache" / "routerbench_0shot.pkl"


def test_fetch_with_real_module_patched(monkeypatch, tmp_path):
    import huggingface_hub as hub  # in the test extra
    payload = b"fake via the real module"
    monkeypatch.setitem(loaders.ROUTERBENCH_SHA256, "0shot", hashlib.sha256(payload).hexdigest())

    def fake_download(repo_id, filename, **kwargs):
        out = Path(kwargs["local_dir"]) / filename
        out.write_bytes(payload)
        return str(out)

    monkeypatch.setattr(hub, "hf_hub_download", fake_download)
    assert rk.fetch_routerbench(cache_dir=tmp_path).read_bytes() == payload


class ConnectError(Exception):
    """Stands in for httpx.ConnectError, which is not an OSError."""


@pytest.mark.parametrize("error", [ConnectionError("Failed to resolve 'huggingface.co'"),
                                   ConnectError("[Errno -3] Temporary failure in name resolution")])
def test_fetch_offline_says_how_to_place_the_file(monkeypatch, tmp_path, error):
    fake_hub(monkeypatch, error=error)
    cache = tmp_path / "cache"
    with pytest.raises(loaders.RouterBenchDownloadError) as info:
        rk.fetch_routerbench("0shot", cache_dir=cache)
    msg = str(info.value)
    assert "could not download routerbench_0shot.pkl" in msg and type(error).__name__ in msg
    assert "https://huggingface.co/datasets/withmartian/routerbench" in msg
    assert f"put it in {cache}" in msg and "ROUTERKIT_DATA" in msg
    assert isinstance(info.value, RuntimeError)
    assert list(cache.iterdir()) == []


def test_fetch_without_huggingface_hub(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)  # import now raises ImportError
    with pytest.raises(loaders.RouterBenchDownloadError,
                       match=r"(?s)needs huggingface_hub: pip install 'routerkit\[download\]'.*routerbench_5shot.pkl"
                             r".*https://huggingface.co/datasets/withmartian/routerbench"):
        rk.fetch_routerbench("5shot", cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_fetch_refuses_a_damaged_cached_file(monkeypatch, tmp_path):
    fake_hub(monkeypatch, error=AssertionError("no download expected"))
    (tmp_path / "routerbench_0shot.pkl").write_bytes(b"truncated")
    with pytest.raises(loaders.RouterBenchDownloadError, match=r"in the cache but its sha256 is .*Delete it"):
        rk.fetch_routerbench("0shot", cache_dir=tmp_path)


def dead_pid():
    """The pid of a process that has finished."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_fetch_removes_killed_downloads_staging_but_not_live_ones(monkeypatch, tmp_path):
    payload = b"fake"
    monkeypatch.setitem(loaders.ROUTERBENCH_SHA256, "0shot", hashlib.sha256(payload).hexdigest())
    calls = fake_hub(monkeypatch, payload)
    cache = tmp_path / "cache"
    host = loaders.socket.gethostname()
    killed = cache / f".download-{dead_pid()}-{host}-abc_1234"
    live = cache / f".download-{os.getppid()}-{host}-def_5678"  # the pytest runner's parent: running
    elsewhere = cache / f".download-{dead_pid()}-another-host-ghi_9012"  # may be live on that host
    old = cache / ".download-k2j3h4g5"  # named before pids were in the name
    fresh = cache / ".download-z9y8x7w6"
    for folder in (killed, live, elsewhere, old, fresh):
        (folder / "sub").mkdir(parents=True)
        (folder / "sub" / "partial.pkl.incomplete").write_bytes(b"half")
    day_and_more = loaders.time.time() - loaders.STALE_STAGING_SECONDS - 60
    for item in (old, old / "sub", old / "sub" / "partial.pkl.incomplete"):
        os.utime(item, (day_and_more, day_and_more))
    rk.fetch_routerbench("0shot", cache_dir=cache)
    assert sorted(p.name for p in cache.iterdir()) == sorted([live.name, elsewhere.name, fresh.name,
                                                              "routerbench_0shot.pkl"])
    staging = Path(calls[0]["local_dir"]).name
    assert staging.startswith(f".download-{os.getpid()}-{host}-")  # the pid is in this download's name


def test_fetch_cleans_up_even_when_the_file_is_cached(monkeypatch, tmp_path):
    payload = b"cached"
    monkeypatch.setitem(loaders.ROUTERBENCH_SHA256, "0shot", hashlib.sha256(payload).hexdigest())
    fake_hub(monkeypatch, error=AssertionError("no download expected"))
    (tmp_path / "routerbench_0shot.pkl").write_bytes(payload)
    killed = tmp_path / f".download-{dead_pid()}-{loaders.socket.gethostname()}-abcdefgh"
    killed.mkdir()
    rk.fetch_routerbench("0shot", cache_dir=tmp_path)
    assert not killed.exists()


def test_fetch_cache_folder_that_cannot_be_created(monkeypatch, tmp_path):
    fake_hub(monkeypatch, error=AssertionError("no download expected"))
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(loaders.RouterBenchDownloadError) as info:
        rk.fetch_routerbench("0shot", cache_dir=tmp_path / "a-file" / "cache")
    msg = str(info.value)
    assert msg.startswith(f"cannot use {tmp_path / 'a-file' / 'cache'} as the cache folder (Not a directory)")
    assert "fetch_routerbench('0shot', cache_dir='...') or the environment variable ROUTERKIT_CACHE" in msg
    assert "ROUTERKIT_DATA" in msg  # and how to place the file by hand

    def read_only(**kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(loaders.tempfile, "mkdtemp", read_only)
    with pytest.raises(loaders.RouterBenchDownloadError, match=r"cannot use .*cache as the cache folder "
                                                              r"\(Permission denied\): choose another"):
        rk.fetch_routerbench("0shot", cache_dir=tmp_path / "cache")


# -- load_long -------------------------------------------------------------------------------------------
def long_frame():
    return pd.read_csv(FIXTURES / "long_results.csv")


def test_long_fixture_pivots():
    data = rk.load_long(FIXTURES / "long_results.csv", task="task", prompt="prompt")
    assert list(data.ids) == ["q1", "q2", "q3", "q4"]
    assert data.models == ["small-llm", "big-llm", "mid-llm"]
    np.testing.assert_allclose(data.scores[2], [0.25, 0.5, 0.75])
    np.testing.assert_allclose(data.costs[3], [0.0001, 0.0018, 0.0005])
    assert list(data.tasks) == ["arithmetic", "trivia", "summary", "arithmetic"]
    assert data.prompts[2] == "Summarise: the cat sat, then it slept."
    assert data.meta["format"] == "long-csv"


@pytest.mark.parametrize("ext", ["csv", "parquet"])
def test_long_round_trip(tmp_path, ext):
    rng = np.random.default_rng(3)
    n, models = 30, ["m-a", "m-b", "m-c", "m-d"]
    original = rk.RoutingData(scores=rng.integers(0, 2, (n, 4)).astype(float), costs=rng.uniform(0, 1e-3, (n, 4)),
                              models=models, tasks=np.array(["t1", "t2", "t3"])[np.arange(n) % 3],
                              prompts=np.array([f"made-up prompt {i}, with a comma" for i in range(n)]),
                              ids=np.arange(500, 500 + n))
    long = pd.DataFrame({
        "qid": np.repeat(original.ids, 4), "llm": np.tile(models, n),
        "quality": original.scores.ravel(), "usd": original.costs.ravel(),
        "bench": np.repeat(original.tasks, 4), "text": np.repeat(original.prompts, 4),
    }).sample(frac=1.0, random_state=0)  # rows in any order
    long = long.sort_values("qid", kind="stable")  # queries keep first-appearance order = id order
    path = tmp_path / f"results.{ext}"
    long.to_csv(path, index=False) if ext == "csv" else long.to_parquet(path, index=False)
    data = rk.load_long(path, query="qid", model="llm", score="quality", cost="usd", task="bench", prompt="text")
    back = data.select_models(models)
    # a CSV file's ids are read as text ("007" is not 7); parquet keeps the integers
    np.testing.assert_array_equal(back.ids, original.ids.astype(str) if ext == "csv" else original.ids)
    np.testing.assert_array_equal(back.scores, original.scores)
    np.testing.assert_allclose(back.costs, original.costs)
    np.testing.assert_array_equal(back.tasks, original.tasks)
    np.testing.assert_array_equal(back.prompts, original.prompts)
    assert data.models == list(pd.unique(long["llm"]))


def test_long_missing_column():
    with pytest.raises(ValueError, match=r"column 'usd' \(the cost column\) not found in the DataFrame; columns "
                                         r"present: 'query_id', 'model', 'score', 'cost', 'task', 'prompt'"):
        rk.load_long(long_frame(), cost="usd")


def test_long_duplicate_pair():
    frame = pd.concat([long_frame(), long_frame().iloc[[4]]], ignore_index=True)
    with pytest.raises(ValueError, match=r"query 'q2' has model 'big-llm' twice \(again at row 12; 1 repeated"):
        rk.load_long(frame)


def test_long_query_lacking_a_model():
    frame = long_frame().drop(index=[5, 7]).reset_index(drop=True)
    with pytest.raises(ValueError, match=r"query 'q2' lacks a result for model 'mid-llm' \(2 \(query, model\) "
                                         r"pair\(s\) without a score or cost, across 2 queries\).*missing='drop'"):
        rk.load_long(frame)
    data = rk.load_long(frame, missing="drop")
    assert list(data.ids) == ["q1", "q4"]
    assert data.meta["dropped_queries"] == {"count": 2, "ids": ["q2", "q3"],
                                           "missing_per_model": {"small-llm": 1, "mid-llm": 1}}


def test_long_non_numeric_scores():
    frame = long_frame().astype({"score": object})
    frame.loc[3, "score"] = "wrong"
    with pytest.raises(ValueError, match=r"column 'score' has 1 non-numeric value\(s\), e.g. 'wrong' at row 3"):
        rk.load_long(frame)


def test_long_negative_costs():
    frame = long_frame()
    frame.loc[[6, 8], "cost"] = [-0.5, -1.0]
    with pytest.raises(ValueError, match=r"column 'cost' has 2 negative value\(s\), first -0.5 at row 6 "
                                         r"\(query 'q3', model 'big-llm'\)"):
        rk.load_long(frame)


def test_long_scores_out_of_range():
    frame = long_frame()
    frame.loc[0, "score"] = 8
    with pytest.raises(ValueError, match=r"column 'score' has 1 outside \[0, 1\] value\(s\), first 8 at row 0"):
        rk.load_long(frame)


def test_long_unknown_extension(tmp_path):
    path = tmp_path / "results.xlsx"
    path.write_text("whatever")
    with pytest.raises(ValueError, match=r"unknown file extension '.xlsx' .*expected one of .csv, .parquet"):
        rk.load_long(path)


def test_long_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no such file: '.*absent\.csv'"):
        rk.load_long(tmp_path / "absent.csv")


@pytest.mark.parametrize("column", ["task", "prompt"])
def test_long_task_and_prompt_constant_within_a_query(column):
    frame = long_frame()
    frame.loc[10, column] = "something else"
    with pytest.raises(ValueError, match=rf"column '{column}' \(the {column}\) must be constant within a query, "
                                         r"but query 'q4' has .* and 'something else' \(row 10"):
        rk.load_long(frame, task="task", prompt="prompt")


def test_long_takes_task_and_prompt_columns_by_default(tmp_path):
    path = FIXTURES / "long_results.csv"
    data = rk.load_long(path)
    assert list(data.tasks) == ["arithmetic", "trivia", "summary", "arithmetic"]
    assert data.prompts[2] == "Summarise: the cat sat, then it slept."
    bare = rk.load_long(path, task=None, prompt=None)
    assert bare.tasks is None and bare.prompts is None
    forced = rk.load_dataset(path, format="long")  # the same default through load_dataset
    np.testing.assert_array_equal(forced.tasks, data.tasks)
    np.testing.assert_array_equal(forced.prompts, data.prompts)
    plain = long_frame().drop(columns=["task", "prompt"])
    assert rk.load_long(plain).tasks is None  # the default name, absent: fine
    with pytest.raises(ValueError, match=r"column 'task' \(the task column\) not found in the DataFrame"):
        rk.load_long(plain, task="task")  # a name given explicitly must exist
    pickled = tmp_path / "long.pkl"
    long_frame().to_pickle(pickled)  # a pickled long table loads with format="long" as it does with "auto"
    assert rk.load_dataset(pickled, format="long").meta["format"] == "long-pickle"
    assert list(rk.load_dataset(pickled, format="long").tasks) == list(data.tasks)


def test_long_csv_ids_and_models_are_text(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("query_id,model,score,cost\n007,1,1,0.1\n007,2,0,0.2\n7,1,0,0.1\n7,2,1,0.2\n")
    data = rk.load_long(path)
    assert list(data.ids) == ["007", "7"]  # two queries, not one query "7" with each model twice
    assert data.models == ["1", "2"]
    np.testing.assert_array_equal(data.scores, [[1, 0], [0, 1]])
    frame = pd.read_csv(path, dtype={"query_id": str})
    frame["query_id"] = [7, 7, 8, 8]
    frame.to_parquet(tmp_path / "ids.parquet")
    ids = rk.load_long(tmp_path / "ids.parquet").ids  # parquet keeps its integer ids
    assert ids.dtype == np.int64 and list(ids) == [7, 8]


@pytest.mark.parametrize("sep, shown", [(";", "';'"), ("\t", "tab")])
def test_long_wrong_separator_is_named(tmp_path, sep, shown):
    path = tmp_path / "semicolons.csv"
    long_frame().to_csv(path, sep=sep, index=False)
    shown_sep = re.escape(repr(sep))  # the message shows the tab as '\t'
    with pytest.raises(ValueError, match=rf"column 'query_id' \(the query column\) not found in semicolons.csv.*"
                                         rf"the file looks {shown}-separated \(its header is the one column "
                                         rf"'query_id{shown_sep[1:-1]}model.*: pass sep={shown_sep}"):
        rk.load_long(path)
    with pytest.raises(ValueError, match=rf"cannot tell the layout.*looks {shown}-separated"):
        rk.load_dataset(path)
    assert len(rk.load_long(path, sep=sep)) == 4
    assert rk.load_dataset(path, sep=sep).prompts[2] == "Summarise: the cat sat, then it slept."
    with pytest.raises(ValueError, match=r"sep=';' applies to CSV and TSV files only, and .*x.parquet' is a "
                                         r"parquet file"):
        rk.load_long(_write_parquet(tmp_path / "x.parquet"), sep=";")
    with pytest.raises(ValueError, match=r"sep=';' applies to CSV and TSV files only, and the input is a DataFrame"):
        rk.load_long(long_frame(), sep=";")


def _write_parquet(path):
    long_frame().to_parquet(path)
    return path


def test_wide_csv_wrong_separator_is_named(tmp_path):
    path = tmp_path / "wide.csv"
    wide_frame().drop(columns=["prompt"] + [m + "|model_response" for m in MODELS]).to_csv(path, sep=";", index=False)
    with pytest.raises(ValueError, match=r"no '<model>\|total_cost' columns.*looks ';'-separated.*pass sep=';'"):
        rk.load_routerbench(path)
    assert rk.load_routerbench(path, sep=";").models == MODELS
    assert rk.load_dataset(path, sep=";").models == MODELS


def test_long_model_names_differing_by_whitespace():
    frame = long_frame()
    frame.loc[frame["model"] == "big-llm", "model"] = ["big-llm", "big-llm ", "big-llm", "big-llm"]
    with pytest.raises(ValueError, match=r"column 'model' has model names 'big-llm' \(first at row 1\) and "
                                         r"'big-llm ' \(first at row 4\), which differ only by surrounding "
                                         r"whitespace"):
        rk.load_long(frame)
    mixed = long_frame()
    mixed["model"] = pd.Series([1, "1", 2] * 4, dtype=object)
    with pytest.raises(ValueError, match=r"model names '1' \(first at row 0\) and '1' \(first at row 1\), which "
                                         r"are the same name once read as text"):
        rk.load_long(mixed)


def test_long_scores_within_round_off_are_clipped_and_values_shown_in_full():
    frame = long_frame()
    frame.loc[0, "score"] = 1 + 1e-12
    frame.loc[1, "score"] = -1e-12
    data = rk.load_long(frame)
    assert data.scores[0, 0] == 1.0 and data.scores[0, 1] == 0.0
    frame.loc[0, "score"] = 1 + 1e-8
    with pytest.raises(ValueError, match=r"column 'score' has 1 outside \[0, 1\] value\(s\), first 1.00000001 at "
                                         r"row 0 \(query 'q1', model 'small-llm'\)"):
        rk.load_long(frame)


def test_long_complex_values_refused():
    frame = long_frame()
    frame["cost"] = frame["cost"] + 1e-9j
    with pytest.raises(ValueError, match=r"column 'cost' holds complex numbers; scores and costs must be real"):
        rk.load_long(frame)
    frame = long_frame().astype({"score": object})
    frame.loc[2, "score"] = 1 + 2j
    with pytest.raises(ValueError, match=r"column 'score' holds complex numbers"):
        rk.load_long(frame)


def test_long_implausible_costs_refused():
    frame = long_frame()
    frame.loc[7, "cost"] = 1e300
    with pytest.raises(ValueError, match=r"column 'cost' has 1 above 1e\+06 USD value\(s\), first 1e\+300 at row 7 "
                                         r"\(query 'q3', model 'small-llm'\); costs are USD per call"):
        rk.load_long(frame)
    frame.loc[7, "cost"] = 1e6  # a million dollars is the most a call may cost
    assert rk.load_long(frame).costs.max() == 1e6


def test_long_query_without_a_task():
    frame = long_frame()
    frame.loc[frame["query_id"] == "q3", "task"] = np.nan
    with pytest.raises(ValueError, match=r"column 'task' \(the task\) is missing or empty for 1 queries, first "
                                         r"query 'q3' \(row 6\): give every query a task, or pass task=None"):
        rk.load_long(frame)
    assert rk.load_long(frame, task=None).tasks is None


def test_long_missing_query_id_or_model():
    frame = long_frame()
    frame.loc[5, "query_id"] = np.nan
    with pytest.raises(ValueError, match=r"column 'query_id' has 1 missing or empty value\(s\), first at row 5"):
        rk.load_long(frame)


def test_long_csv_text_is_kept_literally_and_missing_markers_only_in_numbers(tmp_path):
    path = tmp_path / "na.csv"
    path.write_text("query_id,model,score,cost,prompt\nq1,NA,1,0.1,None\nq1,null,#N/A,0.1,None\n"
                    "q2,NA,0,0.2,\nq2,null,1,0.2,\n")
    with pytest.raises(ValueError, match=r"query 'q1' lacks a result for model 'null'"):
        rk.load_long(path)  # "#N/A" in a score cell is missing, as pandas would read it
    data = rk.load_long(path, missing="drop")
    assert data.models == ["NA", "null"] and list(data.ids) == ["q2"] and list(data.prompts) == [""]
    assert list(rk.load_long(_rewrite(path, "#N/A", "0")).prompts) == ["None", ""]  # a prompt is text as it is


def _rewrite(path, old, new):
    path.write_text(path.read_text().replace(old, new))
    return path


def test_long_cells_that_are_not_text_or_numbers():
    frame = long_frame().astype({"prompt": object})
    frame.loc[4, "prompt"] = ["a", "list"]
    with pytest.raises(ValueError, match=r"column 'prompt' holds values that are not text or numbers \(e.g. "
                                         r"\['a', 'list'\]\)"):
        rk.load_long(frame)


def test_long_parquet_row_groups_and_dictionaries(tmp_path):
    """Queries spread over several parquet row groups (each with its own dictionaries) load as from a DataFrame."""
    rng = np.random.default_rng(5)
    n, models = 300, ["m0", "m1", "m2"]
    frame = pd.DataFrame({
        "query_id": np.repeat([f"q{i}" for i in range(n)], 3), "model": np.tile(models, n),
        "score": rng.random(3 * n), "cost": rng.uniform(0, 1e-3, 3 * n),
        "task": np.repeat(np.array(["a", "b", "c"])[np.arange(n) % 3], 3),
        "prompt": np.repeat([f"prompt {i // 2}" for i in range(n)], 3),  # two queries share each prompt
    }).sample(frac=1.0, random_state=1).reset_index(drop=True)
    path = tmp_path / "groups.parquet"
    frame.to_parquet(path, row_group_size=97)
    from_file, from_frame = rk.load_long(path), rk.load_long(frame)
    for field in ("scores", "costs", "ids", "tasks", "prompts"):
        np.testing.assert_array_equal(getattr(from_file, field), getattr(from_frame, field))
    assert from_file.models == from_frame.models
    frame.loc[frame.index[-1], "prompt"] = "changed in the last row group"
    frame.to_parquet(path, row_group_size=97)
    with pytest.raises(ValueError, match=r"column 'prompt' \(the prompt\) must be constant within a query, but "
                                         r"query '.*' has 'prompt .*' and 'changed in the last row group' \(row 899"):
        rk.load_long(path)


def test_coded_merges_repeated_dictionary_values():
    import pyarrow as pa
    column = pa.chunked_array([pa.DictionaryArray.from_arrays(pa.array([0, 1, None, 2]), pa.array(["x", "x", "y"]))])
    codes, values = loaders._coded(column, "query_id", blank_is_missing=True)
    assert codes[0] == codes[1] and codes[2] == -1 and list(values[codes[[0, 3]]]) == ["x", "y"]


# -- files that cannot be read -------------------------------------------------------------------------------
def test_unreadable_files_are_named(tmp_path):
    good = tmp_path / "good.parquet"
    long_frame().to_parquet(good)
    (tmp_path / "cut.parquet").write_bytes(good.read_bytes()[:200])
    long_frame().to_pickle(tmp_path / "good.pkl")
    (tmp_path / "cut.pkl").write_bytes((tmp_path / "good.pkl").read_bytes()[:300])
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "blank.csv").write_text("\n\n")
    (tmp_path / "binary.csv").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "latin1.csv").write_bytes("query_id,model,score,cost\nq1,caf\xe9,1,0\n".encode("latin-1"))
    cases = {
        "cut.parquet": r"could not read '.*cut.parquet' as parquet: ArrowInvalid: .*magic bytes",
        "cut.pkl": r"could not read '.*cut.pkl' as a pickle: UnpicklingError: pickle data was truncated",
        "empty.csv": r"'.*empty.csv' is empty \(0 bytes\)",
        "blank.csv": r"'.*blank.csv' is empty: it has no header line",
        "binary.csv": r"'.*binary.csv' is not a text CSV file: it holds binary data \(a NUL byte at position 0\)",
        "latin1.csv": r"'.*latin1.csv' is not a text CSV file in UTF-8: .*0xe9.*save it as UTF-8",
    }
    for name, message in cases.items():
        with pytest.raises(ValueError, match=message):
            rk.load_dataset(tmp_path / name)  # auto: the header is read first (_columns_of)
        with pytest.raises(ValueError, match=message):
            (rk.load_routerbench if name.endswith(".pkl") else rk.load_long)(tmp_path / name)


def test_find_routerbench_skips_unreadable_files(monkeypatch, tmp_path):
    folder = tmp_path / "data"
    write_wide(folder, "zz_wide.parquet")
    (folder / "aa_cut.parquet").write_bytes(b"PAR1 not really")
    (folder / "ab_cut.pkl").write_bytes(b"\x80\x04 truncated")
    monkeypatch.setenv("ROUTERKIT_DATA", str(folder))
    assert rk.load_dataset("routerbench").meta["source"] == str(folder / "zz_wide.parquet")


# -- load_dataset ----------------------------------------------------------------------------------------
def write_wide(folder, name, n=12, **kwargs):
    folder.mkdir(parents=True, exist_ok=True)
    frame = wide_frame(n, **kwargs)
    if name.endswith(".pkl"):
        frame.to_pickle(folder / name)
    else:
        parquet_safe(frame).to_parquet(folder / name)
    return folder / name


def test_load_dataset_finds_routerbench_in_routerkit_data(monkeypatch, tmp_path):
    folder = tmp_path / "data"
    write_wide(folder, "some_results.parquet", missing=[(0, 0)])
    pd.DataFrame({"x": [1]}).to_parquet(folder / "another.parquet")  # not RouterBench's layout: skipped
    monkeypatch.setenv("ROUTERKIT_DATA", str(folder))
    data = rk.load_dataset("routerbench", missing="drop")
    assert len(data) == 11 and data.meta["source"] == str(folder / "some_results.parquet")


def test_load_dataset_official_names_prefer_the_official_files(monkeypatch, tmp_path):
    folder = tmp_path / "data"
    write_wide(folder, "aaa_wide.parquet", n=6)
    write_wide(folder, "routerbench_5shot.pkl", n=9)
    monkeypatch.setenv("ROUTERKIT_DATA", str(folder))
    assert len(rk.load_dataset("routerbench")) == 9
    assert len(rk.load_dataset("routerbench-5shot")) == 9
    with pytest.raises(FileNotFoundError, match=r"RouterBench \('routerbench-0shot'\) not found"):
        rk.load_dataset("routerbench-0shot")


def test_load_dataset_searches_the_cache_folder_after_routerkit_data(monkeypatch, tmp_path):
    write_wide(tmp_path / "cache", "routerbench_0shot.pkl", n=8)
    monkeypatch.setenv("ROUTERKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("ROUTERKIT_DATA", str(tmp_path / "empty"))
    data = rk.load_dataset("routerbench-0shot")
    assert len(data) == 8 and data.meta["format"] == "routerbench-pickle"


def test_load_dataset_not_found_lists_where_it_looked(monkeypatch, tmp_path):
    monkeypatch.setenv("ROUTERKIT_DATA", str(tmp_path / "mine"))
    with pytest.raises(FileNotFoundError) as info:
        rk.load_dataset("routerbench")
    msg = str(info.value)
    assert f"{tmp_path / 'mine'} ($ROUTERKIT_DATA)" in msg
    assert f"{tmp_path / 'default-cache'} (the cache folder)" in msg
    assert "fetch_routerbench" in msg and "https://huggingface.co/datasets/withmartian/routerbench" in msg


def test_load_dataset_bare_file_name_and_auto_format(monkeypatch, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    long_frame().to_csv(folder / "mine.csv", index=False)
    monkeypatch.setenv("ROUTERKIT_DATA", str(folder))
    data = rk.load_dataset("mine.csv")
    assert data.meta["format"] == "long-csv" and list(data.tasks[:2]) == ["arithmetic", "trivia"]
    assert data.prompts is not None  # auto takes the "task" and "prompt" columns along
    assert rk.load_dataset("mine.csv", prompt=None).prompts is None
    with pytest.raises(FileNotFoundError, match=r"'other.csv' \(not a known dataset name.*Looked in"):
        rk.load_dataset("other.csv")


def test_load_dataset_path_dispatch(tmp_path):
    wide = write_wide(tmp_path, "wide.pkl")
    assert rk.load_dataset(wide).meta["format"] == "routerbench-pickle"
    assert rk.load_dataset(str(wide), format="routerbench").n_models == 3
    long = tmp_path / "long.parquet"
    long_frame().to_parquet(long)
    assert rk.load_dataset(long).meta["format"] == "long-parquet"
    renamed = tmp_path / "renamed.csv"
    long_frame().rename(columns={"query_id": "q"}).to_csv(renamed, index=False)
    assert len(rk.load_dataset(renamed, query="q")) == 4
    with pytest.raises(ValueError, match=r"cannot tell the layout of .*renamed.csv.*format='long'"):
        rk.load_dataset(renamed)
    with pytest.raises(ValueError, match=r"format must be one of"):
        rk.load_dataset(renamed, format="wide")
    with pytest.raises(FileNotFoundError, match=r"no such file: '.*missing.pkl'"):
        rk.load_dataset(tmp_path / "missing.pkl")


def test_load_dataset_routerworld_is_lazy(monkeypatch):
    world = types.ModuleType("routerkit.world")
    world.simulate = lambda **kwargs: ("simulated", kwargs)
    monkeypatch.setitem(sys.modules, "routerkit.world", world)
    monkeypatch.setattr(rk, "world", world, raising=False)
    assert rk.load_dataset("routerworld", seed=3) == ("simulated", {"seed": 3})


@needs_subset
def test_load_dataset_routerbench_from_the_subset_folder(monkeypatch):
    monkeypatch.setenv("ROUTERKIT_DATA", str(SUBSET_DIR))
    data = rk.load_dataset("routerbench", missing="drop")
    assert len(data) == 3150 and data.meta["source"] == str(SUBSET)
