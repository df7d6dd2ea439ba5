"""`routerkit report`: its figures against rk.metrics recomputed by hand, mean ± sd over seeds, a page that
reads offline (one SVG per chart, no remote file, escaped text, the sanity flags shown), its JSON beside it, and
one-line errors with exit code 2."""
import html
import json
import math
import re

import numpy as np
import pandas as pd
import pytest

import routerkit as rk
from routerkit.cli import main
from routerkit.evaluate import best_model

ROUTERS = ["task_best", "cluster_best", "linear", "knn"]     # seed 0: two of them reach the target
SEEDS = [0, 1]
ODD = "echo <b>&amp;"       # a model name that must reach the page escaped


def _flagged(n: int = 1500) -> rk.RoutingData:
    """RouterWorld with an added model that gives one score almost always (a constant answerer) and is billed
    exactly like the cheapest model (a copied cost column): two sanity flags that must fire."""
    world = rk.simulate(n, seed=0)
    cheap = int(np.argmin(world.costs.mean(axis=0)))
    constant = np.zeros(n)
    constant[:3] = 1.0
    return rk.RoutingData(scores=np.column_stack([world.scores, constant]),
                          costs=np.column_stack([world.costs, world.costs[:, cheap]]),
                          models=[*world.models, ODD], tasks=world.tasks, features=world.features,
                          meta={"name": "flagged <i>world</i>"})


@pytest.fixture(scope="module")
def report():
    return rk.report.build_report(_flagged(), ROUTERS, SEEDS, n_boot=100)


@pytest.fixture(scope="module")
def written(report, tmp_path_factory):
    page, beside = rk.report.write_report(report, tmp_path_factory.mktemp("report") / "report.html")
    return page.read_text(encoding="utf-8"), json.loads(beside.read_text())


def _same(got, want):
    """A figure of the JSON (None for 'never reached') against a number computed here (NaN for it)."""
    if got is None or (isinstance(want, float) and math.isnan(want)):
        return got is None and math.isnan(want)
    return math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)


def _by_hand(data: rk.RoutingData, seed: int):
    """Split and fit as the report says it does (the seed for the split and every router), measured with
    rk.evaluate and rk.metrics directly."""
    train, test = rk.train_test_split(data, test_size=0.3, seed=seed)
    frames, fitted = {}, {}
    for name in ROUTERS:
        router = rk.routers.make(name)
        if "random_state" in router.get_params():
            router.set_params(random_state=seed)
        fitted[name] = router.fit(train)
        frames[name] = rk.evaluate(router, test)
    return train, test, frames, fitted


@pytest.mark.parametrize("seed", SEEDS)
def test_figures_are_what_metrics_computes(report, seed):
    data = _flagged()
    train, test, frames, fitted = _by_hand(data, seed)
    run = report.figures["runs"][SEEDS.index(seed)]
    c_min, c_max = rk.metrics.cost_range(test)
    top = best_model(train)
    target = test.scores[:, top].mean()
    assert run["best_single"]["model"] == data.models[top] and _same(run["best_single"]["quality"], target)
    cost_at = {n: rk.metrics.cost_at_quality(f, None, target) for n, f in frames.items()}
    reached = {n: c for n, c in cost_at.items() if not math.isnan(c)}
    best_score = min(reached, key=reached.get) if reached else None      # all four are score routers
    assert seed != SEEDS[0] or len(reached) >= 2, "the saving is checked against a router that beats another"
    assert run["best_score_router"] == best_score
    for name, frame in frames.items():
        got = run["routers"][name]
        assert _same(got["aiq"], rk.metrics.aiq(frame, None, c_min, c_max))
        assert _same(got["cost_at_best_single_quality"], cost_at[name])
        saving = math.nan if best_score is None else rk.metrics.savings(frame, frames[best_score], target)
        assert _same(got["saving_vs_best_score_router"], saving)
    if seed == SEEDS[0]:      # the intervals and the query-by-query figures are of the first seed
        plateau = {r["router"]: r for r in report.figures["plateau"]["aiq"]}
        for name, frame in frames.items():
            assert math.isclose(plateau[name]["aiq"], rk.metrics.aiq(frame, None, c_min, c_max))
            assert plateau[name]["low"] <= plateau[name]["aiq"] <= plateau[name]["high"]
        choices = {n: r.route(test, 0.0) for n, r in fitted.items()}
        shares = [row["share"] for row in report.figures["agreement"]["solved_by_k"]]
        np.testing.assert_allclose(shares, rk.metrics.solved_by_k(choices, test)["share"])
        wins = rk.metrics.win_loss(choices, test)
        assert math.isclose(report.figures["agreement"]["win_loss"]["linear"]["knn"], wins.loc["linear", "knn"])


def test_mean_and_sd_over_the_seeds(report):
    runs, agg = report.figures["runs"], report.figures["aggregate"]
    assert agg["seeds"] == SEEDS and len(runs) == len(SEEDS)
    checked = 0
    for name in ROUTERS:
        for fig in ("aiq", "cost_at_best_single_quality", "saving_vs_best_score_router"):
            values = [run["routers"][name][fig] for run in runs if run["routers"][name][fig] is not None]
            stat = agg["routers"][name][fig]
            assert stat["n"] == len(values)
            if values:
                assert math.isclose(stat["mean"], float(np.mean(values)))
            if len(values) > 1:
                assert math.isclose(stat["sd"], float(np.std(values, ddof=1)))
                checked += 1
            else:
                assert stat["sd"] is None
    assert checked >= len(ROUTERS)                    # every AIQ at least has two seeds
    aiqs = [run["oracle"]["aiq"] for run in runs]
    assert math.isclose(agg["oracle_aiq"]["sd"], float(np.std(aiqs, ddof=1)))


