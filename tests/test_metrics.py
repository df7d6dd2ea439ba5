"""routerkit.metrics: hand-computed fixtures, properties (hypothesis), bad input, RouterBench's reference hull."""
import importlib.util
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import routerkit as rk
from routerkit import metrics as M

MODELS = ["small", "medium", "large"]
# Five queries, three models with constant per-call costs 1, 2, 4 (units are arbitrary: think "cents").
#              small medium large
SCORES = [[1, 1, 1],   # q0: everyone right      -> oracle: small
          [0, 1, 1],   # q1: medium and large    -> oracle: medium
          [0, 0, 1],   # q2: only large          -> oracle: large
          [0, 0, 0],   # q3: nobody              -> oracle: small (charged 1) or no call (0)
          [1, 0, 1]]   # q4: small and large     -> oracle: small
COSTS = [[1.0, 2.0, 4.0]] * 5


@pytest.fixture
def data():
    return rk.RoutingData(np.array(SCORES, float), np.array(COSTS), MODELS)


# Exact oracle frontier of the fixture (budgeted oracle: argmax s - lam c per query):
#   lam = 0:         choices [s, m, l, s, s]  Q = 4/5 = 0.8   C = (1+2+4+1+1)/5 = 1.8
#   lam >= 1/3:      q2 large -> small (its smallest ratio: (1-0)/(4-1) = 1/3 < (1-0)/(4-2) = 1/2)
#                    Q = 3/5 = 0.6   C = (1+2+1+1+1)/5 = 1.2
#   lam >= 1:        q1 medium -> small ((1-0)/(2-1) = 1)   Q = 2/5 = 0.4   C = 1.0
FRONTIER = ([1.0, 1.2, 1.8], [0.4, 0.6, 0.8])


# ---------------------------------------------------------------------------------------------------------
# oracle, single models, zero router
# ---------------------------------------------------------------------------------------------------------
def test_oracle_choice_cheapest_convention(data):
    choice, cost, score = M.oracle_choice(data)
    assert choice.tolist() == [0, 1, 2, 0, 0]
    assert cost.tolist() == [1.0, 2.0, 4.0, 1.0, 1.0]       # q3: nobody succeeds, the cheapest call is paid
    assert score.tolist() == [1, 1, 1, 0, 1]
    assert M.oracle_choice(data).point == pytest.approx((9 / 5, 4 / 5), abs=1e-15)


def test_oracle_choice_zero_convention(data):
    oc = M.oracle_choice(data, no_success_cost="zero")
    assert oc.choice.tolist() == [0, 1, 2, 0, 0]               # nominal choice kept, so shares stay defined
    assert oc.cost.tolist() == [1.0, 2.0, 4.0, 0.0, 1.0]       # q3: no call
    assert oc.point == pytest.approx((8 / 5, 4 / 5), abs=1e-15)


def test_oracle_ties_go_to_the_cheaper_then_lower_index():
    # q0: models 1 and 2 both score 1 at equal cost 2 -> lower index 1; model 0 scores 1 too but costs 3
    d = rk.RoutingData(np.array([[1.0, 1.0, 1.0]]), np.array([[3.0, 2.0, 2.0]]), MODELS)
    assert M.oracle_choice(d).choice.tolist() == [1]


def test_oracle_frontier_exact(data):
    fc, fq = M.oracle_frontier(data)
    np.testing.assert_allclose(fc, FRONTIER[0], rtol=1e-15)
    np.testing.assert_allclose(fq, FRONTIER[1], rtol=1e-15)
    # "zero" convention: q3 costs 0 at every budget -> every cost drops by 1/5
    zc, zq = M.oracle_frontier(data, "zero")
    np.testing.assert_allclose(zc, [0.8, 1.0, 1.6], rtol=1e-15)
    np.testing.assert_allclose(zq, FRONTIER[1], rtol=1e-15)


def test_oracle_curve_frame(data):
    fr = M.oracle_curve(data, lams=[0.0, 0.5, 2.0])
    assert fr["router"].unique().tolist() == ["oracle"]
    np.testing.assert_allclose(fr["quality"], [0.8, 0.6, 0.4], rtol=1e-15)
    np.testing.assert_allclose(fr["cost"], [1.8, 1.2, 1.0], rtol=1e-15)
    # lam = 0: small gets q0, q3, q4 (3/5), medium q1, large q2 (the top model: best single)
    np.testing.assert_allclose(fr[["share:small", "share:medium", "share:large"]].iloc[0], [0.6, 0.2, 0.2])
    assert fr["top_model"].iloc[0] == "large" and fr["top_share"].iloc[0] == pytest.approx(0.2)
    # default grid: 0 ... the largest breakpoint (1: q1's medium -> small), where everything is small
    default = M.oracle_curve(data)
    assert default["lam"].iloc[0] == 0.0 and default["lam"].iloc[-1] == pytest.approx(1.0)
    assert default["share:small"].iloc[-1] == 1.0
    zero = M.oracle_curve(data, lams=[0.0], no_success_cost="zero")
    assert zero["cost"].iloc[0] == pytest.approx(1.6)


def test_single_model_points_and_zero_router(data):
    pts = M.single_model_points(data)
    assert pts["model"].tolist() == MODELS
    np.testing.assert_allclose(pts["quality"], [0.4, 0.4, 0.8])   # small (q0, q4), medium (q0, q1), large 4/5
    np.testing.assert_allclose(pts["cost"], [1.0, 2.0, 4.0])
    zc, zq = M.zero_router(data)                                   # medium (2, 0.4) is dominated by small
    np.testing.assert_allclose(zc, [1.0, 4.0])
    np.testing.assert_allclose(zq, [0.4, 0.8])
    assert M.cost_range(data) == (1.0, 4.0)


# ---------------------------------------------------------------------------------------------------------
# hull, AIQ, cost at quality
# ---------------------------------------------------------------------------------------------------------
HULL_POINTS = ([1, 2, 3, 4, 5, 2, 6], [0.2, 0.5, 0.6, 0.9, 0.8, 0.3, 0.9])


def test_ndch_by_hand():
    # sorted: (1,.2) (2,.5) (2,.3) (3,.6) (4,.9) (5,.8) (6,.9); Pareto front (1,.2) (2,.5) (3,.6) (4,.9)
    # (3,.6) lies below the chord (2,.5)-(4,.9) (0.7 at cost 3): dropped; (2,.5) is above the chord
    # (1,.2)-(4,.9) (0.4333 at cost 2): kept. (5,.8) falls, (6,.9) is no better than (4,.9): cut.
    hc, hq = M.ndch(*HULL_POINTS)
    assert hc.tolist() == [1.0, 2.0, 4.0]
    assert hq.tolist() == [0.2, 0.5, 0.9]


def test_ndch_accepts_frames_and_pairs():
    frame = pd.DataFrame({"router": "r", "cost": HULL_POINTS[0], "quality": HULL_POINTS[1]})
    for args in [(frame,), (tuple(HULL_POINTS),)]:
        hc, hq = M.ndch(*args)
        assert hc.tolist() == [1.0, 2.0, 4.0]


