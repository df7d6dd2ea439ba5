"""routerkit.encoders: tiny and degenerate corpora, a stable output width, clear errors, thread limits."""
import contextlib
import warnings

import numpy as np
import pytest

import routerkit as rk
from routerkit import encoders
from routerkit.encoders import SentenceTransformerEncoder, TfidfSVDEncoder

CORPUS = [f"question {i} about {topic} and {other}" for i, (topic, other) in
          enumerate((t, o) for t in ["maths", "code", "history", "chemistry", "law", "music"]
                    for o in ["proofs", "loops", "wars", "acids", "courts", "scales", "maps"])]


def _fit_quietly(prompts, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # a degenerate corpus must not warn (e.g. a 0/0 variance ratio)
        return TfidfSVDEncoder(**kwargs).fit(prompts)


def test_identical_prompts_give_one_informative_column():
    enc = _fit_quietly(["what is two plus two"] * 20, n_components=16)
    assert enc.n_components_ == 1, "identical prompts span one direction"
    z = enc.transform(["what is two plus two"] * 3 + ["plus", "nothing shared"])
    assert z.shape == (5, 16), "the output keeps n_components columns"
    assert not z[:, 1:].any(), "columns beyond n_components_ are zero, not arbitrary directions"
    assert np.allclose(np.abs(z[:3, 0]), 1.0) and z[4, 0] == 0.0
    assert 0 < abs(z[3, 0]) < 1, "a prompt sharing a term projects partly onto the one direction"


def test_one_term_vocabulary_is_its_own_direction():
    enc = _fit_quietly(["hello"] * 5 + ["?"], n_components=4)
    assert enc.svd_ is None and enc.n_components_ == 1
    np.testing.assert_array_equal(enc.transform(["hello", "bye", "hello hello"]),
                                  [[1, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0]])


def test_two_distinct_prompts():
    prompts = ["what is two plus two", "translate this sentence into french"] * 10
    enc = _fit_quietly(prompts, n_components=8)
    assert enc.n_components_ == 2
    z = enc.transform(prompts)
    assert z.shape == (20, 8) and not z[:, 2:].any()
    np.testing.assert_allclose(z[0::2], np.tile(z[0], (10, 1)), atol=1e-12)
    np.testing.assert_allclose(z[1::2], np.tile(z[1], (10, 1)), atol=1e-12)
    assert np.linalg.norm(z[0] - z[1]) > 1.0, "two orthogonal TF-IDF rows stay apart"


def test_fewer_prompts_than_components():
    enc = _fit_quietly(CORPUS[:3], n_components=50)
    assert enc.n_components_ == 3 and enc.transform(CORPUS).shape == (len(CORPUS), 50)


def test_an_ordinary_corpus_is_truncated_svd_unchanged():
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    enc = TfidfSVDEncoder(n_components=10, random_state=3).fit(CORPUS)
    tfidf = TfidfVectorizer(max_features=50_000, ngram_range=(1, 2), sublinear_tf=True).fit(CORPUS)
    svd = TruncatedSVD(n_components=10, algorithm="randomized", n_iter=5, random_state=3)
    svd.fit(tfidf.transform(CORPUS))
    assert enc.n_components_ == 10
    np.testing.assert_allclose(enc.transform(CORPUS[:5]), svd.transform(tfidf.transform(CORPUS[:5])), atol=1e-12)


def test_empty_vocabulary_is_a_clear_error():
    for prompts in (["", "", ""], ["?", "a", "!"], [None, None]):
        with pytest.raises(ValueError, match=r"training prompts have no terms \(they are empty, or hold only "
                                             r"punctuation and one-character tokens\): TF-IDF has an empty "
                                             r"vocabulary"):
            TfidfSVDEncoder().fit(prompts)
    with pytest.raises(ValueError, match="got no prompts"):
        TfidfSVDEncoder().fit([])
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match=rf"n_components must be a whole number >= 1, got {bad!r}"):
            TfidfSVDEncoder(n_components=bad).fit(CORPUS)


def test_a_feature_router_fits_on_identical_prompts():
    n = 30
    rng = np.random.default_rng(0)
    data = rk.RoutingData(rng.random((n, 2)), np.tile([1.0, 2.0], (n, 1)), ["cheap", "dear"],
                          prompts=np.array(["the same question"] * n, dtype=object))
    router = rk.routers.make("knn", k=5, encoder=TfidfSVDEncoder(n_components=8)).fit(data)
    frame = rk.evaluate(router, data)
    assert np.isfinite(frame["quality"]).all() and router.encoder_.n_components_ == 1


@pytest.fixture
def limit_log(monkeypatch):
    """Replace the encoders' ``limited`` by one that records when the thread limit is held."""
    log = {"active": False, "entered": 0}

    @contextlib.contextmanager
    def fake():
        log["entered"] += 1
        log["active"] = True
        try:
            yield
        finally:
            log["active"] = False

    monkeypatch.setattr(encoders, "limited", fake)
    return log


def test_tfidf_fit_and_transform_run_under_the_thread_limit(limit_log, monkeypatch):
    from sklearn.decomposition import TruncatedSVD

    seen = []
    real_fit = TruncatedSVD.fit
    real_transform = TruncatedSVD.transform
    monkeypatch.setattr(TruncatedSVD, "fit", lambda self, X, y=None: seen.append(limit_log["active"])
                        or real_fit(self, X))
    monkeypatch.setattr(TruncatedSVD, "transform", lambda self, X: seen.append(limit_log["active"])
                        or real_transform(self, X))
    TfidfSVDEncoder(n_components=4).fit(CORPUS).transform(CORPUS)
    assert seen == [True, True], "the SVD's fit and transform must run inside limited()"


def test_sentence_transformer_embeds_under_the_thread_limit(limit_log):
    import torch

    class FakeModel:
        max_seq_length = 8

        def preprocess(self, texts):
            return {"n": len(texts)}

        def eval(self):
            return self

        def __call__(self, features):
            assert limit_log["active"], "the forward pass must run inside limited()"
            return {"sentence_embedding": torch.ones(features["n"], 3)}

        def get_embedding_dimension(self):
            return 3

    enc = SentenceTransformerEncoder(cache=False, progress=False)
    enc.model_, enc.model_hash_ = FakeModel(), "0" * 64
    z = enc.transform(["a b", "c d", "e"])
    assert z.shape == (3, 3) and limit_log["entered"] == 1
    np.testing.assert_allclose(np.linalg.norm(z, axis=1), 1.0)