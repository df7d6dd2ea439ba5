"""The command line: `routerkit data info`, `routerkit evaluate` and its JSON, one-line errors with exit code 2."""
import json
import subprocess
import sys

import jsonschema
import pandas as pd
import pytest

import routerkit as rk
from routerkit.cli import main

NUMBER = {"type": "number"}
SCHEMA = {
    "type": "object",
    "required": ["dataset", "n_queries", "models", "split", "oracle", "best_single", "routers"],
    "additionalProperties": False,
    "properties": {
        "dataset": {"type": "string"},
        "n_queries": {"type": "integer"},
        "models": {"type": "array", "items": {"type": "string"}},
        "split": {"type": "object", "required": ["train", "test", "seed"], "additionalProperties": False,
                  "properties": {"train": {"type": "integer"}, "test": {"type": "integer"}, "seed": {"type": "integer"}}},
        "oracle": {"type": "object", "required": ["quality", "cost", "aiq"], "additionalProperties": False,
                   "properties": {"quality": NUMBER, "cost": NUMBER, "aiq": NUMBER}},
        "best_single": {"type": "object", "required": ["model", "quality", "cost"], "additionalProperties": False,
                        "properties": {"model": {"type": "string"}, "quality": NUMBER, "cost": NUMBER}},
        "routers": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": False,
            "required": ["aiq", "quality_at_best_single_cost", "cost_at_best_single_quality",
                         "top_model_share_max_budget", "fit_seconds"],
            "properties": {"aiq": NUMBER, "quality_at_best_single_cost": {"type": ["number", "null"]},
                           "cost_at_best_single_quality": {"type": ["number", "null"]},
                           "top_model_share_max_budget": NUMBER, "fit_seconds": NUMBER}}},
    },
}


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
    assert result["split"] == {"train": 420, "test": 180, "seed": 1}
    assert set(result["routers"]) == {"task_best", "linear", "cheapest"}
    oracle_aiq = result["oracle"]["aiq"]
    for name, r in result["routers"].items():
        assert r["aiq"] <= oracle_aiq + 1e-12, name
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
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("routerkit: error: ") and message in err
    assert "Traceback" not in err


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


def test_unknown_format_exits_2_via_python_m():
    proc = subprocess.run([sys.executable, "-m", "routerkit", "data", "info", "x.csv", "--format", "xml"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "invalid choice: 'xml'" in proc.stderr and "Traceback" not in proc.stderr
