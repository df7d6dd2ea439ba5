"""Test-session settings: one thread for torch, BLAS and OpenMP.

The routers under test are small; on a 2-core machine several thread pools compete for the cores and make
fits tens of times slower, and one thread also keeps every number independent of the machine.
"""
import torch
from threadpoolctl import threadpool_limits

torch.set_num_threads(1)
_LIMITS = threadpool_limits(limits=1)
