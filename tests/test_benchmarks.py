"""The shipped plateau benchmark figures (data/plateau_benchmarks.json): readable, coherent, and re-computable.

Where ../shared/data holds the real sets, the oracle's, the zero router's and task_best's AIQ on the first seed's
test part are re-computed with today's code and compared with the file: a change to the loaders, the split or
the metrics that moves them makes the shipped figures stale, and this test says so.
"""
import json
from pathlib import Path

import numpy as np
import pytest

import routerkit as rk
from routerkit import metrics

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
FILES = {"routerbench_subset": ("routerbench_subset/routerbench_subset_wide.parquet", {"missing": "drop"}),
         "routellm": ("routellm/routellm_long.parquet", {}),
         "routerdc": ("routerdc/routerdc_long.parquet", {}),
         "routerarena": ("routerarena/routerarena_long.parquet", {}),
         "carrot_openllmv2": ("carrot_openllmv2/carrot_openllmv2_long.parquet", {})}


@pytest.fixture(scope="module")
def bench():
    return rk.plateau_benchmarks()


def test_every_real_set_is_in_the_file_with_coherent_figures(bench):
    sets = bench.sets.set_index("set")
    assert list(sets.index) == list(FILES)
    assert {"produced_by", "date", "machine", "seeds", "bootstrap_resamples"} <= set(bench.meta)
    assert len(bench.meta["seeds"]) >= 3
    for name, row in sets.iterrows():
        assert 0 <= row.zero_aiq < row.oracle_aiq <= 1, name
        assert row.oracle_aiq_lo <= row.oracle_aiq_hi and row.gap > 0, name
        assert 0 <= row.oracle_top_share <= 1 and row.score_top_share_min <= row.score_top_share_max, name
        routers = bench.routers[bench.routers["set"] == name].set_index("router")
        learned = routers[routers["learned"] == True]                       # noqa: E712 (an object column)
        assert {"oracle", "zero", "task_best"} <= set(routers.index), name
        assert (learned["lo"] <= learned["aiq"]).all() and (learned["aiq"] <= learned["hi"]).all(), name
        # the gap is oracle minus the best learned router, per seed, averaged: close to the means' difference
        assert row.gap == pytest.approx(row.oracle_aiq - learned["aiq_mean"].max(), abs=0.02), name
    with_prompts = sets[sets["prompts"]]
    assert len(with_prompts) == 4 and with_prompts["band"].notna().all()
    assert sets.loc["routerdc", "equal_prices"] and sets["ranking_note"].notna().sum() == 2


def test_a_file_that_is_not_a_benchmark_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"rows": []}))
    with pytest.raises(ValueError, match="not a plateau benchmark file"):
        rk.plateau_benchmarks(bad)
    with pytest.raises(ValueError, match="not a plateau benchmark file"):
        rk.plateau_benchmarks(tmp_path / "missing.json")


@pytest.mark.parametrize("name", list(FILES))
def test_the_first_seed_figures_are_what_todays_code_computes(bench, name):
    file, options = FILES[name]
    if not (SHARED / file).is_file():
        pytest.skip(f"real set {name} not found at {SHARED / file}")
    seed = bench.meta["seeds"][0]
    data = rk.load_dataset(SHARED / file, **options)
    if name == "routerbench_subset":
        train, test = rk.predefined_split(data)
    else:
        train, test = rk.train_test_split(data, test_size=0.3, seed=seed, stratify="task")
    c_min, c_max = metrics.cost_range(test)
    frame = rk.evaluate({"task_best": rk.routers.make("task_best").fit(train)}, test)
    band = metrics.plateau_band(frame, test)
    routers = bench.routers[bench.routers["set"] == name].set_index("router")
    row = bench.sets.set_index("set").loc[name]
    assert (row.train, row.test) == (len(train), len(test))
    np.testing.assert_allclose([routers.loc["oracle", "aiq"], routers.loc["zero", "aiq"],
                                routers.loc["task_best", "aiq"]],
                               [metrics.aiq(*metrics.oracle_frontier(test), c_min, c_max),
                                metrics.aiq(*metrics.zero_router(test), c_min, c_max), band.aiq["task_best"]],
                               atol=2e-6)
