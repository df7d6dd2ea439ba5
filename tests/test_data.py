"""RoutingData: validation messages, selection, and the three ways to split."""
import re

import numpy as np
import pytest

import routerkit as rk

MODELS = ["small", "medium", "gpt-4-1106-preview"]


def make(n=12, m=3, **extra):
    rng = np.random.default_rng(0)
    kwargs = dict(scores=rng.integers(0, 2, (n, m)).astype(float), costs=rng.uniform(0, 1e-3, (n, m)),
                  models=MODELS[:m] if m <= 3 else [f"m{j}" for j in range(m)])
    kwargs.update(extra)
    return rk.RoutingData(**kwargs)


def tasked(n=60, seed=0):
    tasks = np.array(["arc"] * (n // 2) + ["mbpp"] * (n // 3) + ["wino"] * (n - n // 2 - n // 3))
    return make(n, tasks=tasks, ids=np.arange(100, 100 + n), features=np.arange(2 * n).reshape(n, 2))


# -- construction errors: each names the problem and where it is ---------------------------------------
def test_negative_costs_named_with_query_and_model():
    costs = np.full((20, 3), 1e-4)
    costs[17, 2] = -1.0
    costs[18, 2] = -2.0
    costs[19, 0] = -0.5
    with pytest.raises(ValueError, match=r"costs has 3 negative entries, first at query 17, model 'gpt-4-1106-preview'"):
        make(20, costs=costs)


def test_nan_scores_located():
    scores = np.zeros((5, 3))
    scores[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"scores has 1 NaN .*first at query 3, model 'medium'"):
        make(5, scores=scores)


def test_infinite_costs_located():
    costs = np.zeros((5, 3))
    costs[2, 0] = np.inf
    with pytest.raises(ValueError, match=r"costs has 1 infinite .*first at query 2, model 'small'"):
        make(5, costs=costs)


def test_scores_outside_unit_interval():
    scores = np.zeros((5, 3))
    scores[4, 2] = 1.5
    with pytest.raises(ValueError, match=r"scores has 1 entries outside \[0, 1\], first at query 4, model "
                                         r"'gpt-4-1106-preview' \(value 1.5\)"):
        make(5, scores=scores)


def test_truth_outside_unit_interval():
    with pytest.raises(ValueError, match=r"truth has 15 entries outside \[0, 1\]"):
        make(5, truth=np.full((5, 3), -0.1))


def test_shape_mismatch_between_scores_and_costs():
    with pytest.raises(ValueError, match=r"costs has shape \(4, 3\) but scores has shape \(5, 3\)"):
        make(5, costs=np.zeros((4, 3)))


def test_columns_must_match_models():
    with pytest.raises(ValueError, match=r"scores has 3 columns but there are 2 models"):
        make(5, models=["a", "b"])


def test_one_dimensional_scores_rejected():
    with pytest.raises(ValueError, match=r"scores must be a 2-D array"):
        rk.RoutingData(np.zeros(3), np.zeros(3), ["a", "b", "c"])


def test_duplicate_model_names():
    with pytest.raises(ValueError, match=r"duplicate model name 'a' at columns 0 and 2"):
        make(5, models=["a", "b", "a"])


def test_empty_model_name():
    with pytest.raises(ValueError, match=r"model name at column 1 is empty"):
        make(5, models=["a", " ", "c"])


def test_zero_queries():
    with pytest.raises(ValueError, match=r"scores has zero queries"):
        make(0)


def test_fewer_than_two_models():
    with pytest.raises(ValueError, match=r"routing needs at least 2 models, got 1"):
        make(5, m=1, models=["only"])


def test_features_with_wrong_number_of_rows():
    with pytest.raises(ValueError, match=r"features has 4 rows but there are 5 queries"):
        make(5, features=np.zeros((4, 8)))


def test_tasks_with_wrong_length_and_missing_labels():
    with pytest.raises(ValueError, match=r"tasks has 4 entries but there are 5 queries"):
        make(5, tasks=np.array(["a"] * 4))
    with pytest.raises(ValueError, match=r"tasks has 1 missing labels, first at query 2"):
        make(5, tasks=np.array(["a", "a", None, "b", "b"], dtype=object))


def test_non_numeric_scores():
    with pytest.raises(ValueError, match=r"scores must be numeric"):
        make(2, scores=[["x", 1, 0], [0, 1, 0]])


def test_arrays_are_read_only():
    data = make()
    with pytest.raises(ValueError):
        data.scores[0, 0] = 0.5


# -- selection ------------------------------------------------------------------------------------------
def test_len_repr_and_selection_by_index_mask_and_slice():
    data = tasked()
    assert len(data) == 60 and data.n_models == 3
    assert "60 queries x 3 models" in repr(data)
    sub = data[[3, 1]]
    np.testing.assert_array_equal(sub.ids, [103, 101])
    np.testing.assert_array_equal(sub.scores, data.scores[[3, 1]])
    np.testing.assert_array_equal(sub.features, data.features[[3, 1]])
    assert len(data[data.tasks == "mbpp"]) == 20
    assert len(data[5:10]) == 5
    assert len(data[7]) == 1
    with pytest.raises(IndexError, match="out of range"):
        data[[60]]
    with pytest.raises(IndexError, match="boolean mask has shape"):
        data[np.ones(3, dtype=bool)]


def test_select_models_keeps_order_and_rejects_unknown():
    data = tasked()
    two = data.select_models(["gpt-4-1106-preview", "small"])
    assert two.models == ["gpt-4-1106-preview", "small"]
    np.testing.assert_array_equal(two.costs, data.costs[:, [2, 0]])
    with pytest.raises(KeyError, match=r"unknown model\(s\) \['nope'\]"):
        data.select_models(["nope", "small"])


# -- splits ---------------------------------------------------------------------------------------------
def test_train_test_split_disjoint_covering_stratified_seeded():
    data = tasked(300)
    train, test = rk.train_test_split(data, test_size=0.3, seed=4)
    assert set(train.ids).isdisjoint(test.ids)
    assert sorted(np.concatenate([train.ids, test.ids])) == sorted(data.ids)
    for task in data.task_names:
        share = (test.tasks == task).sum() / (data.tasks == task).sum()
        assert abs(share - 0.3) < 0.01, (task, share)
    again, _ = rk.train_test_split(data, test_size=0.3, seed=4)
    np.testing.assert_array_equal(train.ids, again.ids)
    other, _ = rk.train_test_split(data, test_size=0.3, seed=5)
    assert not np.array_equal(train.ids, other.ids)


def test_split_by_count_and_without_tasks():
    data = make(50)
    train, test = rk.train_test_split(data, test_size=10, seed=0)
    assert (len(train), len(test)) == (40, 10)
    with pytest.raises(ValueError, match="test_size must be a fraction"):
        rk.train_test_split(data, test_size=1.5)
    with pytest.raises(ValueError, match="leave queries on both sides"):
        rk.train_test_split(data, test_size=50)
    with pytest.raises(ValueError, match="a seed is required"):
        rk.train_test_split(data, seed=None)


def test_leave_task_out():
    data = tasked()
    train, test = rk.leave_task_out(data, "mbpp")
    assert set(test.tasks) == {"mbpp"} and "mbpp" not in set(train.tasks)
    assert len(train) + len(test) == len(data)
    with pytest.raises(KeyError, match="unknown task 'gsm8k'"):
        rk.leave_task_out(data, "gsm8k")
    with pytest.raises(ValueError, match="needs task labels"):
        rk.leave_task_out(make(), "arc")


def test_subsample_is_seeded_and_without_replacement():
    data = tasked(200)
    a = rk.subsample(data, 50, seed=1)
    assert len(a) == 50 and len(set(a.ids)) == 50
    np.testing.assert_array_equal(a.ids, rk.subsample(data, 50, seed=1).ids)
    assert not np.array_equal(a.ids, rk.subsample(data, 50, seed=2).ids)
    with pytest.raises(ValueError, match="n must be between 1 and 200"):
        rk.subsample(data, 201)


def test_info_follows_selection_and_feeds_predefined_split():
    import pandas as pd
    data = make(6, info=pd.DataFrame({"split": ["train", "test"] * 3, "src": list("abcdef")}))
    sub = data[[5, 0]]
    assert list(sub.info["src"]) == ["f", "a"]
    train, test = rk.predefined_split(data)
    assert list(test.info["src"]) == ["b", "d", "f"] and len(train) == 3
    with pytest.raises(KeyError, match=r"no per-query column 'fold' in data.info"):
        rk.predefined_split(data, column="fold")
    with pytest.raises(ValueError, match=r"info has 2 rows but there are 6 queries"):
        make(6, info=pd.DataFrame({"x": [1, 2]}))


# -- values that would pass silently or fail obscurely -------------------------------------------------
def test_scores_within_round_off_are_clipped():
    scores = np.zeros((4, 3))
    scores[0, 0], scores[1, 2] = 1 + 1e-12, -1e-12
    data = make(4, scores=scores, truth=scores)
    assert data.scores[0, 0] == 1.0 and data.scores[1, 2] == 0.0 and data.truth[0, 0] == 1.0
    scores[0, 0] = 1 + 1e-8
    with pytest.raises(ValueError, match=r"scores has 1 entries outside \[0, 1\], first at query 0, model 'small' "
                                         r"\(value 1.00000001\)"):
        make(4, scores=scores)


def test_out_of_range_values_print_in_full_precision():
    scores = np.zeros((4, 3))
    scores[2, 1] = 1 + 2e-9  # "%g" would print 1
    with pytest.raises(ValueError, match=r"\(value 1.000000002\)"):
        make(4, scores=scores)
    costs = np.full((4, 3), 1e-4)
    costs[3, 0] = -1e-20
    with pytest.raises(ValueError, match=r"costs has 1 negative entries, first at query 3, model 'small' "
                                         r"\(value -1e-20\)"):
        make(4, costs=costs)


def test_nan_features_located_by_feature_column():
    features = np.zeros((5, 8))
    features[2, 6] = np.nan  # column 6: beyond the 3 models
    with pytest.raises(ValueError, match=r"features has 1 NaN or non-finite entries, first at query 2, "
                                         r"feature column 6"):
        make(5, features=features)


@pytest.mark.parametrize("field", ["scores", "costs", "truth", "features"])
def test_complex_values_refused(field):
    value = np.zeros((5, 3), dtype=complex)
    value[1, 1] = 0.5j
    with pytest.raises(ValueError, match=rf"{field} must be real numbers, got complex values \(dtype complex128\)"):
        make(5, **{field: value})
    with pytest.raises(ValueError, match=rf"{field} must be real numbers, got complex values"):
        make(5, **{field: value.astype(object)})


def test_implausible_costs_refused():
    costs = np.full((5, 3), 1e-4)
    costs[4, 1] = 1e300
    with pytest.raises(ValueError, match=r"costs has 1 entries above 1e\+06 USD, first at query 4, model 'medium' "
                                         r"\(value 1e\+300\): costs are USD per call"):
        make(5, costs=costs)
    costs[4, 1] = 1e6
    assert make(5, costs=costs).costs.max() == 1e6


def test_unknown_model_suggests_the_closest_name():
    data = make(models=["b", "medium", "gpt-4-1106-preview"])
    with pytest.raises(KeyError, match=r"unknown model 'b '; did you mean 'b'\? This dataset has"):
        data.model_index("b ")
    with pytest.raises(KeyError, match=r"unknown model 'gpt-4-1106'; did you mean 'gpt-4-1106-preview'\?"):
        data.model_index("gpt-4-1106")
    with pytest.raises(KeyError, match=r"unknown model 'zzz'; this dataset has \['b', "):
        data.model_index("zzz")
    with pytest.raises(KeyError, match=r"unknown model\(s\) \[' medium', 'b '\]; did you mean 'medium' for ' medium', "
                                       r"'b' for 'b '\?"):
        data.select_models([" medium", "b "])


def test_split_every_query_its_own_task():
    data = make(20, tasks=np.array([f"t{i}" for i in range(20)]))
    with pytest.raises(ValueError, match=r"test_size=0.3 stratified by task leaves the test part empty: every task "
                                         r"has fewer than 2 queries \(20 tasks, the largest with 1\).*"
                                         r"Pass stratify=None"):
        rk.train_test_split(data, test_size=0.3)
    with pytest.raises(ValueError, match=r"leaves the train part empty: every task has fewer than 5 queries"):
        rk.train_test_split(make(8, tasks=np.array(["a", "a", "b", "b", "c", "c", "d", "d"])), test_size=0.9)
    train, test = rk.train_test_split(data, test_size=0.3, stratify=None)
    assert (len(train), len(test)) == (14, 6)


def test_split_test_size_as_a_whole_float_is_a_count():
    data = make(50)
    train, test = rk.train_test_split(data, test_size=30.0, seed=0)  # the command line passes floats
    assert (len(train), len(test)) == (20, 30)
    for bad in (30.5, -3, 0.0, "30", True):
        with pytest.raises(ValueError, match=r"test_size must be a fraction in \(0, 1\) or a whole number of "
                                             rf"queries, got {re.escape(repr(bad))}"):
            rk.train_test_split(data, test_size=bad)
    with pytest.raises(ValueError, match="leave queries on both sides: got 50 of 50"):
        rk.train_test_split(data, test_size=50.0)
