"""Routers by name: ``available()`` lists them, ``make(name, **params)`` builds one."""
from __future__ import annotations

__all__ = ["register", "available", "make"]

_REGISTRY: dict[str, type] = {}
SINGLE_PREFIX = "single:"


def register(cls: type) -> type:
    """Class decorator: file ``cls`` under ``cls.name``."""
    if cls.name in _REGISTRY:
        raise ValueError(f"router name {cls.name!r} is registered twice")
    _REGISTRY[cls.name] = cls
    return cls


def available() -> list[str]:
    """Registry names, sorted. ``"single:<model>"`` stands for one router per model name
    (e.g. ``make("single:gpt-4-1106-preview")``)."""
    return sorted(n for n in _REGISTRY if n != "single") + [SINGLE_PREFIX + "<model>"]


def make(name: str, **params):
    """Build the router registered as ``name`` with hyperparameters ``params``.

    ``"single:<model>"`` builds the single-model baseline for ``<model>``.
    """
    if not isinstance(name, str):
        raise TypeError(f"router name must be a string, got {type(name).__name__}")
    if name.startswith(SINGLE_PREFIX):
        model = name[len(SINGLE_PREFIX):]
        if not model:
            raise ValueError("give the model after 'single:', e.g. make('single:gpt-4-1106-preview')")
        return _REGISTRY["single"](model=model, **params)
    if name not in _REGISTRY or name == "single":
        raise ValueError(f"unknown router {name!r}; available: {', '.join(available())}")
    return _REGISTRY[name](**params)
