"""RouterWorld: determinism, calibration to RouterBench, the real data's structure, the knobs, bad input.

Tolerances are stated where they are used and sized to sampling error at the default 10,000 queries
(a per-model accuracy over all queries has a standard error of at most 0.005; over MBPP's 1,356, 0.014).
Checks against the real RouterBench subset skip where ../shared is absent; the same checks run against the
aggregates stored in data/, so a fresh clone still tests the calibration.
"""
import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.neighbors import KNeighborsRegressor

import routerkit as rk
from routerkit.data import RoutingData, train_test_split
from routerkit.resources import resource_path
from routerkit.world import (MODELS, TASKS, _bivariate_normal_cdf, calibration_tables, simulate, structure,
                             tetrachoric)

REPO = Path(__file__).resolve().parents[1]
SUBSET = REPO.parent / "shared" / "data" / "routerbench_subset" / "routerbench_subset_wide.parquet"
needs_subset = pytest.mark.skipif(not SUBSET.is_file(), reason=f"RouterBench subset not found at {SUBSET} "
                                  "(it sits beside the repo in ../shared; a fresh clone has no copy)")

# Structure tolerances (absolute), RouterWorld at 10,000 queries vs the 3,150 real rows.
TIE_TOL, ORACLE_TOL, NONE_TOL, PHI_TOL = 0.01, 0.01, 0.01, 0.03


@pytest.fixture(scope="module")
def world():
    return simulate()


@pytest.fixture(scope="module")
def subset():
    """The real subset's complete rows as RoutingData (read in place, never copied)."""
    cols = list(MODELS) + [m + "|total_cost" for m in MODELS] + ["eval_name", "split", "prompt"]
    df = pd.read_parquet(SUBSET, columns=cols)
    df = df[df[list(MODELS)].notna().all(axis=1)]
    return RoutingData(scores=df[list(MODELS)].to_numpy(float),
                       costs=df[[m + "|total_cost" for m in MODELS]].to_numpy(float), models=list(MODELS),
                       tasks=df["eval_name"].to_numpy(), prompts=df["prompt"].to_numpy(),
                       meta={"split": df["split"].to_numpy()})


def stored(name):
    return pd.read_csv(resource_path(name))


def quality(data, choice):
    return float(data.scores[np.arange(len(data)), choice].mean())


def knn_quality(data, k=100, seed=0):
    """A plain kNN score regressor on the features, routed by argmax (lam = 0), on a 30% held-out split."""
    train, test = train_test_split(data, test_size=0.3, seed=seed)
    knn = KNeighborsRegressor(n_neighbors=k, weights="distance").fit(train.features, train.scores)
    return test, quality(test, knn.predict(test.features).argmax(axis=1))


# -- shape, meta, determinism ---------------------------------------------------------------------------
def test_default_world_has_the_routerbench_shape(world):
    assert world.scores.shape == world.costs.shape == world.truth.shape == (10_000, 11)
    assert world.models == list(MODELS) and world.features.shape == (10_000, 32)
    assert set(np.unique(world.scores)) == {0.0, 1.0}
    assert (world.costs > 0).all() and ((world.truth > 0) & (world.truth < 1)).all()
    assert world.task_names and set(world.task_names) == set(TASKS)
    assert world.meta["name"] == "routerworld"
    for key in ("n_queries", "seed", "encoder_quality", "idiosyncratic", "outcome_noise", "n_features",
                "models", "task_mix"):
        assert key in world.meta, key
    assert "simulate" in rk.__all__ and rk.simulate is simulate


def test_same_seed_gives_identical_arrays_and_another_seed_differs(world):
    again, other = simulate(seed=0), simulate(seed=1)
    for name in ("scores", "costs", "truth", "features", "tasks"):
        assert np.array_equal(getattr(world, name), getattr(again, name)), name
        assert not np.array_equal(getattr(world, name), getattr(other, name)), name
    assert simulate(50, seed=np.random.default_rng(3)).meta["seed"] == "generator"


def test_task_mix_is_exact_and_selectable(world):
    shares = stored("routerworld_tasks.csv").set_index("task")["share"]
    counts = pd.Series(world.tasks).value_counts()
    for task in TASKS:
        assert abs(counts[task] - 10_000 * shares[task]) <= 1, task
    only = simulate(200, task_mix={"mbpp": 1})
    assert set(only.tasks) == {"mbpp"} and only.meta["task_mix"] == {"mbpp": 1.0}


