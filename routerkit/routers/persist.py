"""Keep a fitted router: ``router.save(path)`` and ``routerkit.routers.load(path)``, without pickle.

A saved router is one zip archive:

- ``router.json``: the format, the routerkit version that wrote it, the router's class and its state as a
  JSON tree (hyperparameters, learned numbers and lists, the cost table);
- ``arrays/<k>.npy``: every numpy array and torch tensor, read back with ``allow_pickle=False``;
- ``sklearn/<k>.skops``: every scikit-learn estimator inside the router (a fitted TF-IDF encoder, per-model
  regressors, k-means), in skops' format, read back trusting only scikit-learn, numpy and scipy types;
- a torch network is stored as its state dict (arrays); on load the router builds the empty network again
  (``_new_module``) and loads the weights into it.

Loading never runs code from the file: classes are looked up by name inside routerkit only, and each member's
sha256, recorded in ``router.json``, is checked. A file written by another routerkit version is refused with
the versions named (refit the router, or install the version that wrote it): learned attributes can change
meaning between versions. Objects that hold a pretrained model loaded from disk (the MiniLM encoder, the
fine-tuned router's tokenizer) store only what identifies it, and load it again from the local copy.
"""
from __future__ import annotations

import hashlib
import importlib
import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["save", "load", "FORMAT", "FORMAT_VERSION"]

FORMAT = "routerkit.router"
FORMAT_VERSION = 1
MANIFEST = "router.json"
# skops may rebuild objects of these packages only (scikit-learn estimators and the arrays inside them)
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.")


def _version() -> str:
    from routerkit import __version__
    return __version__


class _Writer:
    """Turns an object tree into JSON, collecting arrays and skops blobs as archive members."""

    def __init__(self):
        self.members: dict[str, bytes] = {}

    def _member(self, folder: str, suffix: str, blob: bytes) -> str:
        name = f"{folder}/{len(self.members)}{suffix}"
        self.members[name] = blob
        return name

    def array(self, a: np.ndarray, where: str) -> dict:
        a = np.asarray(a)
        if a.dtype.hasobject:
            if all(isinstance(x, str) for x in a.ravel()):
                return {"__strings__": a.tolist(), "shape": list(a.shape)}
            raise ValueError(f"cannot save {where}: an object array that is not all strings")
        buf = io.BytesIO()
        np.save(buf, a, allow_pickle=False)
        return {"__array__": self._member("arrays", ".npy", buf.getvalue())}

    def encode(self, value: Any, where: str) -> Any:
        import torch
        from sklearn.base import BaseEstimator

        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, np.generic):
            return value
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return self.array(value, where)
        if isinstance(value, torch.Tensor):
            return {"__tensor__": self.array(value.detach().cpu().numpy(), where)}
        if isinstance(value, list):
            return [self.encode(v, f"{where}[{k}]") for k, v in enumerate(value)]
        if isinstance(value, tuple):
            return {"__tuple__": [self.encode(v, f"{where}[{k}]") for k, v in enumerate(value)]}
        if isinstance(value, dict):
            bad = [k for k in value if not isinstance(k, str)]
            if bad:
                raise ValueError(f"cannot save {where}: a dict with keys that are not strings ({bad[0]!r})")
            return {"__dict__": {k: self.encode(v, f"{where}[{k!r}]") for k, v in value.items()}}
        if isinstance(value, pd.DataFrame):
            return {"__frame__": {"index": self.encode(list(value.index), where + ".index"),
                                  "columns": self.encode(list(value.columns), where + ".columns"),
                                  "values": self.array(value.to_numpy(), where)}}
        if isinstance(value, torch.nn.Module):
            return {"__module__": {k: self.array(t.detach().cpu().numpy(), f"{where}.{k}")
                                   for k, t in value.state_dict().items()}}
        cls = type(value)
        if cls.__module__.startswith("routerkit."):
            return {"__object__": f"{cls.__module__}:{cls.__qualname__}", "state": self.state(value, where)}
        if cls.__module__.startswith("sklearn.feature_extraction.text") and cls.__name__ == "TfidfVectorizer":
            return {"__tfidf__": self.tfidf(value, where)}
        if isinstance(value, BaseEstimator) and cls.__module__.startswith("sklearn."):
            import skops.io as sio
            return {"__skops__": self._member("sklearn", ".skops", sio.dumps(value))}
        raise ValueError(f"cannot save {where}: routerkit does not know how to store a {cls.__module__}."
                         f"{cls.__qualname__}")

    def tfidf(self, vectorizer, where: str) -> dict:
        """A fitted TfidfVectorizer as its settings, its terms in column order and its idf weights: a vocabulary
        of 10^5 terms stored through skops takes minutes, this way milliseconds."""
        params = vectorizer.get_params()
        hooks = [k for k in ("tokenizer", "preprocessor", "analyzer") if callable(params[k])]
        if hooks:
            raise ValueError(f"cannot save {where}: its {hooks[0]} is a function, which routerkit does not store")
        params["dtype"] = np.dtype(params["dtype"]).str
        terms = np.empty(len(vectorizer.vocabulary_), dtype=object)
        terms[list(vectorizer.vocabulary_.values())] = list(vectorizer.vocabulary_)
        return {"params": self.encode(params, where), "terms": self.array(terms, where + ".vocabulary_"),
                "idf": self.array(vectorizer.idf_, where + ".idf_")}

    def state(self, obj: Any, where: str) -> dict:
        skip = set(getattr(obj, "_not_saved", ()))
        return {k: self.encode(v, f"{where}.{k}") for k, v in vars(obj).items() if k not in skip}