def test_ndch_single_point_and_collinear():
    hc, hq = M.ndch([3.0], [0.5])
    assert hc.tolist() == [3.0] and hq.tolist() == [0.5]
    hc, hq = M.ndch([0, 1, 2, 3], [0.0, 0.25, 0.5, 0.75])          # collinear (exactly): only the ends remain
    assert hc.tolist() == [0.0, 3.0]
    hc, hq = M.ndch([1, 1, 1], [0.2, 0.7, 0.4])                     # same cost: the best point
    assert hc.tolist() == [1.0] and hq.tolist() == [0.7]


def test_aiq_both_variants_by_hand():
    # hull (1,.2) (2,.5) (4,.9), flat at .9 after cost 4
    # pieces: [1,2]: (.2+.5)/2 = .35   [2,4]: 2 (.5+.9)/2 = 1.4   [4,6]: 2 x .9 = 1.8   => 3.55 on [1, 6]
    assert M.aiq(*HULL_POINTS, 0, 6) == pytest.approx(3.55 / 6, abs=1e-15)          # 0 counted below cost 1
    assert M.aiq(*HULL_POINTS, 1, 6) == pytest.approx(3.55 / 5, abs=1e-15)
    # RouterBench: from the hull's own first point (1) to c_max, divided by c_max
    assert M.aiq(*HULL_POINTS, None, 6, variant="routerbench") == pytest.approx(3.55 / 6, abs=1e-15)
    # where they differ: range [2, 5]: normalized integrates [2,4]: 1.4 and [4,5]: .9 -> 2.3 / 3;
    # RouterBench ignores c_min, integrates from 1: .35 + 1.4 + .9 = 2.65, divides by 5
    assert M.aiq(*HULL_POINTS, 2, 5) == pytest.approx(2.3 / 3, abs=1e-15)
    assert M.aiq(*HULL_POINTS, 2, 5, variant="routerbench") == pytest.approx(2.65 / 5, abs=1e-15)


def test_aiq_oracle_and_zero_router(data):
    c_min, c_max = M.cost_range(data)                                # (1, 4)
    # oracle: [1,1.2]: .2 (.4+.6)/2 = .1   [1.2,1.8]: .6 (.6+.8)/2 = .42   [1.8,4]: 2.2 x .8 = 1.76 => 2.28
    assert M.aiq(*FRONTIER, c_min, c_max) == pytest.approx(2.28 / 3, abs=1e-15)
    assert M.aiq(*FRONTIER, c_min, c_max, "routerbench") == pytest.approx(2.28 / 4, abs=1e-15)
    # zero router: straight line (1,.4)-(4,.8): 3 (.4+.8)/2 = 1.8
    assert M.aiq(*M.zero_router(data), c_min, c_max) == pytest.approx(0.6, abs=1e-15)
    assert M.aiq(*M.zero_router(data), c_min, c_max, "routerbench") == pytest.approx(0.45, abs=1e-15)
    # the grid curve has every breakpoint of this tiny data set, so it equals the exact frontier
    assert M.aiq(M.oracle_curve(data), None, c_min, c_max) == pytest.approx(2.28 / 3, abs=1e-15)


def test_aiq_curve_starting_above_c_min_counts_zero_below():
    # one point (2, .5) over [1, 3]: nothing on [1, 2), .5 on [2, 3] -> .5 / 2
    assert M.aiq([2.0], [0.5], 1.0, 3.0) == pytest.approx(0.25)
    # a curve entirely above c_max contributes nothing
    assert M.aiq([5.0], [0.9], 1.0, 3.0) == 0.0


def test_aiq_table(data):
    fr = rk.evaluate({"oracle": M.oracle_choice(data).choice, "large": np.full(5, 2)}, data)
    table = M.aiq_table(fr, 1.0, 4.0)
    assert table.index.tolist() == ["oracle", "large"]
    # one point each: oracle (1.8, .8) -> .8 x 2.2 / 3; large (4, .8) -> 0
    assert table["oracle"] == pytest.approx(0.8 * 2.2 / 3) and table["large"] == 0.0


def test_cost_at_quality_and_savings(data):
    # .7 on the edge (1.2,.6)-(1.8,.8): halfway -> 1.5
    assert M.cost_at_quality(*FRONTIER, 0.7) == pytest.approx(1.5, abs=1e-15)
    assert M.cost_at_quality(*FRONTIER, 0.3) == 1.0                  # below the start: the cheapest point
    assert M.cost_at_quality(*FRONTIER, 0.8) == pytest.approx(1.8)
    assert math.isnan(M.cost_at_quality(*FRONTIER, 0.81))            # never reached
    np.testing.assert_allclose(M.cost_at_quality(*FRONTIER, [0.5, 0.7]), [1.1, 1.5], rtol=1e-15)
    # zero router at .7: edge (1,.4)-(4,.8), t = .3/.4 = .75 -> 1 + .75 x 3 = 3.25
    zero = M.zero_router(data)
    assert M.cost_at_quality(zero, None, 0.7) == pytest.approx(3.25)
    assert M.savings(FRONTIER, zero, 0.7) == pytest.approx(1 - 1.5 / 3.25)   # 7/13
    assert math.isnan(M.savings(FRONTIER, zero, 0.85))


def test_quality_at_cost():
    assert M.quality_at_cost(*FRONTIER, 1.5) == pytest.approx(0.7)
    assert M.quality_at_cost(*FRONTIER, 10.0) == pytest.approx(0.8)       # flat beyond the last vertex
    assert math.isnan(M.quality_at_cost(*FRONTIER, 0.5))                  # cheaper than any mix


# ---------------------------------------------------------------------------------------------------------
# PGR, APGR, CPT
# ---------------------------------------------------------------------------------------------------------
def test_pgr_apgr_cpt_by_hand(data):
    a = M.anchors(data)                      # weak = cheapest (small: .4, 1), strong = best (large: .8, 4)
    assert (a.weak, a.strong, a.q_weak, a.q_strong, a.c_weak, a.c_strong) == ("small", "large", 0.4, 0.8, 1.0, 4.0)
    assert M.pgr(0.8, data) == pytest.approx(1.0)
    np.testing.assert_allclose(M.pgr(np.array([0.4, 0.6]), data), [0.0, 0.5])
    # APGR of the oracle frontier: (AIQ over [1, 4] - .4) / .4 = (.76 - .4) / .4 = .9
    assert M.apgr(FRONTIER, data) == pytest.approx(0.9, abs=1e-14)
    # zero router: the straight line weak -> strong has PGR(u) = u, mean 1/2 (RouteLLM's random router)
    assert M.apgr(M.zero_router(data), data) == pytest.approx(0.5, abs=1e-14)
    # CPT(50%): quality .6 -> oracle cost 1.2 -> normalised (1.2 - 1) / 3 = 1/15; USD 1.2
    assert M.cpt(FRONTIER, data, 0.5) == pytest.approx(1 / 15, abs=1e-14)
    assert M.cpt(FRONTIER, data, 0.5, normalized=False) == pytest.approx(1.2)
    np.testing.assert_allclose(M.cpt(M.zero_router(data), data, [0.2, 0.8]), [0.2, 0.8], atol=1e-14)
    assert math.isnan(M.cpt(FRONTIER, data, 1.5))                # PGR 150%: beyond the oracle's .8
    # named anchors: weak = medium (.4, 2)
    assert M.pgr(0.6, data, weak="medium") == pytest.approx(0.5)


