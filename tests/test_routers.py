"""Routers: one conformance test over the whole registry, then behaviour on RouterWorld."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone

import routerkit as rk
from routerkit.decision import aggregate, decide
from routerkit.routers import NotFittedError
from routerkit.routers.knn import cosine_top_k

# -- data ---------------------------------------------------------------------------------------------------
TASK_WORDS = {
    "math": "solve integer equation sum product prime divide fraction",
    "code": "python function return list loop string compile bug",
    "trivia": "capital river author year king battle country novel",
}
FILLER = "the a of which what please tell me about".split()


def prompt_data(n: int = 240, seed: int = 0) -> rk.RoutingData:
    """Prompts only (no features, no tasks): the prompt's words carry the task, the task the best model."""
    rng = np.random.default_rng(seed)
    names = list(TASK_WORDS)
    task = rng.integers(len(names), size=n)
    prompts = []
    for t in task:
        words = list(rng.choice(TASK_WORDS[names[t]].split(), size=4)) + list(rng.choice(FILLER, size=3))
        prompts.append(" ".join(rng.permutation(words)))
    m = 4
    p = np.full((n, m), 0.4)
    p[np.arange(n), task] = 0.9          # model t is good at task t; model 3 is expensive and good everywhere
    p[:, 3] = 0.85
    scores = (rng.random((n, m)) < p).astype(float)
    costs = np.array([1e-4, 2e-4, 3e-4, 5e-3]) * rng.lognormal(0, 0.2, size=(n, m))
    return rk.RoutingData(scores=scores, costs=costs, models=["m-math", "m-code", "m-trivia", "m-big"],
                          prompts=np.array(prompts, dtype=object))


@pytest.fixture(scope="module")
def world():
    return rk.train_test_split(rk.simulate(n_queries=900, seed=1), test_size=0.3, seed=0)


@pytest.fixture(scope="module")
def prompts():
    d = prompt_data()
    return d[:180], d[180:]


def registry_names(models):
    return [n for n in rk.routers.available() if not n.startswith("single:")] + ["single:" + models[-1]]


FAST = {"mlp": dict(epochs=5), "mf": dict(epochs=5), "pairwise": dict(epochs=5),
        "ranking": dict(epochs=5, min_steps=0),
        "gbdt": dict(max_iter=20), "finetuned": dict(epochs=1, max_seq_length=16, max_train=60)}
# routers that read prompt text itself, never features
PROMPTS_ONLY = {"finetuned"}


def build(name):
    return rk.routers.make(name, **FAST.get(name.split(":")[0], {}))


# -- registry -----------------------------------------------------------------------------------------------
def test_registry_lists_every_family():
    names = rk.routers.available()
    for n in ["single:<model>", "cheapest", "best_single", "random", "oracle", "task_best", "cluster_best",
              "knn", "linear", "mlp", "mf", "pairwise", "gbdt", "ranking"]:
        assert n in names
    assert rk.routers.make("single:gpt-4-1106-preview").model == "gpt-4-1106-preview"
    assert rk.routers.make("knn", k=7).k == 7
    with pytest.raises(ValueError, match="available: .*knn"):
        rk.routers.make("nope")
    assert rk.routers.make("oracle").uses_test_labels is True
    assert rk.routers.make("knn").uses_test_labels is False


# -- conformance --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["features", "prompts"])
@pytest.mark.parametrize("name", registry_names(["x"]))
def test_conformance(name, kind, world, prompts):
    train, test = world if kind == "features" else prompts
    if name.startswith("single:"):
        name = "single:" + train.models[-1]
    router = build(name)
    params = router.get_params()
    assert clone(router).get_params() == params          # hyperparameters stored as given
    if name in PROMPTS_ONLY and kind == "features":
        with pytest.raises(ValueError, match="prompt"):
            router.fit(train)
        return

    with pytest.raises(NotFittedError):
        router.route(test, 0.0)
    with pytest.raises(NotFittedError):
        router.predict(test)

    assert router.fit(train) is router
    assert router.get_params() == params                 # fit does not touch hyperparameters
    assert router.models_ == train.models
    assert router.top_model_ in train.models
    assert router.name == name.split(":")[0]
    n, m = len(test), test.n_models

    s_hat, c_hat = router.predict(test), router.cost_estimate(test)
    assert s_hat.shape == (n, m) and np.isfinite(s_hat).all()
    assert c_hat.shape == (n, m) and (c_hat >= 0).all()
    lams = [0.0, 1.0, 1e6]
    for lam in lams:
        ch = router.route(test, lam)
        assert ch.shape == (n,) and np.issubdtype(ch.dtype, np.integer)
        assert ch.min() >= 0 and ch.max() < m
    grid = router.route(test, np.array(lams))
    assert grid.shape == (len(lams), n)
    assert np.array_equal(grid[0], router.route(test, 0.0))

    again = build(name).fit(train)                       # deterministic for a seed
    for lam in lams:
        assert np.array_equal(router.route(test, lam), again.route(test, lam))
    np.testing.assert_array_equal(router.predict(test), again.predict(test))

    other = test.select_models(list(reversed(test.models[1:])))
    with pytest.raises(ValueError, match="models differ"):
        router.route(other, 0.0)
    with pytest.raises(ValueError, match=repr(test.models[0])[1:-1]):
        router.predict(other)