class _Reader:
    def __init__(self, archive: zipfile.ZipFile, digests: dict[str, str], path: Path):
        self.archive, self.digests, self.path = archive, digests, path

    def _blob(self, name: str) -> bytes:
        if name not in self.digests:
            raise _corrupt(self.path, f"member {name!r} is not listed in {MANIFEST}")
        blob = self.archive.read(name)
        if hashlib.sha256(blob).hexdigest() != self.digests[name]:
            raise _corrupt(self.path, f"member {name!r} does not match its sha256")
        return blob

    def array(self, node: dict) -> np.ndarray:
        if "__strings__" in node:
            return np.array(node["__strings__"], dtype=object).reshape(node["shape"])
        return np.load(io.BytesIO(self._blob(node["__array__"])), allow_pickle=False)

    def decode(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict):
            return node
        if "__array__" in node or "__strings__" in node:
            return self.array(node)
        if "__tensor__" in node:
            import torch
            return torch.from_numpy(self.array(node["__tensor__"]))
        if "__tuple__" in node:
            return tuple(self.decode(v) for v in node["__tuple__"])
        if "__dict__" in node:
            return {k: self.decode(v) for k, v in node["__dict__"].items()}
        if "__frame__" in node:
            f = node["__frame__"]
            return pd.DataFrame(self.array(f["values"]), index=self.decode(f["index"]),
                                columns=self.decode(f["columns"]))
        if "__tfidf__" in node:
            return self.tfidf(node["__tfidf__"])
        if "__skops__" in node:
            return self.skops(node["__skops__"])
        if "__object__" in node:
            return self.object(node["__object__"], node["state"])
        raise _corrupt(self.path, f"an entry of unknown kind: {sorted(node)[:3]}")

    def tfidf(self, node: dict):
        from sklearn.feature_extraction.text import TfidfVectorizer

        params = self.decode(node["params"])
        params["dtype"] = np.dtype(params["dtype"]).type
        terms = self.array(node["terms"])
        params["vocabulary"] = {t: k for k, t in enumerate(terms)}
        # fitting on a fixed vocabulary learns nothing but idf, which is then set to the saved weights
        vectorizer = TfidfVectorizer(**params).fit(terms[:1])
        vectorizer.idf_ = self.array(node["idf"])
        return vectorizer

    def skops(self, name: str):
        import skops.io as sio

        blob = self._blob(name)
        untrusted = sio.get_untrusted_types(data=blob)
        refused = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
        if refused:
            raise _corrupt(self.path, f"{name} holds types routerkit does not load: {refused[:3]}")
        return sio.loads(blob, trusted=untrusted)

    def object(self, spec: str, state: dict):
        import torch

        module, _, qualname = spec.partition(":")
        if not module.startswith("routerkit.") or not qualname or "." in qualname:
            raise _corrupt(self.path, f"class {spec!r} is not a routerkit class")
        try:
            cls = getattr(importlib.import_module(module), qualname)
        except (ImportError, AttributeError):
            raise _corrupt(self.path, f"class {spec!r} does not exist in this routerkit") from None
        if not isinstance(cls, type):
            raise _corrupt(self.path, f"{spec!r} is not a class")
        obj = cls.__new__(cls)
        modules = {}
        for key, node in state.items():
            if isinstance(node, dict) and "__module__" in node:
                modules[key] = node["__module__"]
            else:
                setattr(obj, key, self.decode(node))
        for key, weights in modules.items():     # after the plain attributes: they size the network
            net = obj._new_module(key)
            net.load_state_dict({k: torch.from_numpy(self.array(v)) for k, v in weights.items()}, strict=True)
            setattr(obj, key, net.eval())
        if callable(getattr(obj, "_after_load", None)):
            obj._after_load()
        return obj


