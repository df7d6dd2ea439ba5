"""The command line: `routerkit data info`, `routerkit evaluate` and its JSON, one-line errors with exit code 2."""
import json
import subprocess
import sys

import jsonschema
import numpy as np
import pandas as pd
import pytest

import routerkit as rk
from routerkit import cli
from routerkit.cli import main

NUMBER = {"type": "number"}
SCHEMA = {
    "type": "object",
    "required": ["dataset", "n_queries", "models", "dropped", "split", "oracle", "zero_router", "best_single",
                 "cost_range", "routers", "skipped"],
    "additionalProperties": False,
    "properties": {
        "dataset": {"type": "string"},
        "n_queries": {"type": "integer"},
        "models": {"type": "array", "items": {"type": "string"}},
        "dropped": {"type": "object", "required": ["count", "ids"], "additionalProperties": False,
                    "properties": {"count": {"type": "integer"},
                                   "ids": {"type": "array", "items": {"type": ["string", "integer"]}}}},
        "split": {"type": "object", "required": ["train", "test", "seed", "stratified_by_task"],
                  "additionalProperties": False,
                  "properties": {"train": {"type": "integer"}, "test": {"type": "integer"}, "seed": {"type": "integer"},
                                 "stratified_by_task": {"type": "boolean"}}},
        "oracle": {"type": "object", "required": ["quality", "cost", "aiq"], "additionalProperties": False,
                   "properties": {"quality": NUMBER, "cost": NUMBER, "aiq": NUMBER}},
        "zero_router": {"type": "object", "required": ["aiq"], "additionalProperties": False,
                        "properties": {"aiq": NUMBER}},
        "best_single": {"type": "object", "required": ["model", "quality", "cost", "aiq", "aiq_note"],
                        "additionalProperties": False,
                        "properties": {"model": {"type": "string"}, "quality": NUMBER, "cost": NUMBER,
                                       "aiq": {"type": ["number", "null"]}, "aiq_note": {"type": "string"}}},
        "cost_range": {"type": "array", "items": NUMBER, "minItems": 2, "maxItems": 2},
        "skipped": {"type": "object", "additionalProperties": {"type": "string"}},
        "routers": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": False,
            "required": ["aiq", "quality_at_best_single_cost", "cost_at_best_single_quality",
                         "top_model_share_max_budget", "fit_seconds", "route_seconds", "sweep_seconds"],
            "properties": {"aiq": {"type": ["number", "null"]},
                           "quality_at_best_single_cost": {"type": ["number", "null"]},
                           "cost_at_best_single_quality": {"type": ["number", "null"]},
                           "top_model_share_max_budget": NUMBER, "fit_seconds": NUMBER,
                           "route_seconds": NUMBER, "sweep_seconds": NUMBER,
                           "params": {"type": "object"}}}},
    },
}


def one_line_error(capsys) -> str:
    """The run's error: exactly one 'routerkit: error:' line on stderr (after any progress lines), no traceback."""
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("routerkit: error: ")]
    assert len(errors) == 1 and "Traceback" not in err, err
    assert err.rstrip().splitlines()[-1] == errors[0], err
    return errors[0]


@pytest.fixture(scope="module")
def long_csv(tmp_path_factory):
    data = rk.simulate(n_queries=600, seed=3)
    n, m = len(data), data.n_models
    frame = pd.DataFrame({
        "query_id": [f"q{i}" for i in range(n) for _ in range(m)],
        "model": data.models * n,
        "score": data.scores.ravel(),
        "cost": data.costs.ravel(),
        "task": [t for t in data.tasks for _ in range(m)],
        "prompt": [f"a {t} question number {i % 7}" for i, t in enumerate(data.tasks) for _ in range(m)],
    })
    path = tmp_path_factory.mktemp("cli") / "results.csv"
    frame.to_csv(path, index=False)
    return path, data