def test_knobs_move_one_thing_at_a_time(world):
    """Common random numbers: same seed, one knob changed, everything else identical."""
    sharper = simulate(encoder_quality=0.9)
    assert np.array_equal(sharper.scores, world.scores) and np.array_equal(sharper.truth, world.truth)
    assert not np.array_equal(sharper.features, world.features)
    pair = simulate(models=["gpt-4-1106-preview", "mistralai/mistral-7b-chat"])
    assert pair.models == ["gpt-4-1106-preview", "mistralai/mistral-7b-chat"]
    cols = [MODELS.index(m) for m in pair.models]
    for name in ("scores", "costs", "truth"):
        assert np.array_equal(getattr(pair, name), getattr(world, name)[:, cols]), name
    assert np.array_equal(pair.features, world.features)


def test_features_hold_the_traits_at_full_quality_and_nothing_at_zero():
    full = simulate(2_000, encoder_quality=1.0)
    assert np.linalg.matrix_rank(full.features, tol=1e-8) == 7  # 4 visible traits + 3 task indicators, rotated
    blind = simulate(2_000, encoder_quality=0.0)
    corr = np.corrcoef(blind.features.T, blind.truth.T)[:32, 32:]
    assert np.abs(corr).max() < 0.1  # pure noise: |r| of 2,000 independent pairs stays below ~0.09


# -- calibration: per-model numbers against the stored facts ------------------------------------------------
def test_per_model_accuracy_matches_the_stored_facts(world):
    facts = stored("routerworld_calibration.csv")
    shares = stored("routerworld_tasks.csv").set_index("task")["share"]
    facts["weight"] = facts["task"].map(shares)
    overall = facts.groupby("model").apply(lambda g: np.average(g["accuracy"], weights=g["weight"]),
                                           include_groups=False)
    sim = pd.Series(world.scores.mean(axis=0), index=world.models)
    # Overall accuracy per model: within 0.02 (4 standard errors at 10,000 queries).
    assert (sim - overall[sim.index]).abs().max() < 0.02, (sim - overall[sim.index]).round(3).to_dict()
    # Per task and model: within 0.045 (3 standard errors on MBPP's 1,356 queries).
    got = calibration_tables(world)["accuracy"].merge(facts, on=["task", "model"], suffixes=("", "_real"))
    gap = (got["accuracy"] - got["accuracy_real"]).abs()
    assert gap.max() < 0.045, got.loc[gap.idxmax(), ["task", "model", "accuracy", "accuracy_real"]].to_dict()
    assert structure(world)["best_model"] == "gpt-4-1106-preview"


def test_mean_cost_per_task_and_model_matches_the_stored_facts(world):
    facts = stored("routerworld_calibration.csv")
    got = calibration_tables(world)["accuracy"].merge(facts, on=["task", "model"], suffixes=("", "_real"))
    ratio = got["mean_cost_usd"] / got["mean_cost_usd_real"]
    # Within 5%: MBPP's lognormal answer lengths leave about 1% sampling error, one-token answers 1% bias.
    assert (ratio - 1).abs().max() < 0.05, got.loc[(ratio - 1).abs().idxmax(), ["task", "model"]].to_dict()
    card = stored("model_card.csv").set_index("model")
    assert list(card.index) == list(MODELS)
    gpt4, mistral = world.models.index("gpt-4-1106-preview"), world.models.index("mistralai/mistral-7b-chat")
    assert world.costs[:, gpt4].mean() > 30 * world.costs[:, mistral].mean()


def test_structure_matches_the_stored_subset_aggregates(world):
    real = stored("routerworld_structure.csv").set_index("scope").loc["all"]
    sim = structure(world)
    assert abs(sim["tie_rate"] - real["tie_rate"]) < TIE_TOL, (sim["tie_rate"], real["tie_rate"])
    assert abs(sim["oracle"] - real["oracle"]) < ORACLE_TOL, (sim["oracle"], real["oracle"])
    assert abs(sim["none_solved"] - real["none_solved"]) < NONE_TOL, (sim["none_solved"], real["none_solved"])
    assert abs(sim["mean_phi"] - real["mean_phi"]) < PHI_TOL, (sim["mean_phi"], real["mean_phi"])
    assert abs(sim["best_quality"] - real["best_quality"]) < 0.02


