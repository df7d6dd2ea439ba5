"""Text to features: what a router sees of a query when the data carries prompts but no features.

- :class:`TfidfSVDEncoder` (the default): TF-IDF over words, then a truncated SVD to ``n_components``
  dimensions (latent semantic analysis). scikit-learn only, offline, deterministic for ``random_state``.
- :class:`SentenceTransformerEncoder` (optional): a sentence-transformers model. Needs the extra
  ``pip install routerkit[encoders]``; imported only when used. It never downloads on its own unless you
  pass ``local_files_only=False``.

Both follow scikit-learn's ``fit(prompts) -> self`` / ``transform(prompts) -> (n, d)`` protocol, so a router
fits its encoder on the training prompts only (no test text leaks into the vocabulary or the SVD).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

__all__ = ["TfidfSVDEncoder", "SentenceTransformerEncoder"]


def _as_text(prompts: Sequence[str]) -> list[str]:
    if prompts is None:
        raise ValueError("an encoder needs prompts (query text), got None")
    return ["" if p is None else str(p) for p in np.asarray(prompts, dtype=object).ravel()]


class TfidfSVDEncoder(TransformerMixin, BaseEstimator):
    """TF-IDF + truncated SVD text features (latent semantic analysis).

    Parameters
    ----------
    n_components : int
        Output width. Capped at ``min(vocabulary, n_prompts) - 1`` on tiny corpora (``n_components_`` holds
        the width actually used).
    max_features : int
        Vocabulary size cap of the TF-IDF step (most frequent terms).
    ngram_range : tuple
        Word n-grams of the TF-IDF step.
    random_state : int
        Seed of the randomized SVD.
    """

    def __init__(self, n_components: int = 128, max_features: int = 50_000, ngram_range=(1, 2),
                 random_state: int = 0):
        self.n_components = n_components
        self.max_features = max_features
        self.ngram_range = ngram_range
        self.random_state = random_state

    def fit(self, prompts, y=None) -> "TfidfSVDEncoder":
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        text = _as_text(prompts)
        self.tfidf_ = TfidfVectorizer(max_features=self.max_features, ngram_range=tuple(self.ngram_range),
                                      sublinear_tf=True, dtype=np.float64)
        X = self.tfidf_.fit_transform(text)
        k = int(min(self.n_components, X.shape[1] - 1, X.shape[0] - 1))
        if k < 1:
            raise ValueError(f"the training prompts have a vocabulary of {X.shape[1]} terms: too few for "
                             f"an SVD (need at least 2)")
        self.n_components_ = k
        self.svd_ = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=5,
                                 random_state=self.random_state).fit(X)
        return self

    def transform(self, prompts) -> np.ndarray:
        if not hasattr(self, "svd_"):
            from sklearn.exceptions import NotFittedError
            raise NotFittedError("TfidfSVDEncoder is not fitted yet: call fit(train_prompts) first")
        return self.svd_.transform(self.tfidf_.transform(_as_text(prompts)))


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
        if not hasattr(self, "model_"):
            self.model_ = self._load()
        emb = self.model_.encode(_as_text(prompts), batch_size=self.batch_size, show_progress_bar=False,
                                 normalize_embeddings=self.normalize, convert_to_numpy=True)
        return np.asarray(emb, dtype=float)
