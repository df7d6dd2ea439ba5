"""The ``finetuned`` router: MiniLM trained end to end on a small prompt set where the text decides the model.

Needs the extra ``routerkit[encoders]``; without it the tests that fit skip, except under ``CI=true``, where a
missing extra is a failure. Parameter and no-prompt errors are checked before the model loads, so those run
everywhere.
"""
import importlib.util
import os
import sys

import numpy as np
import pytest
import torch

import routerkit as rk
from routerkit import encoders
from routerkit.routers.finetuned import FineTunedRouter
from conftest import require_encoders_extra

TOPICS = {   # topic -> (words, the model that answers it)
    "maths": ("integral derivative equation solve algebra matrix polynomial prime", 0),
    "code": ("python function compile debug recursion array loop javascript", 1),
    "poetry": ("poem sonnet rhyme verse stanza metaphor haiku ballad", 2),
}
FILLER = "please could you help me with this the a short question about".split()
FAST = dict(epochs=2, batch_size=16, max_seq_length=16, lr_body=5e-5, lr_head=1e-2, validation_fraction=0.0)


def topic_data(n: int, seed: int) -> rk.RoutingData:
    """Model t solves topic t's prompts; the others fail. Model 2 is the dearest and the best on average."""
    rng = np.random.default_rng(seed)
    names = list(TOPICS)
    topic = rng.choice(3, size=n, p=[0.3, 0.3, 0.4])
    prompts = []
    for t in topic:
        words = list(rng.choice(TOPICS[names[t]][0].split(), size=3)) + list(rng.choice(FILLER, size=4))
        prompts.append(" ".join(rng.permutation(words)))
    scores = np.zeros((n, 3))
    scores[np.arange(n), topic] = 1.0
    costs = np.tile([1e-4, 2e-4, 3e-4], (n, 1))
    return rk.RoutingData(scores=scores, costs=costs, models=["m-maths", "m-code", "m-poetry"],
                          prompts=np.array(prompts, dtype=object))


@pytest.fixture(scope="module")
def split():
    return topic_data(96, seed=0), topic_data(60, seed=1)


@pytest.fixture(scope="module")
def fitted(split):
    require_encoders_extra()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    return FineTunedRouter(**FAST, random_state=0).fit(split[0])


def test_shapes_and_protocol(fitted, split):
    train, test = split
    s = fitted.predict(test)
    assert s.shape == (len(test), 3) and s.dtype == float
    assert np.isfinite(s).all() and (s >= 0).all() and (s <= 1).all()
    assert fitted.route(test, 0.0).shape == (len(test),)
    assert fitted.route(test, [0.0, 1e3]).shape == (2, len(test))
    assert fitted.models_ == train.models and fitted.n_train_ == len(train) and fitted.n_val_ == 0
    assert [h["epoch"] for h in fitted.history_] == [1, 2] and fitted.best_epoch_ == 2
    assert np.array_equal(fitted.route(test, 5.0),
                          rk.decision.decide(s, fitted.cost_estimate(test), 5.0))


def test_deterministic_for_a_seed(fitted, split):
    train, test = split
    again = FineTunedRouter(**FAST, random_state=0).fit(train)
    np.testing.assert_array_equal(again.predict(test), fitted.predict(test))
    other = FineTunedRouter(**{**FAST, "epochs": 1}, max_train=32, random_state=1).fit(train)
    assert not np.array_equal(other.predict(test), FineTunedRouter(**{**FAST, "epochs": 1}, max_train=32,
                                                                   random_state=2).fit(train).predict(test))


def test_the_body_learned_and_the_bundled_model_did_not_change(fitted):
    folder = encoders.minilm_path()
    assert encoders._file_sha256(folder / "model.safetensors") == encoders.MINILM_SHA256
    fresh = encoders._load_sentence_model(encoders.MINILM, True)[0].auto_model.state_dict()
    tuned = fitted.body_.state_dict()
    assert fresh.keys() == tuned.keys()
    changed = [k for k in fresh if not torch.equal(fresh[k], tuned[k])]
    assert any("encoder.layer.0." in k for k in changed) and any("encoder.layer.5." in k for k in changed)