# -- the real subset (skips without ../shared) --------------------------------------------------------------
@needs_subset
def test_stored_facts_are_the_subsets_aggregates(subset):
    measured = calibration_tables(subset)
    acc = measured["accuracy"].merge(stored("routerworld_calibration.csv"), on=["task", "model"],
                                     suffixes=("", "_stored"))
    assert len(acc) == 33 and (acc["n"] == acc["n_stored"]).all()
    assert np.allclose(acc["accuracy"], acc["accuracy_stored"], atol=1e-6)
    assert np.allclose(acc["mean_cost_usd"], acc["mean_cost_usd_stored"], rtol=1e-5)
    pairs = measured["pairs"].merge(stored("routerworld_pairs.csv"), on=["task", "model_a", "model_b"],
                                    suffixes=("", "_stored"))
    assert len(pairs) == 3 * 55
    for col in ("both_correct", "phi", "tetrachoric"):
        assert np.allclose(pairs[col], pairs[col + "_stored"], atol=1e-5), col
    struct = measured["structure"].set_index("scope")
    facts = stored("routerworld_structure.csv").set_index("scope")
    for col in ("tie_rate", "oracle", "none_solved", "single_solver", "mean_phi", "best_quality"):
        assert np.allclose(struct.loc[facts.index, col], facts[col], atol=1e-6), col
    # The README's facts about the file.
    assert len(subset) == 3150
    assert struct.loc["all", "oracle"] == pytest.approx(0.976, abs=5e-4)
    assert struct.loc["all", "best_model"] == "gpt-4-1106-preview"
    assert struct.loc["all", "best_quality"] == pytest.approx(0.879, abs=5e-4)


@needs_subset
def test_structure_matches_the_real_subset(world, subset):
    real, sim = structure(subset), structure(world)
    test_split = subset[subset.meta["split"] == "test"]
    assert structure(test_split)["tie_rate"] == pytest.approx(0.98, abs=0.005)
    assert abs(sim["tie_rate"] - structure(test_split)["tie_rate"]) < TIE_TOL
    assert abs(sim["tie_rate"] - real["tie_rate"]) < TIE_TOL
    assert abs(sim["oracle"] - real["oracle"]) < ORACLE_TOL
    assert abs(sim["none_solved"] - real["none_solved"]) < NONE_TOL
    assert abs(sim["mean_phi"] - real["mean_phi"]) < PHI_TOL


@needs_subset
def test_card_input_prices_reproduce_the_subsets_costs(subset):
    """On ARC and Winogrande the answer is one to three tokens, so cost / prompt tokens is the input price.

    Prompt tokens are estimated as characters / 4 (RouterBench counted with tiktoken): within 3%.
    """
    card = stored("model_card.csv").set_index("model")
    mc = np.isin(subset.tasks, ["arc-challenge", "winogrande"])
    chars = np.array([sum(len(p) for p in ast.literal_eval(s)) for s in subset.prompts[mc]])
    per_token = np.median(subset.costs[mc] / (chars[:, None] / 4), axis=0) * 1e6
    ratio = per_token / card.loc[subset.models, "usd_per_1m_input"].to_numpy()
    assert np.abs(ratio - 1).max() < 0.03, dict(zip(subset.models, ratio.round(3)))


def test_tetrachoric_recovers_a_known_latent_correlation():
    rng = np.random.default_rng(0)
    for rho, h, k in [(0.6, 0.3, -0.5), (-0.4, 1.0, 0.2), (0.9, -1.2, -0.8)]:
        z = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=200_000)
        assert _bivariate_normal_cdf(np.array(h), np.array(k), np.array(rho)) == pytest.approx(
            np.mean((z[:, 0] <= h) & (z[:, 1] <= k)), abs=0.003)
        a, b = z[:, 0] > -h, z[:, 1] > -k
        assert tetrachoric(np.mean(a & b), a.mean(), b.mean()) == pytest.approx(rho, abs=0.02)
    assert np.isnan(tetrachoric(0.5, 1.0, 0.5))


# -- the knobs ------------------------------------------------------------------------------------------------
def test_knn_approaches_the_bayes_router_with_a_perfect_encoder():
    """encoder_quality=1 and idiosyncratic=0: the features carry everything the truth depends on."""
    data = simulate(encoder_quality=1.0, idiosyncratic=0.0)
    test, knn = knn_quality(data)
    bayes = quality(test, test.truth.argmax(axis=1))
    assert bayes - 0.02 <= knn <= bayes + 0.01, (knn, bayes)  # margin 0.02 (measured gap about 0.01)