def test_page_has_a_drawing_per_chart_and_nothing_remote(written, report):
    page, figures = written
    assert figures == json.loads(json.dumps(report.figures))        # the JSON is the report's figures
    charts = figures["charts"]
    ids = [c["id"] for c in charts]
    assert {"frontier", "plateau", "collapse", "solved_by_k", "win_loss"} <= set(ids)
    assert any(i.startswith("mix:") for i in ids)
    assert page.count("<svg") == len(charts)
    assert re.findall(r'data-chart="([^"]+)"', page) == ids
    links = re.findall(r"""(?:src|href)\s*=\s*["']?\s*([^"'\s>]*)""", page, flags=re.I)
    assert not [u for u in links if u.lower().startswith(("http:", "https:", "//"))], links
    assert "<script" not in page.lower() and "@import" not in page
    assert all(u.startswith("#") for u in re.findall(r"url\(\s*['\"]?([^)'\"]*)", page))     # in-page only


def test_page_shows_the_flags_that_fire_and_escapes_text(written):
    page, figures = written
    flags = figures["flags"]
    assert any("constant answerer" in line for line in flags)
    assert any("cost the same on every query" in line and ODD in line for line in flags)
    assert 'class="flags"' in page                    # the red box, not the green "no flags" one
    for line in flags:
        assert html_escape(line) in page
    assert "<b>" not in page and "&lt;b&gt;" in page
    assert "<i>" not in page and "<title>Routing report: flagged &lt;i&gt;world&lt;/i&gt;</title>" in page


def html_escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


# -- the command line ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def long_csv(tmp_path_factory):
    """The flagged world as a long CSV (no features or prompts: only routers that ignore the query run)."""
    data = _flagged(600)
    n, m = len(data), data.n_models
    frame = pd.DataFrame({"query_id": np.repeat(np.arange(n), m), "model": data.models * n,
                          "score": data.scores.ravel(), "cost": data.costs.ravel(),
                          "task": np.repeat(data.tasks, m)})
    path = tmp_path_factory.mktemp("data") / "results.csv"
    frame.to_csv(path, index=False)
    return path


def _error(capsys) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("routerkit: error: ")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_cli_writes_the_page_and_its_json_beside_it(long_csv, tmp_path, capsys):
    out = tmp_path / "site" / "my report.html"
    out.parent.mkdir()
    code = main(["report", "--data", str(long_csv), "--out", str(out), "--routers", "task_best,random,best_single",
                 "--seeds", "0,3", "--n-boot", "50", "--progress", "off"])
    assert code == 0, capsys.readouterr().err
    beside = tmp_path / "site" / "my report.json"
    figures = json.loads(beside.read_text())
    assert figures["settings"]["seeds"] == [0, 3] and [r["split"]["seed"] for r in figures["runs"]] == [0, 3]
    assert set(figures["runs"][0]["routers"]) == {"task_best", "random", "best_single"}
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg") == len(figures["charts"]) > 0
    assert "constant answerer" in page
    assert str(out) in capsys.readouterr().out


@pytest.mark.parametrize("seeds, message", [("4-1", "runs backwards"), ("a", "write a range"),
                                            ("0,0", "names a seed twice"), ("0-1000", "more than 100 seeds"),
                                            ("-1", "write a range")])
def test_cli_bad_seeds(long_csv, tmp_path, capsys, seeds, message):
    code = main(["report", "--data", str(long_csv), "--out", str(tmp_path / "r.html"), f"--seeds={seeds}",
                 "--routers", "task_best"])
    assert code == 2 and message in _error(capsys)
    assert not (tmp_path / "r.html").exists()


def test_cli_bad_outputs_and_routers(long_csv, tmp_path, capsys):
    base = ["report", "--data", str(long_csv), "--routers", "task_best", "--progress", "off"]
    assert main(base + ["--out", str(long_csv)]) == 2
    assert "is the input file" in _error(capsys)
    assert main(base + ["--out", str(tmp_path / "missing" / "r.html")]) == 2
    assert "does not exist" in _error(capsys)
    assert main(base + ["--out", str(tmp_path / "r.json")]) == 2
    assert ".html" in _error(capsys)
    assert main(["report", "--data", str(long_csv), "--out", str(tmp_path / "r.html"), "--routers", "tsk_best"]) == 2
    assert "unknown router 'tsk_best'" in _error(capsys)
    assert not list(tmp_path.iterdir())


def test_the_page_says_why_each_mix_is_drawn_and_which_router_is_the_reference(report, written):
    page, figures = written
    picks = figures["routing_mix"]
    assert picks and all(p["router"] in figures["runs"][0]["routers"] and p["why"] for p in picks)
    for p in picks:
        assert html.escape(p["why"]) in page
    best = figures["plateau"]["best"]
    assert f"{best}: the learned router with the best AIQ on seed {SEEDS[0]}" in page
    assert "take the best band router of each resample" in page


def test_many_tasks_are_cut_short_on_the_page(tmp_path):
    world = rk.simulate(600, seed=1)
    tasks = np.array([f"task{k % 20:02d}" for k in range(len(world))], dtype=object)
    data = rk.RoutingData(scores=world.scores, costs=world.costs, models=world.models, tasks=tasks,
                          features=world.features)
    rep = rk.report.build_report(data, ["task_best", "linear"], [0], n_boot=50)
    page, beside = rk.report.write_report(rep, tmp_path / "r.html")
    text = page.read_text(encoding="utf-8")
    assert "20: task00 (30)" in text and "(8 more in the JSON)" in text and "task19 (30)" not in text
    assert len(json.loads(beside.read_text())["data"]["tasks"]) == 20