def _two_model_data():
    # weak W costs 1, strong S costs 3 (constant). W solves q2, q3; S solves all four.
    scores = np.array([[0, 1], [0, 1], [1, 1], [1, 1]], float)
    return rk.RoutingData(scores, np.tile([1.0, 3.0], (4, 1)), ["W", "S"])


def test_routellm_two_model_special_case():
    d = _two_model_data()
    # a threshold router sending q0, then q1, ... to S: strong share 0, .25, .5, .75, 1
    share = np.array([0, 0.25, 0.5, 0.75, 1.0])
    quality = np.array([0.5, 0.75, 1.0, 1.0, 1.0])                # PGR 0, .5, 1, 1, 1
    cost = 1 + 2 * share                                          # constant prices: cost axis = share axis
    # RouteLLM: trapezoids of PGR over the share: .25 x (.25 + .75 + 1 + 1) = .75
    routellm_apgr = float(np.sum(np.diff(share) * ((quality[1:] + quality[:-1]) / 2 - 0.5) / 0.5))
    assert routellm_apgr == pytest.approx(0.75)
    assert M.apgr((cost, quality), d) == pytest.approx(0.75, abs=1e-14)
    assert M.apgr((share, quality), d, axis="share") == pytest.approx(0.75, abs=1e-14)
    # RouteLLM's CPT(50%): interpolate PGR .5 on the raw curve -> share .25
    assert M.cpt((cost, quality), d, 0.5) == pytest.approx(0.25)
    assert M.cpt((share, quality), d, 0.5, axis="share") == pytest.approx(0.25)
    # frames carry the strong share: evaluate the same five routings and read the share axis from them
    choices = {f"t{k}": (np.arange(4) < k).astype(int) for k in range(5)}
    fr = rk.evaluate(choices, d)
    np.testing.assert_allclose(fr["share:S"], share)
    assert M.apgr(fr.assign(router="r"), d, axis="share") == pytest.approx(0.75, abs=1e-14)


def test_apgr_hull_differs_from_routellm_raw_trapezoids():
    d = _two_model_data()
    # a bad router sends the queries W already solves to S first: quality .5, .5, .5, .75, 1 (convex)
    share = np.array([0, 0.25, 0.5, 0.75, 1.0])
    quality = np.array([0.5, 0.5, 0.5, 0.75, 1.0])
    routellm_apgr = float(np.sum(np.diff(share) * ((quality[1:] + quality[:-1]) / 2 - 0.5) / 0.5))
    assert routellm_apgr == pytest.approx(0.25)                   # .25 x (0 + 0 + .25 + .75)
    # the hull mixes its end points (all-W, all-S): the straight line, APGR 1/2, never below the raw curve
    assert M.apgr((1 + 2 * share, quality), d) == pytest.approx(0.5, abs=1e-14)


# ---------------------------------------------------------------------------------------------------------
# collapse diagnostics
# ---------------------------------------------------------------------------------------------------------
def test_tie_rate_by_hand(data):
    # ties at the best score: q0 (all three), q1 (medium, large), q3 (all at 0), q4 (small, large); q2 alone
    assert M.tie_rate(data) == pytest.approx(4 / 5)
    assert M.tie_rate(np.array([[0.9, 0.85], [0.5, 0.1]])) == 0.0
    assert M.tie_rate(np.array([[0.9, 0.85], [0.5, 0.1]]), tol=0.05) == 0.5


def test_selection_entropy_by_hand():
    h = M.selection_entropy(np.array([[0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3], [1.0, 0.0, 0.0]]))
    # ln 2 / ln 3; ln 3 / ln 3; 0
    np.testing.assert_allclose(h, [math.log(2) / math.log(3), 1.0, 0.0], rtol=1e-14, atol=1e-15)
    assert str(h[2]) == "0.0"


def test_collapse_table(data):
    fr = M.oracle_curve(data, lams=[0.0, 2.0])
    ct = M.collapse_table(fr)
    assert ct.columns.tolist() == ["router", "lam", "quality", "cost", "top_model", "top_share", "entropy"]
    # lam 0: shares .6 .2 .2 -> -(.6 ln .6 + 2 x .2 ln .2) / ln 3; lam 2: all small -> 0
    expected = -(0.6 * math.log(0.6) + 2 * 0.2 * math.log(0.2)) / math.log(3)
    np.testing.assert_allclose(ct["entropy"], [expected, 0.0], rtol=1e-14)
    assert ct["top_share"].tolist() == [0.2, 0.0]


def test_excess_cost_by_hand(data):
    # router B: [small, medium, medium, medium, small] -> quality (1+1+0+0+1)/5 = .6, cost (1+2+2+2+1)/5 = 1.6
    fr = rk.evaluate({"B": np.array([0, 1, 1, 1, 0])}, data)
    out = M.excess_cost(fr, data)
    # oracle frontier reaches .6 at cost 1.2: excess .4 USD, ratio 1.6 / 1.2 - 1 = 1/3
    assert out["oracle_cost"].iloc[0] == pytest.approx(1.2)
    assert out["excess_cost"].iloc[0] == pytest.approx(0.4)
    assert out["excess_ratio"].iloc[0] == pytest.approx(1 / 3)
    arr = M.excess_cost(([1.6, 1.8], [0.6, 0.8]), data)
    np.testing.assert_allclose(arr["excess_cost"], [0.4, 0.0], atol=1e-15)


# ---------------------------------------------------------------------------------------------------------
# plateau diagnostics
# ---------------------------------------------------------------------------------------------------------
CHOICES = {"A": np.array([0, 1, 2, 0, 0]),     # the oracle's picks
           "B": np.array([0, 1, 1, 1, 0]),
           "C": np.array([2, 2, 2, 2, 2])}     # always large
# success (score >= .5): A [1,1,1,0,1]  B [1,1,0,0,1]  C [1,1,1,0,1]


def test_agreement_by_hand():
    ag = M.agreement(CHOICES)
    # A-B agree on q0, q1, q4: 3/5; A-C on q2: 1/5; B-C never
    expected = [[1, 0.6, 0.2], [0.6, 1, 0.0], [0.2, 0.0, 1]]
    np.testing.assert_allclose(ag.to_numpy(), expected)
    assert ag.index.tolist() == ["A", "B", "C"]


def test_win_loss_by_hand(data):
    wl = M.win_loss(CHOICES, data)
    # A succeeds and B fails on q2 only: 1/5; C likewise; B never beats anyone; A and C succeed alike
    expected = [[0, 0.2, 0], [0, 0, 0], [0, 0.2, 0]]
    np.testing.assert_allclose(wl.to_numpy(), expected)


def test_solved_by_k_and_hard_queries_by_hand(data):
    sk = M.solved_by_k(CHOICES, data)
    # successes per query: q0 3, q1 3, q2 2 (A, C), q3 0, q4 3 -> k=0: 1, k=1: 0, k=2: 1, k=3: 3
    assert sk["k"].tolist() == [0, 1, 2, 3]
    assert sk["queries"].tolist() == [1, 0, 1, 3]
    np.testing.assert_allclose(sk["share"], [0.2, 0.0, 0.2, 0.6])
    # q3 is failed by all, but the oracle fails it too (nobody scores): not "hard"
    assert M.hard_query_share(CHOICES, data) == 0.0
    # B alone fails q2, which the oracle solves: 1/5
    assert M.hard_query_share({"B": CHOICES["B"]}, data) == pytest.approx(0.2)


