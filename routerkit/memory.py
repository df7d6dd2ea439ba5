"""Give memory that was freed back to the operating system, after steps that free a lot at once."""
from __future__ import annotations

import ctypes
import sys

__all__ = ["release_freed_memory"]


def release_freed_memory() -> None:
    """Hand back what large temporaries left behind. pyarrow's allocator and glibc's ``malloc`` keep freed
    memory for reuse, while numpy's large arrays are mapped afresh beside it, so without this a 4-million-row
    parquet file left ~0.7 GB held by nothing (1.02 GB resident for 0.28 GB of data) under the analysis."""
    pa = sys.modules.get("pyarrow")
    if pa is not None:
        pa.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (e.g. musl): nothing to trim
            pass