@pytest.mark.parametrize("name", ["task_best", "knn", "linear", "mlp", "mf", "pairwise", "gbdt", "cluster_best"])
def test_score_routers_decide_with_the_shared_rule(name, world):
    train, test = world
    r = build(name).fit(train)
    for lam in (0.0, 30.0, 300.0):
        assert np.array_equal(r.route(test, lam), decide(r.predict(test), r.cost_estimate(test), lam))


def test_cost_estimate_is_task_mean_of_training_costs(world):
    train, test = world
    r = rk.routers.make("task_best").fit(train)
    c = r.cost_estimate(test)
    t = test.tasks[0]
    np.testing.assert_allclose(c[0], train.costs[train.tasks == t].mean(axis=0))
    no_task = test.__class__(scores=test.scores, costs=test.costs, models=test.models)
    np.testing.assert_allclose(r.cost_estimate(no_task)[0], train.costs.mean(axis=0))


def test_top_model_and_baselines(world):
    train, test = world
    mean = train.scores.mean(axis=0)
    best = rk.routers.make("best_single").fit(train)
    assert best.top_model_ == train.models[int(np.argmax(mean))]
    assert (best.route(test, 1e9) == best.top_index_).all()
    cheap = rk.routers.make("cheapest").fit(train)
    assert (cheap.route(test, 0.0) == int(np.argmin(train.costs.mean(axis=0)))).all()
    rnd = rk.routers.make("random").fit(train)
    assert (rnd.route(test, 0.0) == rnd.top_index_).all()
    mid = rnd.route(test, rnd.lam_mid_)
    assert set(np.unique(mid)) == {rnd.top_index_, rnd.cheapest_index_}
    with pytest.raises(ValueError, match="unknown model"):
        rk.routers.make("single:nope").fit(train)


def test_features_options(world):
    train, test = world
    r = rk.routers.make("knn", task_onehot=True).fit(train)
    assert r._features(test).shape[1] == train.features.shape[1] + len(train.task_names)
    with pytest.raises(ValueError, match="neither"):
        rk.routers.make("knn").fit(rk.RoutingData(scores=train.scores, costs=train.costs, models=train.models))


def test_encoders():
    d = prompt_data(60)
    enc = rk.encoders.TfidfSVDEncoder(n_components=8, random_state=0).fit(d.prompts)
    X = enc.transform(d.prompts)
    assert X.shape == (60, 8)
    np.testing.assert_array_equal(X, rk.encoders.TfidfSVDEncoder(n_components=8).fit(d.prompts).transform(d.prompts))
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match=r"routerkit\[encoders\]"):
            rk.encoders.SentenceTransformerEncoder().fit(d.prompts)


# -- behaviour on RouterWorld -------------------------------------------------------------------------------
QUERY_ONLY = ["task_best", "cluster_best", "knn", "linear", "mlp", "mf", "pairwise", "gbdt", "ranking"]


@pytest.fixture(scope="module")
def fitted():
    train, test = rk.train_test_split(rk.simulate(n_queries=3000, seed=3), test_size=0.3, seed=0)
    return train, test, {n: rk.routers.make(n).fit(train) for n in QUERY_ONLY + ["oracle", "best_single"]}


def realised(choice, data, lam):
    q, c, _ = aggregate(choice, data.scores, data.costs)
    return q[0], c[0], q[0] - lam * c[0]


def test_oracle_dominates_every_router(fitted):
    """At lam = 0 the oracle's quality is at least every router's; at every router operating point
    (lam in a grid) the oracle reaches at least that quality at no more cost (interpolating the oracle's
    own sweep, i.e. randomly mixing two of its budgets)."""
    train, test, routers = fitted
    oracle = routers["oracle"]
    lams = np.r_[0.0, np.geomspace(1.0, 1e5, 40)]
    oq, oc, _ = aggregate(oracle.route(test, lams), test.scores, test.costs)
    order = np.argsort(oc)
    for name, r in routers.items():
        q, c, _ = aggregate(r.route(test, lams), test.scores, test.costs)
        assert oq[0] >= q.max() - 1e-12, name
        reach = np.interp(c, oc[order], np.maximum.accumulate(oq[order]))
        assert (reach >= q - 1e-9)[c >= oc.min()].all(), name