def test_plateau_band(data):
    # two one-point routers: A at the oracle point (1.8, .8), B at (1.6, .6); range (1, 4)
    fr = rk.evaluate({"A": CHOICES["A"], "B": CHOICES["B"]}, data)
    band = M.plateau_band(fr, data, at_cost=2.0)
    # A: .8 x (4 - 1.8) / 3 = 1.76/3; B: .6 x (4 - 1.6) / 3 = 1.44/3; oracle 2.28/3; zero router .6
    assert band.aiq.tolist() == pytest.approx([1.76 / 3, 1.44 / 3])
    assert band.width == pytest.approx(0.32 / 3)
    assert band.oracle_aiq == pytest.approx(2.28 / 3) and band.zero_aiq == pytest.approx(0.6)
    assert band.gap == pytest.approx(0.52 / 3)
    assert band.ratio == pytest.approx(0.32 / 0.52)
    # at cost 2: A .8, B .6 (flat beyond their single points), oracle .8
    assert band.quality.tolist() == pytest.approx([0.8, 0.6])
    assert band.quality_width == pytest.approx(0.2) and band.oracle_quality == pytest.approx(0.8)
    assert band.quality_gap == pytest.approx(0.0) and band.quality_ratio == math.inf


# ---------------------------------------------------------------------------------------------------------
# equal and zero costs: a zero-width cost range
# ---------------------------------------------------------------------------------------------------------
#          a  b  c
EQ_SCORES = [[1, 0, 0],      # q0: only a           -> oracle a
             [0, 1, 0.5],    # q1: b best           -> oracle b
             [0, 0, 0],      # q2: nobody           -> oracle a (lower index of equals)
             [1, 1, 0]]      # q3: a and b          -> oracle a
# model means: a .5, b .5, c .125; oracle quality (1 + 1 + 0 + 1) / 4 = .75
EQ_QUERY_COSTS = [1.0, 2.0, 3.0, 2.0]   # each query costs the same whichever model answers: mean 2


class _Perfect:
    """Knows every score and cost: the shared rule on the truth (the oracle as a router)."""

    def predict(self, data):
        return data.scores

    def cost_estimate(self, data):
        return data.costs


@pytest.fixture(params=["equal", "zero"])
def flat(request):
    costs = np.tile(np.array(EQ_QUERY_COSTS)[:, None], (1, 3))
    if request.param == "zero":
        costs = np.zeros_like(costs)
    return rk.RoutingData(np.array(EQ_SCORES, float), costs, ["a", "b", "c"])


def test_cost_range_and_aiq_on_equal_costs(flat):
    c = 0.0 if flat.costs.max() == 0 else 2.0
    assert M.cost_range(flat) == (c, c), "every model has the same mean cost: a zero-width range"
    # AIQ over (c, c) is the hull's quality at c: the oracle's quality, the best single model's for the
    # zero router, the quality of a one-point routing at c, 0 for a routing dearer than c
    assert M.aiq(*M.oracle_frontier(flat), c, c) == pytest.approx(0.75, abs=1e-15), "oracle AIQ = its quality"
    assert M.aiq(*M.zero_router(flat), c, c) == 0.5, "zero router AIQ = best single model's quality"
    assert M.zero_router(flat)[0].tolist() == [c], "the zero router's hull is one point"
    assert M.aiq([c], [0.125], c, c) == 0.125
    assert M.aiq([c, c + 1.0], [0.3, 0.9], c, c) == 0.3, "a dearer point does not count at cost c"
    assert M.aiq([c + 1.0], [0.9], c, c) == 0.0, "a routing dearer than c reaches nothing at c"
    assert M.aiq([c - 1.0], [0.9], c, c) == 0.9, "flat right of the hull's last vertex"
    table = M.aiq_table(rk.evaluate({"c": np.full(4, 2), "oracle": M.oracle_choice(flat).choice}, flat), c, c)
    assert table.tolist() == [0.125, 0.75]


def test_aiq_on_equal_costs_is_the_limit_of_narrowing_ranges():
    hull = ([2.0, 3.0], [0.4, 0.8])
    for c in (2.0, 2.5, 3.0, 5.0, 1.0):
        narrow = [M.aiq(*hull, c, c + eps) for eps in (1e-3, 1e-6, 1e-9)]
        assert M.aiq(*hull, c, c) == pytest.approx(narrow[-1], abs=1e-8), f"AIQ at zero width, c = {c}"
        assert abs(narrow[-1] - M.aiq(*hull, c, c)) <= abs(narrow[0] - M.aiq(*hull, c, c))


def test_routerbench_variant_on_equal_and_zero_costs(flat):
    c = M.cost_range(flat)[1]
    if c > 0:
        # RouterBench integrates from the curve's own first cost to c_max: here over nothing, for every router
        assert M.aiq(*M.oracle_frontier(flat), None, c, "routerbench") == 0.0
        return
    # it divides by c_max; with every model free its limit as c_max -> 0 is the hull's quality at 0
    assert M.aiq(*M.oracle_frontier(flat), None, 0.0, "routerbench") == pytest.approx(0.75, abs=1e-15)
    with pytest.raises(ValueError, match=r"it needs c_max > 0, or c_max = 0 with no point of the curve below "
                                         r"cost 0; got c_max=0, cheapest point -1"):
        M.aiq([-1.0], [0.5], None, 0.0, "routerbench")
    with pytest.raises(ValueError, match="got c_max=-1"):
        M.aiq([0.0], [0.5], None, -1.0, "routerbench")


def test_reading_the_curves_on_equal_costs(flat):
    c = M.cost_range(flat)[0]
    fc, fq = M.oracle_frontier(flat)
    assert fc.tolist() == [c] and fq.tolist() == pytest.approx([0.75]), "no budget changes the oracle's choice"
    assert M.quality_at_cost(fc, fq, c) == pytest.approx(0.75)
    assert math.isnan(M.quality_at_cost(fc, fq, c - 1.0)), "nothing routes for less than every query's cost"
    assert M.cost_at_quality(fc, fq, 0.5) == c and math.isnan(M.cost_at_quality(fc, fq, 0.8))
    zero = M.zero_router(flat)
    assert M.savings((fc, fq), zero, 0.5) == 0.0, "same cost (or both free): nothing saved"
    assert M.oracle_curve(flat)["lam"].tolist() == [0.0], "lam_grid: no budget changes a decision"
    out = M.excess_cost(rk.evaluate({"c": np.full(4, 2), "b": np.full(4, 1)}, flat), flat)
    assert out["excess_cost"].tolist() == [0.0, 0.0]
    assert out["excess_ratio"].tolist() == [0.0, 0.0], "no excess, also where both costs are 0"