def test_it_learns_which_model_the_text_calls_for(fitted, split):
    train, test = split
    right = test.scores.argmax(axis=1)
    constant = (right == train.scores.mean(axis=0).argmax()).mean()       # the best single model: 0.4
    learned = (fitted.route(test, 0.0) == right).mean()
    assert learned >= 0.8 and learned > constant + 0.3, (learned, constant)
    # and the score estimates beat the constant's in cross-entropy
    s = np.clip(fitted.predict(test), 1e-6, 1 - 1e-6)
    p = np.clip(train.scores.mean(axis=0), 1e-6, 1 - 1e-6)
    bce = lambda q: -(test.scores * np.log(q) + (1 - test.scores) * np.log(1 - q)).mean()  # noqa: E731
    assert bce(s) < bce(p)


def test_early_stopping_keeps_the_best_epoch_on_a_seeded_slice(split):
    require_encoders_extra()
    train, test = split
    r = FineTunedRouter(**{**FAST, "validation_fraction": 0.25, "epochs": 3, "patience": 1},
                        max_train=80, random_state=0).fit(train)
    assert (r.n_train_, r.n_val_) == (60, 20)
    val = [h["val_loss"] for h in r.history_]
    assert np.isfinite(val).all() and r.best_epoch_ == 1 + int(np.argmin(val))
    assert len(val) == 3 or val[-1] >= min(val[:-1])       # stopped only after an epoch without progress
    assert r.predict(test).shape == (len(test), 3)


def test_works_with_evaluate(fitted, split):
    frame = rk.evaluate({"finetuned": fitted}, split[1])
    assert set(frame["router"]) == {"finetuned"}
    assert frame["quality"].between(0, 1).all() and (frame["cost"] > 0).all()


def test_needs_prompts(split):
    train = split[0]
    no_text = rk.RoutingData(scores=train.scores, costs=train.costs, models=train.models,
                             features=np.zeros((len(train), 2)))
    with pytest.raises(ValueError, match="prompts"):
        FineTunedRouter().fit(no_text)


def test_predict_needs_prompts(fitted, split):
    test = split[1]
    no_text = rk.RoutingData(scores=test.scores, costs=test.costs, models=test.models)
    with pytest.raises(ValueError, match="prompts"):
        fitted.predict(no_text)


@pytest.mark.parametrize("param, bad", [("epochs", 0), ("epochs", 1.5), ("batch_size", 0), ("batch_size", True),
                                        ("lr_body", -1e-5), ("lr_head", 0.0), ("lr_head", float("nan")),
                                        ("weight_decay", -0.1), ("max_seq_length", 1), ("max_seq_length", 1000),
                                        ("truncation", "middle"), ("validation_fraction", 1.0),
                                        ("validation_fraction", -0.1), ("patience", 0), ("max_train", 0)])
def test_bad_hyperparameters_name_themselves(param, bad, split):
    with pytest.raises(ValueError, match=param):
        FineTunedRouter(**{param: bad}).fit(split[0])


def test_missing_extra_names_it(monkeypatch, split):
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(ImportError, match=r"pip install 'routerkit\[encoders\]'"):
        FineTunedRouter(**FAST).fit(split[0])
    monkeypatch.delitem(sys.modules, "sentence_transformers")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == encoders.MINILM_PACKAGE else real(name, *a))
    if real("sentence_transformers") is not None:
        with pytest.raises(ImportError, match=r"pip install 'routerkit\[encoders\]'"):
            FineTunedRouter(**FAST).fit(split[0])


def test_registered():
    assert "finetuned" in rk.routers.available()
    r = rk.routers.make("finetuned", max_train=100)
    assert isinstance(r, FineTunedRouter) and r.max_train == 100 and r.get_params()["max_seq_length"] == 128


def test_saved_and_loaded_it_routes_the_same(fitted, split, tmp_path):
    loaded = rk.routers.load(fitted.save(tmp_path / "finetuned.router"))
    test = split[1]
    np.testing.assert_array_equal(loaded.predict(test), fitted.predict(test))
    prompts = list(test.prompts)
    np.testing.assert_array_equal(loaded.route_prompts(prompts, 1e3), fitted.route_prompts(prompts, 1e3))
    assert loaded.tokenizer_.truncation_side == fitted.truncation