def test_data_info_prints_the_facts(long_csv, capsys):
    path, data = long_csv
    assert main(["data", "info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "600 queries x 11 models" in out
    assert "gpt-4-1106-preview" in out
    assert f"oracle       quality {data.scores.max(axis=1).mean():.4f}" in out


def test_evaluate_writes_the_documented_json(long_csv, tmp_path, capsys):
    path, data = long_csv
    out = tmp_path / "summary.json"
    code = main(["evaluate", "--data", str(path), "--routers", "task_best,linear,cheapest", "--seed", "1",
                 "--json", str(out)])
    assert code == 0
    result = json.loads(out.read_text())
    jsonschema.validate(result, SCHEMA)
    assert result["n_queries"] == 600 and result["models"] == data.models
    assert result["split"] == {"train": 420, "test": 180, "seed": 1, "stratified_by_task": True}
    assert set(result["routers"]) == {"task_best", "linear", "cheapest"}
    oracle_aiq = result["oracle"]["aiq"]
    for name, r in result["routers"].items():
        assert r["aiq"] is None or r["aiq"] <= oracle_aiq + 1e-12, name
    # one model for every query is one point: no AIQ, as for the best single model
    assert result["routers"]["cheapest"]["aiq"] is None and result["routers"]["linear"]["aiq"] > 0
    # The cheapest model alone never reaches the best single model's quality.
    assert result["routers"]["cheapest"]["cost_at_best_single_quality"] is None
    assert result["routers"]["cheapest"]["top_model_share_max_budget"] == 0.0
    printed = capsys.readouterr().out
    assert "task_best" in printed and "never" in printed


@pytest.mark.parametrize("argv, message", [
    (["data", "info", "missing-file.parquet"], "not found"),
    (["evaluate", "--data", "routerworld", "--routers", "nope"], "unknown router 'nope'"),
    (["data", "info", "{csv}", "--format", "long"], None),
])
def test_bad_input_is_one_line_on_stderr_with_exit_2(argv, message, long_csv, capsys):
    if message is None:  # a long file lacking the score column
        path, _ = long_csv
        broken = path.parent / "broken.csv"
        pd.read_csv(path).drop(columns="score").to_csv(broken, index=False)
        argv = [a.replace("{csv}", str(broken)) for a in argv]
        message = "column 'score'"
    assert main(argv) == 2
    assert message in one_line_error(capsys)


def test_routers_that_read_the_query_need_features_or_prompts(long_csv, tmp_path, capsys):
    path, _ = long_csv
    bare = tmp_path / "bare.csv"
    pd.read_csv(path).drop(columns="prompt").to_csv(bare, index=False)
    assert main(["evaluate", "--data", str(bare), "--routers", "task_best,knn"]) == 2
    assert "knn read the query" in capsys.readouterr().err
    out = tmp_path / "all.json"
    assert main(["evaluate", "--data", str(bare), "--json", str(out)]) == 0
    assert "skipping" in capsys.readouterr().err
    routers = json.loads(out.read_text())["routers"]
    assert "task_best" in routers and "knn" not in routers


def test_a_router_that_reads_prompt_text_needs_prompts(long_csv, tmp_path, capsys):
    path, _ = long_csv
    bare = tmp_path / "bare.csv"
    pd.read_csv(path).drop(columns="prompt").to_csv(bare, index=False)
    assert main(["evaluate", "--data", str(bare), "--routers", "task_best,finetuned,knn"]) == 2
    err = one_line_error(capsys)
    assert "finetuned read the prompt text, and this dataset has no prompts" in err
    assert "knn read the query" in err and "Traceback" not in err
    plain = rk.load_dataset(str(bare))
    with_features = plain.with_features(np.zeros((len(plain), 3)))
    usable, skipped = cli._usable(["task_best", "knn", "finetuned"], with_features, skip=True)
    assert usable == ["task_best", "knn"] and skipped == {"finetuned": cli.NO_PROMPTS}
    assert "finetuned" in capsys.readouterr().err


def test_unknown_format_exits_2_via_python_m():
    proc = subprocess.run([sys.executable, "-m", "routerkit", "data", "info", "x.csv", "--format", "xml"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "invalid choice: 'xml'" in proc.stderr and "Traceback" not in proc.stderr


def _frame(path):
    return pd.read_csv(path, dtype={"query_id": str})


@pytest.mark.parametrize("n_broken", [1, 80])
def test_incomplete_queries_are_an_error_unless_dropped_and_then_reported(n_broken, long_csv, tmp_path, capsys):
    path, _ = long_csv
    frame = _frame(path)
    ids = frame["query_id"].unique()[:200]
    frame = frame[frame["query_id"].isin(ids)].copy()
    broken = ids[10:10 + n_broken]
    frame.loc[frame["query_id"].isin(broken) & (frame["model"] == "claude-v2"), "score"] = float("nan")
    incomplete = tmp_path / "incomplete.csv"
    frame.to_csv(incomplete, index=False)

    assert main(["evaluate", "--data", str(incomplete), "--routers", "task_best"]) == 2
    err = one_line_error(capsys)
    assert f"query '{broken[0]}' lacks a result for model 'claude-v2'" in err and "--missing drop" in err

    out = tmp_path / "dropped.json"
    assert main(["evaluate", "--data", str(incomplete), "--routers", "task_best", "--missing", "drop",
                 "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"dropped      {n_broken} of 200 queries for missing scores or costs (--missing drop): {broken[0]}" in printed
    result = json.loads(out.read_text())
    jsonschema.validate(result, SCHEMA)
    assert result["n_queries"] == 200 - n_broken
    assert result["dropped"] == {"count": n_broken, "ids": list(broken)}
    assert main(["data", "info", str(incomplete), "--missing", "drop"]) == 0
    assert f"dropped      {n_broken} of 200 queries" in capsys.readouterr().out


def test_json_output_is_checked_before_the_run(long_csv, tmp_path, capsys):
    path, _ = long_csv
    copy = tmp_path / "results.csv"
    copy.write_bytes(path.read_bytes())
    assert main(["evaluate", "--data", str(copy), "--routers", "task_best", "--json", str(copy)]) == 2
    assert "is the input file" in one_line_error(capsys)
    assert copy.read_bytes() == path.read_bytes()
    nowhere = tmp_path / "no-such-folder" / "summary.json"
    assert main(["evaluate", "--data", str(copy), "--routers", "task_best", "--json", str(nowhere),
                 "--progress", "lines"]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "fit task_best" not in err      # refused before any work


def test_long_format_takes_task_and_prompt_and_columns_can_be_mapped(long_csv, tmp_path, capsys):
    path, data = long_csv
    out = tmp_path / "long.json"
    assert main(["evaluate", "--data", str(path), "--format", "long", "--routers", "task_best,knn",
                 "--json", str(out)]) == 0
    assert set(json.loads(out.read_text())["routers"]) == {"task_best", "knn"}
    renamed = tmp_path / "renamed.csv"
    _frame(path).rename(columns={"query_id": "qid", "model": "llm", "score": "correct", "cost": "usd",
                                 "task": "category", "prompt": "text"}).to_csv(renamed, index=False)
    assert main(["data", "info", str(renamed)]) == 2
    assert "--query-col NAME" in one_line_error(capsys)
    assert main(["evaluate", "--data", str(renamed), "--query-col", "qid", "--model-col", "llm", "--score-col",
                 "correct", "--cost-col", "usd", "--task-col", "category", "--prompt-col", "text",
                 "--routers", "task_best,knn", "--json", str(out)]) == 0
    capsys.readouterr()
    result = json.loads(out.read_text())
    assert result["n_queries"] == len(data) and set(result["routers"]) == {"task_best", "knn"}
    assert main(["data", "info", "routerworld", "--query-col", "qid"]) == 2
    assert "--query-col name columns of a long file" in one_line_error(capsys)


@pytest.mark.parametrize("argv, message", [
    (["evaluate", "--data", "routerworld", "--routers", "single:"], "give a model after 'single:'"),
    (["evaluate", "--data", "routerworld", "--routers", "single:zzz"], "no model 'zzz' in this dataset"),
    (["evaluate", "--data", "routerworld", "--routers", "single:gpt-4-1106-previw"],
     "did you mean 'gpt-4-1106-preview'?"),
    (["evaluate", "--data", "routerworld", "--routers", "knnn"], "unknown router 'knnn'; did you mean 'knn'?"),
    (["evaluate", "--data", "routerworld", "--seed", "-1"], "argument --seed: must be a whole number"),
    (["evaluate", "--data", "routerworld", "--test-size", "30.5"], "argument --test-size: must be a fraction"),
    (["evaluate", "--data", "routerworld", "--test-size", "0"], "argument --test-size: must be a fraction"),
])
def test_bad_arguments_name_the_flag(argv, message, capsys):
    assert main(argv) == 2
    assert message in one_line_error(capsys)


def test_test_size_as_a_number_of_queries_and_the_zero_router(long_csv, tmp_path, capsys):
    path, _ = long_csv
    out = tmp_path / "n.json"
    assert main(["evaluate", "--data", str(path), "--routers", "task_best", "--test-size", "30",
                 "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["split"]["test"] == 30
    printed = capsys.readouterr().out
    assert f"zero router (the best random mix of single models at each cost): AIQ {result['zero_router']['aiq']:.4f}" \
        in printed
    assert "AIQ n/a (a single model is one point" in printed
    assert result["oracle"]["aiq"] >= result["zero_router"]["aiq"]


def test_progress_is_one_line_per_stage_off_a_terminal(long_csv, capsys):
    path, _ = long_csv
    assert main(["evaluate", "--data", str(path), "--routers", "task_best,knn"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("routerkit: [   0.0 s] load ")
    assert [line.split("] ")[1].split()[0] for line in err[1:-1]] == ["load", "encode", "fit", "route", "fit",
                                                                        "route"]
    assert err[-1].startswith("routerkit: done in ")
    assert main(["evaluate", "--data", str(path), "--routers", "task_best", "--progress", "off"]) == 0
    assert capsys.readouterr().err == ""


def _write(path, content: bytes):
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("make, message", [
    (lambda d: _write(d / "empty.csv", b""), "empty.csv"),
    (lambda d: _write(d / "junk.csv", bytes(range(256)) * 40), "junk.csv"),
    (lambda d: _write(d / "cut.parquet", b"PAR1" + b"\x00" * 50), "cut.parquet"),
    (lambda d: _write(d / "cut.pkl", b"\x80\x04\x95"), "cut.pkl"),
])
def test_unreadable_files_are_one_line_naming_the_file(make, message, tmp_path, capsys):
    path = make(tmp_path)
    assert main(["data", "info", str(path)]) == 2
    assert message in one_line_error(capsys)
    assert main(["evaluate", "--data", str(path), "--routers", "task_best"]) == 2
    assert message in one_line_error(capsys)


def test_prompts_that_are_all_the_same_still_evaluate(long_csv, tmp_path, capsys):
    """Identical prompts carry no information: the text routers still run, and match the global trend."""
    path, _ = long_csv
    same = tmp_path / "same.csv"
    _frame(path).assign(prompt="what is the answer").to_csv(same, index=False)
    out = tmp_path / "same.json"
    assert main(["evaluate", "--data", str(same), "--routers", "best_single,knn", "--json", str(out)]) == 0
    routers = json.loads(out.read_text())["routers"]
    assert routers["knn"]["aiq"] > 0
    capsys.readouterr()
    empty = tmp_path / "empty-prompts.csv"
    _frame(path).assign(prompt="?").to_csv(empty, index=False)
    assert main(["evaluate", "--data", str(empty), "--routers", "knn"]) == 2
    assert "cannot encode the prompts: " in one_line_error(capsys)


@pytest.mark.parametrize("cost", [0.0, 0.002])
def test_models_of_equal_cost_give_defined_results(cost, long_csv, tmp_path, capsys):
    path, _ = long_csv
    equal = tmp_path / "equal.csv"
    _frame(path).assign(cost=cost).to_csv(equal, index=False)
    out = tmp_path / "equal.json"
    assert main(["evaluate", "--data", str(equal), "--routers", "task_best,knn", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    jsonschema.validate(result, SCHEMA)
    for r in result["routers"].values():
        assert 0 <= r["aiq"] <= result["oracle"]["aiq"] + 1e-12
    assert result["cost_range"] == [cost, cost] or np.allclose(result["cost_range"], [cost, cost])
    best = result["best_single"]
    assert best["aiq"] == best["quality"] and "costs the same" in best["aiq_note"], "the header and the table agree"
    printed = capsys.readouterr().out
    assert "note: every model costs the same on average" in printed
    assert f"AIQ {best['quality']:.4f}" in printed and "AIQ n/a" not in printed


def test_all_plus_a_named_router_and_no_encoding_for_routers_that_do_not_read(long_csv, tmp_path, capsys):
    path, _ = long_csv
    assert cli._router_names("all,finetuned")[-1] == "finetuned"
    assert "finetuned" not in cli._router_names("all") and len(cli._router_names("knn,all")) == len(
        cli._router_names("all"))
    with pytest.raises(cli.UsageError, match="'all' twice"):
        cli._router_names("all,all")
    assert main(["evaluate", "--data", str(path), "--routers", "task_best,cheapest", "--progress", "lines"]) == 0
    assert "encode prompts" not in capsys.readouterr().err, "no router here reads the prompts"
    assert main(["evaluate", "--data", str(path), "--routers", "task_best,knn", "--progress", "lines"]) == 0
    assert "encode prompts" in capsys.readouterr().err


def test_a_semicolon_file_is_read_with_sep(long_csv, tmp_path, capsys):
    path, data = long_csv
    semi = tmp_path / "semi.csv"
    _frame(path).to_csv(semi, index=False, sep=";")
    assert main(["data", "info", str(semi)]) == 2
    assert "pass --sep ';'" in one_line_error(capsys)
    assert main(["data", "info", str(semi), "--sep", ";"]) == 0
    assert f"{len(data)} queries x 11 models" in capsys.readouterr().out


def test_json_refuses_data_files_and_read_only_files_and_survives_a_closed_pipe(long_csv, tmp_path, capsys):
    path, _ = long_csv
    other = tmp_path / "other.parquet"
    other.write_bytes(b"precious")
    assert main(["evaluate", "--data", str(path), "--routers", "task_best", "--json", str(other)]) == 2
    assert "looks like a data file" in one_line_error(capsys) and other.read_bytes() == b"precious"
    locked = tmp_path / "locked.json"
    locked.write_text("{}")
    locked.chmod(0o444)
    assert main(["evaluate", "--data", str(path), "--routers", "task_best", "--json", str(locked)]) == 2
    assert "is read-only" in one_line_error(capsys) and locked.read_text() == "{}"
    out = tmp_path / "piped.json"
    proc = subprocess.run(f"{sys.executable} -m routerkit evaluate --data {path} --routers task_best "
                          f"--progress off --json {out} | head -1", shell=True, capture_output=True, text=True)
    assert proc.stderr == "" and json.loads(out.read_text())["routers"]["task_best"]


def test_mostly_dropped_data_warns_and_skipped_routers_are_listed(long_csv, tmp_path, capsys):
    path, _ = long_csv
    frame = _frame(path)
    ids = frame["query_id"].unique()
    frame = frame[~(frame["query_id"].isin(ids[:400]) & (frame["model"] == "claude-v2"))].drop(columns="prompt")
    sparse = tmp_path / "sparse.csv"
    frame.to_csv(sparse, index=False)
    out = tmp_path / "sparse.json"
    assert main(["evaluate", "--data", str(sparse), "--missing", "drop", "--json", str(out)]) == 0
    err = capsys.readouterr().err
    assert "warning: --missing drop dropped 400 of 600 queries; 200 are left" in err
    result = json.loads(out.read_text())
    assert result["skipped"]["knn"].startswith("the dataset has neither features nor prompts")
    assert main(["data", "info", str(sparse), "--missing", "drop"]) == 0
    assert "query text   none: only routers that ignore the query can run" in capsys.readouterr().out


def test_a_count_of_test_queries_is_met_exactly_and_no_stratify(long_csv, tmp_path, capsys):
    path, _ = long_csv
    out = tmp_path / "count.json"
    for count in ("1", "7", "50"):
        assert main(["evaluate", "--data", str(path), "--routers", "task_best", "--test-size", count,
                     "--json", str(out)]) == 0
        assert json.loads(out.read_text())["split"]["test"] == int(count)
    assert main(["evaluate", "--data", str(path), "--routers", "task_best", "--no-stratify", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["split"]["stratified_by_task"] is False
    assert main(["evaluate", "--data", str(path), "--sep", ";;"]) == 2
    assert "argument --sep: must be one character" in one_line_error(capsys)


def test_param_sets_a_routers_hyperparameters_and_bad_ones_are_usage_errors(long_csv, tmp_path, capsys):
    path, _ = long_csv
    out = tmp_path / "p.json"
    assert main(["evaluate", "--data", str(path), "--routers", "task_best,knn", "--param", "knn.k=3",
                 "--json", str(out), "--progress", "off"]) == 0
    routers = json.loads(out.read_text())["routers"]
    assert routers["knn"]["params"] == {"k": 3} and "params" not in routers["task_best"]
    capsys.readouterr()
    for param, message in [("knn.k", "write ROUTER.NAME=VALUE"), ("mlp.epochs=2", "router 'mlp' is not among"),
                           ("knn.kk=3", "knn has no parameter 'kk'"), ("knn.k=-1", "knn with --param k=-1")]:
        assert main(["evaluate", "--data", str(path), "--routers", "task_best,knn", "--param", param,
                     "--progress", "off"]) == 2, param
        assert message in one_line_error(capsys), param


# -- routerkit calibrate -------------------------------------------------------------------------------------------
CAL_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "required": ["dataset", "n_queries", "dropped", "router", "split", "target", "lam", "validation", "test"],
    "properties": {
        "dataset": {"type": "string"}, "router": {"type": "string"}, "params": {"type": "object"},
        "n_queries": {"type": "integer"}, "dropped": {"type": "object"},
        "split": {"type": "object", "additionalProperties": False,
                  "required": ["fit", "validation", "test", "seed", "stratified_by_task"],
                  "properties": {k: {"type": "integer"} for k in ["fit", "validation", "test", "seed"]}
                  | {"stratified_by_task": {"type": "boolean"}}},
        "target": {"type": "object", "additionalProperties": False,
                   "properties": {"cost": NUMBER, "quality": NUMBER,
                                  "max_share": {"type": "object", "additionalProperties": NUMBER}}},
        "lam": NUMBER,
        **{part: {"type": "object", "additionalProperties": False, "required": ["queries", "cost", "quality", "met"],
                  "properties": {"queries": {"type": "integer"}, "cost": NUMBER, "quality": NUMBER,
                                 "met": {"type": "boolean"}, "shares": {"type": "object"}}}
           for part in ["validation", "test"]},
    },
}


def test_calibrate_finds_the_budget_and_checks_it_on_the_test_part(long_csv, tmp_path, capsys):
    path, data = long_csv
    out = tmp_path / "cal.json"
    top = "gpt-4-1106-preview"
    assert main(["calibrate", "--data", str(path), "--format", "long", "--router", "linear", "--target-cost", "0.001",
                 "--max-share", f"{top}=0.3", "--param", "linear.C=0.5", "--seed", "1", "--json", str(out),
                 "--progress", "off"]) == 0
    result = json.loads(out.read_text())
    jsonschema.validate(result, CAL_SCHEMA)
    assert result["target"] == {"cost": 0.001, "max_share": {top: 0.3}} and result["params"] == {"C": 0.5}
    assert result["split"]["fit"] + result["split"]["validation"] + result["split"]["test"] == len(data)
    val = result["validation"]
    assert val["met"] and val["cost"] <= 0.001 and val["shares"][top] <= 0.3
    test = result["test"]
    assert test["met"] == (test["cost"] <= 0.001 * (1 + 1e-12) and test["shares"][top] <= 0.3 + 1e-12)
    printed = capsys.readouterr().out
    assert f"lam = {result['lam']:.6g}" in printed and "share gpt-4-1106-preview" in printed


@pytest.mark.parametrize("argv, message", [
    (["--router", "linear"], "give a target"),
    (["--router", "linear", "--target-cost", "1e-9"], "below the cheapest this router routes for"),
    (["--router", "linear", "--target-quality", "0.999"], "above the best quality this router reaches"),
    (["--router", "linear", "--target-cost", "0.001", "--target-quality", "0.8"], "not allowed with argument"),
    (["--router", "linear", "--max-share", "gpt4=0.1"], "no such model in this dataset"),
    (["--router", "linear", "--max-share", "gpt-4-1106-preview"], "write MODEL=FRACTION"),
    (["--router", "linear", "--max-share", "gpt-4-1106-preview=lots"], "is not a number"),
    (["--router", "linear", "--max-share", "gpt-4-1106-preview=1.5"], "must be a finite number in [0, 1]"),
    (["--router", "all", "--target-cost", "0.001"], "name one router"),
    (["--router", "knn,linear", "--target-cost", "0.001"], "name one router"),
    (["--router", "lineer", "--target-cost", "0.001"], "unknown router 'lineer'"),
    (["--router", "linear", "--target-cost", "-1"], "must be a finite number >= 0"),
    (["--router", "linear", "--target-cost", "0.001", "--val-size", "1.5"], "must be a fraction in (0, 1)"),
    (["--router", "linear", "--target-quality", "1.5"], "must be a number in [0, 1]"),
    (["--router", "linear", "--max-share", "gpt-4-1106-preview=0.3", "--max-share", "gpt-4-1106-preview=0.5"],
     "names 'gpt-4-1106-preview' twice"),
    (["--router", "knn", "--target-cost", "0.001", "--param", "knn.k=0"], "knn with --param k=0"),
    (["--router", "single:nosuch", "--target-cost", "0.001"], "--router 'single:nosuch': no model 'nosuch'"),
    (["--router", " ", "--target-cost", "0.001"], "--router is empty: name one router"),
    (["--router", "linear", "--target-cost", "0.001", "--save", "SELF"], "--save"),
    (["--router", "linear", "--target-quality", "0.999"], "--target-quality 0.999 is above the best quality this "
                                                          "router reaches on the validation part"),
])
def test_calibrate_bad_input_is_one_line_with_exit_2(argv, message, long_csv, capsys):
    path, _ = long_csv
    argv = [str(path) if a == "SELF" else a for a in argv]
    assert main(["calibrate", "--data", str(path), "--format", "long", "--progress", "off", *argv]) == 2
    assert message in one_line_error(capsys)


def test_calibrate_json_cannot_replace_the_input(long_csv, capsys):
    path, _ = long_csv
    assert main(["calibrate", "--data", str(path), "--format", "long", "--router", "linear", "--target-cost",
                 "0.001", "--json", str(path)]) == 2
    assert "is the input file" in one_line_error(capsys)


def test_calibrate_reports_dropped_queries(long_csv, tmp_path, capsys):
    path, _ = long_csv
    frame = _frame(path)
    frame.loc[frame.index[0], "score"] = np.nan
    broken = tmp_path / "broken.csv"
    frame.to_csv(broken, index=False)
    out = tmp_path / "cal.json"
    assert main(["calibrate", "--data", str(broken), "--format", "long", "--missing", "drop", "--router", "linear",
                 "--target-cost", "0.002", "--json", str(out), "--progress", "off"]) == 0
    assert json.loads(out.read_text())["dropped"]["count"] == 1
    assert "dropped      1 of" in capsys.readouterr().out


def test_a_bad_threads_variable_is_one_line(long_csv, monkeypatch, capsys):
    path, _ = long_csv
    monkeypatch.setenv("ROUTERKIT_THREADS", "abc")
    assert main(["calibrate", "--data", str(path), "--format", "long", "--router", "linear", "--target-cost",
                 "0.001"]) == 2
    assert "ROUTERKIT_THREADS must be a whole number" in one_line_error(capsys)


def test_column_flags_read_the_file_as_long(long_csv, tmp_path, capsys):
    path, _ = long_csv
    renamed = tmp_path / "mine.csv"
    pd.read_csv(path).rename(columns={"cost": "usd"}).to_csv(renamed, index=False)
    assert main(["data", "info", str(renamed), "--cost-col", "usdx"]) == 2
    assert "column 'usdx' (the cost column) not found" in one_line_error(capsys)
    assert main(["data", "info", str(renamed), "--cost-col", "usd"]) == 0