def test_savings_and_excess_ratio_against_a_free_curve():
    assert M.savings(([0.0], [0.5]), ([0.0], [0.5]), 0.5) == 0.0
    assert math.isnan(M.savings(([1.0], [0.5]), ([0.0], [0.5]), 0.5)), "no finite ratio to a free curve"
    assert M.savings(([1.0], [0.5]), ([2.0], [0.5]), 0.5) == 0.5
    free = rk.RoutingData(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]), ["free", "paid"])
    out = M.excess_cost(([0.0, 1.0], [1.0, 0.0]), free)
    assert out["excess_ratio"].iloc[0] == 0.0 and math.isnan(out["excess_ratio"].iloc[1])


def test_evaluate_and_a_fitted_router_on_equal_costs(flat):
    c = M.cost_range(flat)[0]
    curve = rk.evaluate(_Perfect(), flat)
    assert curve["lam"].tolist() == [0.0], "lam_grid is [0] when no budget changes a decision"
    assert M.aiq(curve, None, c, c) == pytest.approx(0.75, abs=1e-15)
    # any budget: every model costs the same on a query, so the choices never change
    swept = rk.evaluate(_Perfect(), flat, lams=[0.0, 1.0, 1e6])
    assert swept["quality"].tolist() == pytest.approx([0.75] * 3)
    router = rk.routers.make("task_best").fit(flat)
    assert M.aiq(rk.evaluate(router, flat), None, c, c) == 0.5, "the per-task best of one task: model a"
    band = M.plateau_band(rk.evaluate({"a": np.zeros(4, int), "c": np.full(4, 2)}, flat), flat, at_cost=c)
    assert band.aiq.tolist() == [0.5, 0.125]
    assert (band.width, band.oracle_aiq, band.zero_aiq) == pytest.approx((0.375, 0.75, 0.5))
    assert band.gap == pytest.approx(0.25) and band.ratio == pytest.approx(1.5)
    assert band.quality.tolist() == [0.5, 0.125] and band.oracle_quality == pytest.approx(0.75)


def test_pgr_on_equal_costs_names_the_problem(flat):
    with pytest.raises(ValueError, match="PGR's weak and strong models are both 'a': the cheapest model is "
                                         "also the best"):
        M.pgr(0.6, flat)
    assert M.pgr(0.75, flat, weak="c") == pytest.approx((0.75 - 0.125) / (0.5 - 0.125))
    with pytest.raises(ValueError, match="axis='cost' needs the strong model to cost more"):
        M.apgr(M.oracle_frontier(flat), flat, weak="c")


@pytest.mark.parametrize("seed", range(6))
def test_rounding_of_equal_costs_is_not_a_cost_difference(seed):
    # the same per-query costs summed in different orders (cost_range's column means, evaluate's pairwise
    # row means, oracle_frontier's fsum) differ in the last bits: on these seeds by up to ~1e-19 either way
    rng = np.random.default_rng(seed)
    n = 1000
    costs = np.tile(rng.uniform(1e-6, 1e-4, n)[:, None], (1, 3))
    d = rk.RoutingData((rng.random((n, 3)) < 0.5).astype(float), costs, ["a", "b", "c"])
    c_min, c_max = M.cost_range(d)
    fr = rk.evaluate({"b": np.full(n, 1), "oracle": M.oracle_choice(d).choice}, d)
    quality = fr["quality"].to_numpy()
    assert M.aiq_table(fr, c_min, c_max).tolist() == quality.tolist(), "AIQ = quality, whatever the rounding"
    assert M.quality_at_cost(fr[fr.router == "b"], None, c_min) == quality[0]
    out = M.excess_cost(fr, d)
    assert out["excess_cost"].tolist() == [0.0, 0.0], "rounding is no excess (and never a negative one)"


def test_aiq_counts_a_start_above_c_min_by_rounding_only():
    # the cheapest point at 1 + 2.2e-16 (one ulp): the same spend as c_min = 1, so the full range counts
    assert M.aiq([1.0000000000000002], [0.5], 1.0, 2.0) == 0.5
    assert M.aiq([1.001], [0.5], 1.0, 2.0) == pytest.approx(0.5 * 0.999), "a real gap still counts 0"


def test_single_model_aiq_reflects_its_place_in_the_range(data):
    # AIQ of one point is q (c_max - c_0) / (c_max - c_min): the cheapest model's quality, 0 for the dearest
    points = M.single_model_points(data)
    aiqs = [M.aiq([row.cost], [row.quality], 1.0, 4.0) for row in points.itertuples()]
    assert aiqs == pytest.approx([0.4, 0.4 * 2 / 3, 0.0])


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 40), st.integers(2, 6), st.booleans())
def test_equal_cost_aiq_is_each_curves_best_quality(seed, n, m, free):
    rng = np.random.default_rng(seed)
    per_query = np.zeros(n) if free else rng.uniform(1e-6, 1e-2, n)
    d = rk.RoutingData(rng.random((n, m)), np.tile(per_query[:, None], (1, m)), [f"m{j}" for j in range(m)])
    c_min, c_max = M.cost_range(d)
    assert c_min == c_max
    assert M.aiq(*M.oracle_frontier(d), c_min, c_max) == pytest.approx(d.scores.max(axis=1).mean(), abs=1e-12)
    assert M.aiq(*M.zero_router(d), c_min, c_max) == d.scores.mean(axis=0).max()
    rows = np.arange(n)
    sweep = rng.integers(0, m, (5, n))
    curve = (d.costs[rows, sweep].mean(axis=1), d.scores[rows, sweep].mean(axis=1))
    assert M.aiq(curve, None, c_min, c_max) == curve[1].max()
    assert (M.excess_cost(curve, d)["excess_cost"] == 0).all()


# ---------------------------------------------------------------------------------------------------------
# bootstrap
# ---------------------------------------------------------------------------------------------------------
def test_bootstrap_vectorised_equals_the_function_form(data):
    values = M.oracle_choice(data).score
    fast = M.bootstrap(values, data, n=200, seed=3)
    slow = M.bootstrap(lambda d: M.oracle_choice(d).score.mean(), data, n=200, seed=3)
    assert fast == pytest.approx(slow, abs=1e-15)
    assert fast.estimate == pytest.approx(0.8)
    assert fast.low <= fast.estimate <= fast.high
    assert M.bootstrap(values, n=200, seed=3) == fast                    # same seed, same interval


def test_bootstrap_interval_covers_and_shrinks():
    rng = np.random.default_rng(0)
    small = M.bootstrap(rng.random(100), n=500, seed=0)
    large = M.bootstrap(rng.random(10_000), n=500, seed=0)
    assert small.low < 0.5 < small.high or abs(small.estimate - 0.5) > 0.05
    assert (large.high - large.low) < (small.high - small.low) / 5      # ~ 1/sqrt(n): 10x narrower
    assert M.bootstrap(np.full(50, 0.3), n=100) == pytest.approx((0.3, 0.3, 0.3))


def test_bootstrap_nan_metric_warns(data):
    with pytest.warns(RuntimeWarning, match="gave NaN"):
        out = M.bootstrap(lambda d: M.cost_at_quality(*M.oracle_frontier(d), 0.95), data, n=20, seed=0)
    assert math.isnan(out.low) and math.isnan(out.high)