def test_bayes_router_reaches_the_oracle_without_outcome_noise():
    """outcome_noise=False: score = 1[truth > 0.5], so the most likely model solves whatever anyone solves."""
    data = simulate(outcome_noise=False)
    assert np.array_equal(data.scores, (data.truth > 0.5).astype(float))
    assert quality(data, data.truth.argmax(axis=1)) == data.scores.max(axis=1).mean()


def test_at_the_defaults_bayes_and_knn_sit_far_below_the_oracle(world):
    oracle = world.scores.max(axis=1).mean()
    bayes = quality(world, world.truth.argmax(axis=1))
    test, knn = knn_quality(world)
    assert oracle - bayes >= 0.05, (oracle, bayes)            # measured 0.06-0.066 over seeds 0-4
    assert test.scores.max(axis=1).mean() - knn >= 0.07, knn  # kNN sits lower still: the plateau
    per_task_best = {t: world.scores[world.tasks == t].mean(axis=0).argmax() for t in world.task_names}
    trend = quality(test, np.array([per_task_best[t] for t in test.tasks]))
    assert abs(knn - trend) < 0.02, (knn, trend)              # learned router ~ the per-task global trend


def test_idiosyncratic_changes_the_ceiling_not_the_data(world):
    """Hidden and visible traits have the same law: the observable structure cannot reveal rho."""
    opaque = simulate(idiosyncratic=1.0, seed=1)
    clear = simulate(idiosyncratic=0.0, seed=1)
    for key, tol in (("oracle", 0.01), ("tie_rate", 0.01), ("mean_phi", 0.02)):
        assert abs(structure(opaque)[key] - structure(clear)[key]) < tol, key
    assert np.abs(opaque.scores.mean(axis=0) - clear.scores.mean(axis=0)).max() < 0.03
    # rho = 1: the truth is the per-task accuracy, so the Bayes router is the per-task best model.
    assert all(np.ptp(opaque.truth[opaque.tasks == t], axis=0).max() < 1e-12 for t in TASKS)
    assert quality(clear, clear.truth.argmax(1)) - quality(opaque, opaque.truth.argmax(1)) > 0.05


# -- bad input ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, message", [
    ({"n_queries": 0}, r"n_queries must be at least 1, got 0"),
    ({"n_queries": 2.5}, r"n_queries must be an integer, got 2.5"),
    ({"encoder_quality": 1.5}, r"encoder_quality must be a number in \[0, 1\], got 1.5"),
    ({"encoder_quality": -0.1}, r"encoder_quality must be a number in \[0, 1\], got -0.1"),
    ({"encoder_quality": float("nan")}, r"encoder_quality must be a number in \[0, 1\], got nan"),
    ({"idiosyncratic": 2}, r"idiosyncratic must be a number in \[0, 1\], got 2"),
    ({"models": ["gpt-4-1106-preview", "gpt-5"]}, r"unknown model\(s\) \['gpt-5'\]; RouterWorld has"),
    ({"models": "gpt-4-1106-preview"}, r"models must be a list of model names, not a single string"),
    ({"models": ["claude-v1"]}, r"routing needs at least 2 models"),
    ({"models": ["claude-v1", "claude-v1"]}, r"models lists a name twice"),
    ({"n_features": 6}, r"n_features must be at least 7, got 6"),
    ({"task_mix": {"gsm8k": 1.0}}, r"unknown task\(s\) \['gsm8k'\]; RouterWorld has"),
    ({"task_mix": {"mbpp": 0.0}}, r"task_mix weights must be finite, non-negative and not all zero"),
    ({"task_mix": ["mbpp"]}, r"task_mix must map task names to weights"),
    ({"seed": None}, r"seed must be an integer \(or a numpy Generator\)"),
    ({"seed": 1.5}, r"seed must be an integer"),
    ({"outcome_noise": "no"}, r"outcome_noise must be True or False, got 'no'"),
])
def test_bad_input_is_refused_with_a_clear_message(kwargs, message):
    with pytest.raises(ValueError, match=message):
        simulate(**{"n_queries": 100, **kwargs})
