"""Test-session settings: one thread for torch, BLAS and OpenMP.

The routers under test are small; on a 2-core machine several thread pools compete for the cores and make
fits tens of times slower, and one thread also keeps every number independent of the machine.
"""
import torch
from threadpoolctl import threadpool_limits

torch.set_num_threads(1)
_LIMITS = threadpool_limits(limits=1)


def require_encoders_extra():
    """Skip the calling test when the extra ``routerkit[encoders]`` is missing; under ``CI=true`` fail instead,
    since CI installs it (``make test``) and must run those tests."""
    import importlib.util
    import os

    import pytest

    from routerkit import encoders

    missing = [name for name in ("sentence_transformers", encoders.MINILM_PACKAGE)
               if importlib.util.find_spec(name) is None]
    if missing:
        reason = f"routerkit[encoders] is not installed (missing {', '.join(missing)})"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + "; CI must run these tests")
        pytest.skip(reason)