BAYES_MARGIN = 0.01   # ~1 standard error of a utility difference on 900 test queries


def test_bayes_router_bounds_every_query_only_router(fitted):
    """The Bayes router (argmax truth - lam * c_hat, the same cost estimate the routers use) has the best
    expected realised utility of any query-only router; on 900 test queries each router's realised utility
    q - lam * c stays below the Bayes router's plus BAYES_MARGIN, at lam = 0, 20 and 200."""
    train, test, routers = fitted
    c_hat = routers["task_best"].cost_estimate(test)
    for lam in (0.0, 20.0, 200.0):
        bayes = realised(decide(test.truth, c_hat, lam), test, lam)[2]
        for name in QUERY_ONLY + ["best_single"]:
            assert realised(routers[name].route(test, lam), test, lam)[2] <= bayes + BAYES_MARGIN, (name, lam)


KNN_MARGIN = 0.04


def test_knn_close_to_bayes_with_a_perfect_encoder():
    """encoder_quality=1 and idiosyncratic=0 (everything that decides the outcome is visible): kNN's realised
    utility is within KNN_MARGIN of the Bayes router's at lam = 0, 20, 200 (4,000 queries, 70/30)."""
    train, test = rk.train_test_split(rk.simulate(n_queries=4000, seed=5, encoder_quality=1.0, idiosyncratic=0.0),
                                      test_size=0.3, seed=0)
    knn = rk.routers.make("knn").fit(train)
    c_hat = knn.cost_estimate(test)
    for lam in (0.0, 20.0, 200.0):
        bayes = realised(decide(test.truth, c_hat, lam), test, lam)[2]
        assert realised(knn.route(test, lam), test, lam)[2] >= bayes - KNN_MARGIN, lam


def _top_k_similarities(ref, queries, k):
    """Brute force in float64: each query's k largest cosine similarities, sorted."""
    sim = queries.astype(np.float64) @ ref.astype(np.float64).T
    return -np.sort(-sim, axis=1)[:, :k]


def _unit_rows(rng, n, d):
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize("block, workers", [(None, 1), (64, 2), (7, 3), (1000, 2)])
def test_cosine_top_k_is_exact_and_independent_of_blocks_and_workers(block, workers):
    """Neighbours match float64 brute force for any block size and number of workers (similarities, not
    indices, are compared so that ties may come in any order), and the indices do not depend on the workers."""
    rng = np.random.default_rng(0)
    ref, queries, k = _unit_rows(rng, 3000, 32), _unit_rows(rng, 700, 32), 25
    idx = cosine_top_k(torch.from_numpy(ref), torch.from_numpy(queries), k, block=block, workers=workers).numpy()
    assert idx.shape == (700, k) and all(len(set(row)) == k for row in idx)
    got = -np.sort(-np.einsum("nd,nkd->nk", queries.astype(np.float64), ref[idx].astype(np.float64)), axis=1)
    np.testing.assert_allclose(got, _top_k_similarities(ref, queries, k), atol=1e-5)
    alone = cosine_top_k(torch.from_numpy(ref), torch.from_numpy(queries), k, block=block, workers=1).numpy()
    np.testing.assert_array_equal(np.sort(idx, axis=1), np.sort(alone, axis=1))


def test_grouped_top_k_is_exact_with_ties_and_a_ragged_end():
    """The two-pass top-k (group maxima, then the best groups) against a full sort: many exact ties (small
    integers), a width that is not a multiple of the group, and the path through cosine_top_k."""
    from routerkit.routers.knn import _GROUP, _row_top_k

    rng = np.random.default_rng(3)
    n = 70 * _GROUP + 13
    sim = torch.from_numpy(rng.integers(0, 40, size=(64, n)).astype(np.float32))
    sim[5, -3] = 1000.0                                   # the best entry of a row in the leftover columns
    idx = _row_top_k(sim, 10).numpy()
    got = np.sort(np.take_along_axis(sim.numpy(), idx, axis=1), axis=1)
    want = np.sort(sim.numpy(), axis=1)[:, -10:]
    np.testing.assert_array_equal(got, want)
    assert n - 3 in idx[5] and all(len(set(row)) == 10 for row in idx)
    ref, queries = _unit_rows(rng, 20_000, 8), _unit_rows(rng, 300, 8)
    ref[1000:2000] = ref[:1000]                           # duplicated training queries: exact ties
    idx = cosine_top_k(torch.from_numpy(ref), torch.from_numpy(queries), 25, workers=2).numpy()
    got = -np.sort(-np.einsum("nd,nkd->nk", queries.astype(np.float64), ref[idx].astype(np.float64)), axis=1)
    np.testing.assert_allclose(got, _top_k_similarities(ref, queries, 25), atol=1e-5)