# ---------------------------------------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------------------------------------
points = st.lists(st.tuples(st.floats(0, 1e-2), st.floats(0, 1)), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(points)
def test_hull_is_nondecreasing_concave_and_above_every_point(pts):
    c, q = np.array(pts).T
    hc, hq = M.ndch(c, q)
    assert hc[0] == c.min()
    assert np.all(np.diff(hc) > 0) and np.all(np.diff(hq) > 0)
    if hc.size >= 3:
        with np.errstate(over="ignore"):  # subnormal cost steps: an infinite slope can only come first
            slopes = np.diff(hq) / np.diff(hc)
        assert np.all(np.diff(slopes) <= 1e-9 * np.abs(slopes[:-1]) + 1e-12)
    height = M.quality_at_cost(hc, hq, c)
    assert np.all(height >= q - 1e-12)


def _random_data(seed, n, m, binary):
    rng = np.random.default_rng(seed)
    scores = (rng.random((n, m)) < 0.6).astype(float) if binary else rng.random((n, m))
    costs = rng.uniform(1e-5, 1e-2, (n, m))
    return rk.RoutingData(scores, costs, [f"m{j}" for j in range(m)]), rng


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 30), st.integers(2, 6), st.booleans())
def test_oracle_dominates_every_router(seed, n, m, binary):
    data, rng = _random_data(seed, n, m, binary)
    fc, fq = M.oracle_frontier(data)
    choice = M.oracle_choice(data)
    for _ in range(5):
        ch = rng.integers(0, m, n)
        rows = np.arange(n)
        q, c = data.scores[rows, ch].mean(), data.costs[rows, ch].mean()
        assert q <= choice.score.mean() + 1e-12                        # the oracle point's quality is the max
        assert c >= fc[0] - 1e-15                                      # nobody is cheaper than all-cheapest
        assert M.quality_at_cost(fc, fq, c) >= q - 1e-12               # on or below the oracle frontier
        for lam in (0.0, 10.0, 1e3):                                   # the budgeted oracle wins its objective
            o = M.oracle_curve(data, lams=[lam]).iloc[0]
            assert o["quality"] - lam * o["cost"] >= q - lam * c - 1e-12


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 30), st.integers(2, 5))
def test_oracle_aiq_is_at_least_any_routers(seed, n, m):
    data, rng = _random_data(seed, n, m, binary=seed % 2 == 0)
    c_min, c_max = M.cost_range(data)
    oracle = M.aiq(*M.oracle_frontier(data), c_min, c_max)
    rows = np.arange(n)
    for _ in range(3):
        sweep = rng.integers(0, m, (8, n))                             # a "router": 8 arbitrary routings
        curve = (data.costs[rows, sweep].mean(axis=1), data.scores[rows, sweep].mean(axis=1))
        assert oracle >= M.aiq(curve, None, c_min, c_max) - 1e-12


