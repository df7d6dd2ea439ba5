"""Text to features: what a router sees of a query when the data carries prompts but no features.

- :class:`TfidfSVDEncoder` (the default): TF-IDF over words, then a truncated SVD to ``n_components``
  dimensions (latent semantic analysis; a tiny corpus fills fewer, and the rest are zero). scikit-learn
  only, offline, deterministic for ``random_state``.
- :class:`SentenceTransformerEncoder` (optional): a sentence-transformers model. Needs the extra
  ``pip install routerkit[encoders]``; imported only when used. It never downloads on its own unless you
  pass ``local_files_only=False``.

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

__all__ = ["TfidfSVDEncoder", "SentenceTransformerEncoder"]


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
    """Sentence embeddings from a sentence-transformers model (optional extra ``routerkit[encoders]``).

    ``fit`` loads the model (nothing is learned); ``transform`` embeds the prompts on CPU. By default the
    model must already be in the local Hugging Face cache (``local_files_only=True``): routerkit never goes
    online unless asked. Pass ``local_files_only=False`` to allow the one-off download.
    """

    def __init__(self, model_name: str = "sentence-transformers/all-MiniLM-L6-v2", batch_size: int = 64,
                 normalize: bool = True, local_files_only: bool = True, device: str = "cpu"):
        self.model_name = model_name
        self.batch_size = batch_size
        self.normalize = normalize
        self.local_files_only = local_files_only
        self.device = device

    def _load(self):
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise ImportError("SentenceTransformerEncoder needs the optional extra: "
                              "pip install 'routerkit[encoders]' (or use the default TfidfSVDEncoder)") from None
        try:
            return SentenceTransformer(self.model_name, device=self.device,
                                       local_files_only=self.local_files_only)
        except OSError as exc:
            raise OSError(f"sentence-transformers model {self.model_name!r} is not in the local cache and "
                          f"local_files_only=True: download it once with local_files_only=False ({exc})") from None

    def fit(self, prompts=None, y=None) -> "SentenceTransformerEncoder":
        self.model_ = self._load()
        return self

    def transform(self, prompts) -> np.ndarray:
        with limited():
            if not hasattr(self, "model_"):
                self.model_ = self._load()
            emb = self.model_.encode(_as_text(prompts), batch_size=self.batch_size, show_progress_bar=False,
                                     normalize_embeddings=self.normalize, convert_to_numpy=True)
        return np.asarray(emb, dtype=float)