def test_cosine_top_k_leaves_the_callers_torch_threads_alone():
    rng = np.random.default_rng(2)
    ref, queries = torch.from_numpy(_unit_rows(rng, 500, 8)), torch.from_numpy(_unit_rows(rng, 300, 8))
    before = torch.get_num_threads()
    cosine_top_k(ref, queries, 5, block=50, workers=2)
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError, match="block must be >= 1"):
        cosine_top_k(ref, queries, 5, block=0)


def test_knn_neighbours_with_duplicates_and_few_training_queries():
    """Exact ties (duplicated training queries) and k above the training size."""
    rng = np.random.default_rng(1)
    base = _unit_rows(rng, 400, 16)
    ref = np.vstack([base, base[:200]])
    queries = _unit_rows(rng, 50, 16)
    idx = cosine_top_k(torch.from_numpy(ref), torch.from_numpy(queries), 25, block=16).numpy()
    got = -np.sort(-np.einsum("nd,nkd->nk", queries, ref[idx]), axis=1)
    np.testing.assert_allclose(got, _top_k_similarities(ref, queries, 25), atol=1e-5)
    assert cosine_top_k(torch.from_numpy(ref[:10]), torch.from_numpy(queries), 25).shape == (50, 10)
    assert cosine_top_k(torch.from_numpy(ref), torch.from_numpy(queries[:0]), 25).shape == (0, 25)
    train = rk.simulate(n_queries=12, seed=0)
    with pytest.raises(ValueError, match="block"):
        rk.routers.make("knn", block=0).fit(train)
    scores = rk.routers.make("knn", k=50).fit(train).predict(train)
    np.testing.assert_allclose(scores, np.broadcast_to(train.scores.mean(axis=0), scores.shape), atol=1e-6)


def test_ranking_alpha_moves_between_collapse_and_score_routers(fitted):
    """The naive rule (tie_mode="constant"): at full tie weight the cheapest model "beats" the top model on
    every query both solve, so the router sends almost nothing to it at lam = 0; without tie weight it learns
    the score routers' order and the top model's share is high again."""
    train, test, routers = fitted
    full = rk.routers.make("ranking", tie_mode="constant", alpha=1.0).fit(train)
    none = rk.routers.make("ranking", tie_mode="constant", alpha=0.0).fit(train)
    top = full.top_index_
    assert (full.route(test, 0.0) == top).mean() < 0.05           # cheapest "beats" the top model on ties
    share_none = (none.route(test, 0.0) == top).mean()
    share_mlp = (routers["mlp"].route(test, 0.0) == top).mean()
    assert share_none > 0.5 and share_none > 0.6 * share_mlp
    # one network serves every budget: spending falls as lam grows
    costs = [realised(none.route(test, lam), test, lam)[1] for lam in (0.0, 50.0, 1e5)]
    assert costs[0] > costs[1] > costs[2]


def test_ranking_default_targets_the_decision(fitted):
    """The default (utility-gap pairwise loss, linear budget head): at lam = 0 quality ties carry no weight, so
    it sends the top model about as many queries as a score router; spending falls as lam grows; its route is
    the shared rule on its predict."""
    train, test, routers = fitted
    r = routers["ranking"]
    top = r.top_index_
    share, share_mlp = (r.route(test, 0.0) == top).mean(), (routers["mlp"].route(test, 0.0) == top).mean()
    assert share > 0.5 and share > 0.6 * share_mlp
    costs = [realised(r.route(test, lam), test, lam)[1] for lam in (0.0, 50.0, 1e5)]
    assert costs[0] > costs[1] > costs[2]
    lams = np.array([0.0, 20.0, 200.0])
    assert np.array_equal(r.route(test, lams), decide(r.predict(test), r.cost_estimate(test), lams))