def _load_bench():
    path = Path(__file__).resolve().parents[1] / "bench" / "bench_metrics.py"
    spec = importlib.util.spec_from_file_location("bench_metrics", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ndch_matches_routerbench_reference_procedure():
    bench = _load_bench()
    assert bench.check_against_reference(np.random.default_rng(7), trials=60, max_points=25) == 60


# ---------------------------------------------------------------------------------------------------------
# bad input: clear errors
# ---------------------------------------------------------------------------------------------------------
def test_bad_curves():
    with pytest.raises(ValueError, match="ndch is empty"):
        M.ndch([], [])
    with pytest.raises(ValueError, match=r"quality has 1 NaN or infinite values, first at point 1"):
        M.ndch([1, 2], [0.1, np.nan])
    with pytest.raises(ValueError, match="cost has 3 points but quality has 2"):
        M.aiq([1, 2, 3], [0.1, 0.2], 0, 1)
    with pytest.raises(ValueError, match="give cost and quality arrays"):
        M.ndch([1.0, 2.0])
    frame = pd.DataFrame({"router": ["a", "b"], "cost": [1, 2], "quality": [0.1, 0.2]})
    with pytest.raises(ValueError, match=r"the frame holds 2 routers \['a', 'b'\]"):
        M.aiq(frame, None, 0, 3)
    with pytest.raises(ValueError, match="no \\['quality'\\] column"):
        M.ndch(pd.DataFrame({"cost": [1.0]}))


def test_bad_ranges_and_arguments(data):
    with pytest.raises(ValueError, match=r"c_min must be <= c_max, got c_min=3 > c_max=2"):
        M.aiq([1], [0.5], 3, 2)
    with pytest.raises(ValueError, match="give the common cost range"):
        M.aiq([1], [0.5])
    with pytest.raises(ValueError, match="must be finite"):
        M.aiq([1], [0.5], 0, np.inf)
    with pytest.raises(ValueError, match="variant must be 'normalized' or 'routerbench'"):
        M.aiq([1], [0.5], 0, 2, variant="rb")
    with pytest.raises(ValueError, match="no_success_cost must be 'cheapest'"):
        M.oracle_choice(data, no_success_cost="free")
    with pytest.raises(ValueError, match="lams has 1 NaN"):
        M.oracle_curve(data, lams=[0.0, np.nan])
    with pytest.raises(ValueError, match="lams must be non-negative"):
        M.oracle_curve(data, lams=[-1.0])
    with pytest.raises(KeyError, match="unknown model 'huge'"):
        M.pgr(0.5, data, strong="huge")
    with pytest.raises(ValueError, match="strong model to score higher than the weak one"):
        M.pgr(0.5, data, weak="large", strong="small")
    with pytest.raises(ValueError, match="axis must be 'cost' or 'share'"):
        M.apgr(FRONTIER, data, axis="calls")
    with pytest.raises(ValueError, match="q must be finite"):
        M.cost_at_quality(*FRONTIER, np.nan)
    with pytest.raises(ValueError, match="shares must sum to 1 on each row; row 0 sums to 0.9"):
        M.selection_entropy([[0.5, 0.4]])
    with pytest.raises(ValueError, match="ci must be in"):
        M.bootstrap(np.ones(3), ci=1.5)
    with pytest.raises(ValueError, match="per-query values but the data has 5 queries"):
        M.bootstrap(np.ones(3), data)


def test_bad_choice_dicts(data):
    with pytest.raises(ValueError, match="non-empty dict"):
        M.agreement({})
    with pytest.raises(ValueError, match=r"choices have different lengths \[2, 3\]"):
        M.agreement({"a": np.array([0, 1]), "b": np.array([0, 1, 2])})
    with pytest.raises(ValueError, match="choices of 'a' have 2 entries but the data has 5 queries"):
        M.win_loss({"a": np.array([0, 1])}, data)
    with pytest.raises(ValueError, match="choices of 'a' must be integer model indices"):
        M.solved_by_k({"a": np.zeros(5)}, data)
    with pytest.raises(ValueError, match=r"choices of 'a' must be model indices in \[0, 2\]"):
        M.hard_query_share({"a": np.full(5, 3)}, data)


# ---------------------------------------------------------------------------------------------------------
# the real RouterBench subset (skipped where ../shared is absent)
# ---------------------------------------------------------------------------------------------------------
SUBSET = Path(__file__).resolve().parents[2] / "shared" / "data" / "routerbench_subset" / \
    "routerbench_subset_wide.parquet"


@pytest.mark.skipif(not SUBSET.is_file(), reason="RouterBench subset not present (../shared/data is absent)")
def test_routerbench_subset_reference_numbers():
    frame = pd.read_parquet(SUBSET)
    models = [c.split("|")[0] for c in frame.columns if c.endswith("|total_cost")]
    frame = frame.dropna(subset=models)
    test = frame[frame["split"] == "test"]
    data = rk.RoutingData(test[models].to_numpy(float), test[[m + "|total_cost" for m in models]].to_numpy(float),
                          models)
    c_min, c_max = M.cost_range(data)
    # DESIGN.md's reference run: oracle AIQ 0.975, zero router 0.823, ties on 98% of test queries,
    # the oracle sends 1% of queries to GPT-4
    assert M.aiq(*M.oracle_frontier(data), c_min, c_max) == pytest.approx(0.975, abs=0.001)
    assert M.aiq(*M.zero_router(data), c_min, c_max) == pytest.approx(0.823, abs=0.001)
    assert M.tie_rate(data) == pytest.approx(0.98, abs=0.005)
    top = M.oracle_curve(data, lams=[0.0])
    assert top["top_model"].iloc[0] == "gpt-4-1106-preview"
    assert top["top_share"].iloc[0] == pytest.approx(0.01, abs=0.002)


ROUTERDC = Path(__file__).resolve().parents[2] / "shared" / "data" / "routerdc" / "routerdc_long.parquet"


@pytest.mark.skipif(not ROUTERDC.is_file(), reason="RouterDC set not present (../shared/data is absent)")
def test_routerdc_equal_prices_give_defined_metrics():
    data = rk.load_dataset(str(ROUTERDC))
    train, test = rk.train_test_split(data, test_size=0.3, seed=0)
    c_min, c_max = M.cost_range(test)
    assert c_min == c_max, "RouterDC prices every model alike"
    curve = rk.evaluate(rk.routers.make("task_best").fit(train), test)
    assert M.aiq(curve, None, c_min, c_max) == curve["quality"].max()
    oracle = M.aiq(*M.oracle_frontier(test), c_min, c_max)
    zero = M.aiq(*M.zero_router(test), c_min, c_max)
    assert oracle == pytest.approx(M.oracle_choice(test).score.mean())
    assert zero == test.scores.mean(axis=0).max()
    assert zero < M.aiq(curve, None, c_min, c_max) < oracle, "task_best between the zero router and the oracle"
    assert M.excess_cost(curve, test)["excess_cost"].tolist() == [0.0]


# -- curve_interval: bootstrap of a whole router curve, choices fixed --------------------------------------
@pytest.fixture(scope="module")
def two_curves():
    from routerkit.evaluate import choice_matrix

    train, test = rk.train_test_split(rk.simulate(2000, seed=5), test_size=0.3, seed=0)
    linear, trend = rk.routers.make("linear").fit(train), rk.routers.make("task_best").fit(train)
    return test, linear, choice_matrix(linear, test), choice_matrix(trend, test)


def test_curve_interval_estimate_is_the_routers_aiq(two_curves):
    test, linear, A, _ = two_curves
    lo, hi = rk.metrics.cost_range(test)
    frame = rk.evaluate(linear, test)
    assert A.shape == (len(frame), len(test))
    ci = rk.metrics.curve_interval(A, test, n=200)
    assert ci.estimate == pytest.approx(rk.metrics.aiq(frame, None, lo, hi), abs=1e-12)
    assert ci.low < ci.estimate < ci.high and ci.high - ci.low < 0.1
    assert rk.metrics.curve_interval(A, test, n=200) == ci, "same seed, same interval"


def test_one_resample_equals_the_aiq_of_the_resampled_queries(two_curves):
    test, _, A, _ = two_curves
    idx = np.random.default_rng(3).integers(0, len(test), size=len(test))
    rows = np.arange(len(test))
    q, c = test.scores[rows, A][:, idx].mean(axis=1), test.costs[rows, A][:, idx].mean(axis=1)
    lo, hi = rk.metrics.cost_range(test[idx])             # by default each resample's own range
    one = rk.metrics.curve_interval(A, test, n=1, seed=3)
    assert one.low == pytest.approx(rk.metrics.aiq(c, q, lo, hi), abs=1e-12) == pytest.approx(one.high)
    full_lo, full_hi = rk.metrics.cost_range(test)
    fixed = rk.metrics.curve_interval(A, test, n=1, seed=3, c_min=full_lo, c_max=full_hi)
    assert fixed.low == pytest.approx(rk.metrics.aiq(c, q, full_lo, full_hi), abs=1e-12)
    with pytest.raises(ValueError, match="both"):
        rk.metrics.curve_interval(A, test, c_min=full_lo)


def test_curve_interval_with_equal_prices():
    rng = np.random.default_rng(0)
    n, m = 400, 3
    per_query = rng.uniform(1e-4, 1e-3, size=(n, 1))            # every model costs the same on a query
    data = rk.RoutingData(scores=(rng.random((n, m)) < [0.4, 0.6, 0.5]).astype(float),
                          costs=np.repeat(per_query, m, axis=1), models=["a", "b", "c"])
    choices = np.stack([np.full(n, 1), rng.integers(0, m, n)])
    ci = rk.metrics.curve_interval(choices, data, n=300)
    assert ci.estimate == pytest.approx(data.scores[:, 1].mean())    # zero-width range: quality at that cost
    assert 0.5 < ci.low < ci.estimate < ci.high < 0.7, ci


def test_paired_difference(two_curves):
    test, _, A, B = two_curves
    same = rk.metrics.curve_interval(A, test, baseline=A, n=50)
    assert same == (0.0, 0.0, 0.0)
    diff = rk.metrics.curve_interval(A, test, baseline=B, n=300)
    lo, hi = rk.metrics.cost_range(test)
    aiq = lambda M: rk.metrics.curve_interval(M, test, n=1).estimate
    assert diff.estimate == pytest.approx(aiq(A) - aiq(B), abs=1e-12)
    separate = rk.metrics.curve_interval(A, test, n=300)
    assert diff.high - diff.low < separate.high - separate.low, "pairing removes the shared query noise"


def test_cost_at_quality_interval(two_curves):
    test, linear, A, _ = two_curves
    frame = rk.evaluate(linear, test)
    q = float(frame["quality"].quantile(0.3))
    ci = rk.metrics.curve_interval(A, test, "cost_at_quality", q=q, n=200)
    assert ci.estimate == pytest.approx(rk.metrics.cost_at_quality(frame, q=q), rel=1e-9)
    assert ci.low <= ci.estimate <= ci.high
    with pytest.warns(RuntimeWarning, match="never reached"):
        assert np.isnan(rk.metrics.curve_interval(A, test, "cost_at_quality", q=1.01, n=20).low)


@pytest.mark.parametrize("bad, match", [(dict(stat="auc"), "stat"), (dict(n=0), "resamples"),
                                        (dict(ci=1.0), "ci"), (dict(stat="cost_at_quality"), "needs q"),
                                        (dict(stat="cost_at_quality", q="best"), "best_single")])
def test_curve_interval_refuses_bad_arguments(two_curves, bad, match):
    test, _, A, _ = two_curves
    with pytest.raises(ValueError, match=match):
        rk.metrics.curve_interval(A, test, **bad)


def test_curve_interval_checks_the_choice_matrix(two_curves):
    test, _, A, _ = two_curves
    with pytest.raises(ValueError, match="choice matrix"):
        rk.metrics.curve_interval(A[:, :-1], test)
    with pytest.raises(ValueError, match="model indices"):
        rk.metrics.curve_interval(A + test.n_models, test)


@pytest.mark.parametrize("seed", range(5))
def test_best_single_target_is_reached_by_the_best_single_model(seed):
    # graded scores: the best model's quality summed two ways differs in the last bit on many resamples
    rng = np.random.default_rng(seed)
    n = 311
    data = rk.RoutingData(scores=np.round(rng.random((n, 2)) * [1.0, 0.6], 3),
                          costs=np.tile([1e-3, 2e-4], (n, 1)), models=["a", "b"])
    ci = rk.metrics.curve_interval(np.zeros((1, n), dtype=int), data, "cost_at_quality", q="best_single", n=200)
    assert np.isfinite([ci.low, ci.high]).all(), "routing everything to the best model reaches its quality"
    assert ci.low == ci.high == pytest.approx(1e-3)


# -- plateau_intervals: joint bootstrap of every router, the zero router, the oracle and the band ------------
@pytest.fixture(scope="module")
def zoo_split():
    train, test = rk.train_test_split(rk.simulate(2000, seed=5), test_size=0.3, seed=0)
    routers = {name: rk.routers.make(name).fit(train) for name in ["task_best", "linear", "knn"]}
    return test, routers


def test_plateau_intervals_estimates_are_the_aiq_table_and_band(zoo_split):
    test, routers = zoo_split
    frame = rk.evaluate(routers, test)
    pi = rk.metrics.plateau_intervals(routers, test, n=100)
    table = rk.metrics.aiq_table(frame, *rk.metrics.cost_range(test))
    band = rk.metrics.plateau_band(frame, test)
    np.testing.assert_allclose(pi.aiq.loc[list(routers), "aiq"], table[list(routers)], atol=1e-12)
    np.testing.assert_allclose(pi.aiq.loc[["zero router", "oracle"], "aiq"], [band.zero_aiq, band.oracle_aiq],
                               atol=1e-12)
    np.testing.assert_allclose(pi.band.loc[["width", "gap", "ratio"], "estimate"], [band.width, band.gap, band.ratio],
                               atol=1e-12)
    assert pi.band.loc["gain", "estimate"] == pytest.approx(band.hi - band.zero_aiq, abs=1e-12)
    assert (pi.aiq["low"] <= pi.aiq["aiq"]).all() and (pi.aiq["aiq"] <= pi.aiq["high"]).all()
    best = table.idxmax()
    assert pi.aiq.loc[best, ["vs_best", "vs_best_low", "vs_best_high"]].tolist() == [0.0, 0.0, 0.0]
    assert pi.aiq.loc["zero router", ["vs_zero", "vs_zero_low", "vs_zero_high"]].tolist() == [0.0, 0.0, 0.0]
    np.testing.assert_allclose(pi.aiq["vs_zero"], pi.aiq["aiq"] - band.zero_aiq, atol=1e-12)


def test_plateau_intervals_one_resample_by_hand(zoo_split):
    test, routers = zoo_split
    from routerkit.evaluate import choice_matrix

    choices = {name: choice_matrix(r, test) for name, r in routers.items()}
    one = rk.metrics.plateau_intervals(choices, test, n=1, seed=7)
    idx = np.random.default_rng(7).integers(0, len(test), size=len(test))
    sample = test[idx]
    lo, hi = rk.metrics.cost_range(sample)
    rows = np.arange(len(sample))
    for name, ch in choices.items():
        picked = ch[:, idx]
        by_hand = rk.metrics.aiq(sample.costs[rows, picked].mean(axis=1), sample.scores[rows, picked].mean(axis=1),
                                 lo, hi)
        assert one.aiq.loc[name, "low"] == pytest.approx(by_hand, abs=1e-12) == one.aiq.loc[name, "high"]
    assert one.aiq.loc["oracle", "low"] == pytest.approx(rk.metrics.aiq(*rk.metrics.oracle_frontier(sample), lo, hi),
                                                         abs=1e-12)
    assert one.aiq.loc["zero router", "low"] == pytest.approx(rk.metrics.aiq(*rk.metrics.zero_router(sample), lo, hi),
                                                              abs=1e-12)
    assert rk.metrics.plateau_intervals(choices, test, n=30, seed=1).aiq.equals(
        rk.metrics.plateau_intervals(routers, test, n=30, seed=1).aiq), "routers and their choice matrices agree"


def test_plateau_intervals_pairs_the_routers(zoo_split):
    test, routers = zoo_split
    twin = {"a": routers["linear"], "b": routers["linear"], "c": routers["knn"]}
    pi = rk.metrics.plateau_intervals(twin, test, learned=["a", "b"], n=200)
    assert pi.aiq.loc["b", ["vs_best", "vs_best_low", "vs_best_high"]].tolist() == [0.0, 0.0, 0.0]
    assert pi.band.loc["width"].tolist() == [0.0, 0.0, 0.0], "the band of two copies of one router has no width"
    diff = pi.aiq.loc["c", "vs_best_high"] - pi.aiq.loc["c", "vs_best_low"]
    alone = pi.aiq.loc["c", "high"] - pi.aiq.loc["c", "low"]
    assert diff < alone, "a paired difference is narrower than the router's own interval"


def test_plateau_intervals_with_equal_prices():
    rng = np.random.default_rng(0)
    n, m = 400, 3
    data = rk.RoutingData(scores=(rng.random((n, m)) < [0.4, 0.6, 0.5]).astype(float),
                          costs=np.full((n, m), 2e-4), models=["a", "b", "c"])
    pi = rk.metrics.plateau_intervals({"b": np.full(n, 1), "mix": rng.integers(0, m, n)}, data, n=200)
    assert pi.aiq.loc["b", "aiq"] == pytest.approx(data.scores[:, 1].mean())
    assert pi.aiq.loc["oracle", "aiq"] == pytest.approx(data.scores.max(axis=1).mean())
    assert np.isfinite(pi.aiq[["low", "high"]].to_numpy()).all()


@pytest.mark.parametrize("bad, match", [(dict(n=0), "resamples"), (dict(ci=1.5), "ci"),
                                        (dict(learned=["nope"]), "learned"), (dict(learned=[]), "learned")])
def test_plateau_intervals_refuses_bad_arguments(zoo_split, bad, match):
    test, routers = zoo_split
    with pytest.raises(ValueError, match=match):
        rk.metrics.plateau_intervals(routers, test, **bad)


def test_plateau_intervals_checks_its_choices(zoo_split):
    test, _ = zoo_split
    with pytest.raises(ValueError, match="non-empty"):
        rk.metrics.plateau_intervals({}, test)
    with pytest.raises(ValueError, match="choice matrix"):
        rk.metrics.plateau_intervals({"a": np.zeros((2, 5), dtype=int)}, test)
    with pytest.raises(ValueError, match="model indices"):
        rk.metrics.plateau_intervals({"a": np.full(len(test), test.n_models)}, test)
    with pytest.raises(TypeError, match="RoutingData"):
        rk.metrics.plateau_intervals({"a": np.zeros(3, dtype=int)}, np.zeros((3, 2)))