def _corrupt(path: Path, detail: str) -> ValueError:
    return ValueError(f"{path} is not a readable routerkit router (corrupted, or not written by router.save): "
                      f"{detail}")


def save(router, path) -> Path:
    """Write a fitted ``router`` to ``path`` (a zip archive; see the module docstring). Returns the path.

    The file is written next to ``path`` first and moved into place when complete, so a failed save leaves an
    existing file as it was.
    """
    from routerkit.routers.base import Router

    if not isinstance(router, Router):
        raise TypeError(f"save expects a routerkit router, got {type(router).__name__}")
    router._check_fitted()
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a folder: give a file name, e.g. {path / (router.name + '.router')}")
    writer = _Writer()
    tree = writer.encode(router, "router")
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "routerkit_version": _version(),
                "router": router.name, "state": tree,
                "sha256": {k: hashlib.sha256(v).hexdigest() for k, v in writer.members.items()}}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w") as archive:
            archive.writestr(MANIFEST, json.dumps(manifest), compress_type=zipfile.ZIP_DEFLATED)
            for name, blob in writer.members.items():
                archive.writestr(name, blob, compress_type=zipfile.ZIP_STORED)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load(path):
    """Read a router written by :meth:`Router.save <routerkit.routers.Router.save>`; ready to ``route``.

    Raises ``ValueError`` for a file another routerkit version wrote (naming both versions) and for a file that
    is corrupted or not a saved router; ``FileNotFoundError`` where there is no file.
    """
    from routerkit.routers.base import Router

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no saved router at {path}")
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                manifest = json.loads(archive.read(MANIFEST))
            except KeyError:
                raise _corrupt(path, f"it has no {MANIFEST}") from None
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise _corrupt(path, f"{MANIFEST} does not describe a routerkit router")
            saved = manifest.get("routerkit_version")
            if saved != _version():
                raise ValueError(f"{path} was saved by routerkit {saved} and this is routerkit {_version()}: "
                                 f"refit the router with this version (or install routerkit=={saved} to use it)")
            if manifest.get("format_version") != FORMAT_VERSION:
                raise ValueError(f"{path} is in routerkit's router format version {manifest.get('format_version')!r}"
                                 f" and this routerkit reads version {FORMAT_VERSION}: refit the router with this "
                                 f"version")
            router = _Reader(archive, manifest.get("sha256", {}), path).decode(manifest["state"])
    except (zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError, EOFError, KeyError, TypeError) as exc:
        raise _corrupt(path, f"{type(exc).__name__}: {exc}") from None
    if not isinstance(router, Router):
        raise _corrupt(path, f"it holds a {type(router).__name__}, not a router")
    return router