def test_ranking_targets_and_variants():
    import torch
    from routerkit.routers.ranking import LEGACY, ranking_targets
    S = torch.tensor([[1.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    C = torch.tensor([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    # constant ties: the original rule, scalar lam
    w = ranking_targets(S, C, 0.0, 0.5)
    assert w[0, 0, 1] == 0.5 and w[0, 1, 0] == 0 and w[0, 0, 2] == 1 and w[0, 2, 0] == 0
    # budget ties: no preference at lam = 0; at lam > 0 the tied pair weighs its utility gap lam * dc
    wb0 = ranking_targets(S, C, 0.0, 1.0, tie_mode="budget")
    assert wb0[1].sum() == 0 and wb0[0, 0, 1] == 0 and wb0[0, 0, 2] == 1
    wb = ranking_targets(S, C, torch.tensor([0.1, 0.2]), 1.0, tie_mode="budget")   # one lam per query
    assert torch.isclose(wb[0, 0, 1], torch.tensor(0.1)) and torch.isclose(wb[1, 0, 2], torch.tensor(0.4))
    assert torch.isclose(wb[0, 1, 2], torch.tensor(1.0 + 0.1))                       # 1 - lam * (c_j - c_k)
    # every formulation fits, routes, and is deterministic for a seed
    train, test = rk.train_test_split(rk.simulate(n_queries=600, seed=2), test_size=0.3, seed=0)
    for kw in (dict(tie_mode="budget", alpha=1.0), dict(head="film", tie_mode="budget", alpha=1.0),
               dict(LEGACY, epochs=3)):
        kw = {"min_steps": 50, **kw}
        a = rk.routers.make("ranking", **kw).fit(train)
        b = rk.routers.make("ranking", **kw).fit(train)
        assert np.array_equal(a.route(test, [0.0, 30.0]), b.route(test, [0.0, 30.0])), kw
    for bad in (dict(tie_mode="x"), dict(head="x"), dict(alpha=2.0), dict(temperature=0.0),
                dict(lam_sampling="x"), dict(schedule="x"), dict(val_fraction=1.0)):
        with pytest.raises(ValueError):
            rk.routers.make("ranking", **bad).fit(train)
    with pytest.raises(TypeError, match="loss"):      # one loss: the pairwise one (others: bench/ranking_variants.py)
        rk.routers.make("ranking", loss="listwise")


def test_evaluate_runs_every_router(fitted):
    train, test, routers = fitted
    from routerkit.evaluate import evaluate
    frame = evaluate(routers, test)
    assert set(frame["router"]) == set(routers)


# -- route_prompts: new prompts as they come --------------------------------------------------------------------
@pytest.mark.parametrize("name", ["knn", "linear", "mlp", "task_best", "cheapest", "random"])
def test_route_prompts_equals_route_on_the_same_prompts(name, prompts):
    train, test = prompts
    router = build(name).set_params(**({"random_state": 0} if "random_state" in build(name).get_params() else {}))
    router.fit(train)
    new = [str(p) for p in test.prompts]
    for lam in (0.0, 3.0, [0.0, 1.0, 30.0]):
        np.testing.assert_array_equal(router.route_prompts(new, lam), router.route(test, lam))


def test_route_prompts_reads_tasks_where_the_router_learned_them(world):
    train, test = world
    trend = rk.routers.make("task_best").fit(train)
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # known tasks: nothing to warn about
        got = trend.route_prompts(["a question"] * len(test), 0.0, tasks=list(test.tasks))
    np.testing.assert_array_equal(got, trend.route(test, 0.0))
    with pytest.warns(UserWarning, match="no tasks= were given"):
        trend.route_prompts(["a question"])
    with pytest.warns(UserWarning, match=r"not seen in training .*\['nope'\]"):
        trend.route_prompts(["a question"], tasks=["nope"])


@pytest.mark.parametrize("bad, match", [
    ("one prompt", "list of strings, got str"),
    ([], "non-empty list of strings"),
    (["fine", 3], "item 1 is int"),
    (None, "list of strings, got NoneType"),
])
def test_route_prompts_wants_a_list_of_strings(bad, match, prompts):
    router = build("knn").fit(prompts[0])
    with pytest.raises(ValueError, match=match):
        router.route_prompts(bad)


def test_route_prompts_checks_tasks_and_the_feature_source(world, prompts):
    router = build("knn").fit(prompts[0])
    with pytest.raises(ValueError, match="2 tasks for 1 prompts"):
        router.route_prompts(["x"], tasks=["a", "b"])
    on_features = rk.routers.make("knn").fit(world[0])
    with pytest.raises(ValueError, match="fitted on data.features, not on prompts"):
        on_features.route_prompts(["what is the capital of france"])
    with pytest.raises(NotFittedError):
        rk.routers.make("knn").route_prompts(["x"])


def test_route_prompts_refuses_the_oracle(prompts):
    oracle = rk.routers.make("oracle").fit(prompts[0])
    with pytest.raises(ValueError, match="reads each query's scores, which new prompts do not have"):
        oracle.route_prompts(["what is the capital of france"])
