"""Small torch helpers: seeded, CPU-only, deterministic training loops shared by the torch routers."""
from __future__ import annotations

import contextlib

import numpy as np
import torch

__all__ = ["seeded", "to_tensor", "minibatches", "train", "mlp", "eval_batched"]


@contextlib.contextmanager
def seeded(seed: int):
    """Run a block with torch's global RNG seeded by ``seed``, restoring the caller's RNG state afterwards
    (so fitting a router does not disturb the user's own random stream). CPU only; thread count unchanged.
    CPU kernels used here (linear layers, elementwise ops) are deterministic for a fixed thread count."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        yield


def to_tensor(a) -> torch.Tensor:
    return torch.as_tensor(np.ascontiguousarray(a, dtype=np.float32))


def minibatches(n: int, batch_size: int, epochs: int, generator: torch.Generator):
    """Yield index tensors: ``epochs`` shuffled passes over ``range(n)`` in batches of ``batch_size``."""
    for _ in range(int(epochs)):
        perm = torch.randperm(n, generator=generator)
        for start in range(0, n, int(batch_size)):
            yield perm[start:start + int(batch_size)]


def train(net: torch.nn.Module, X: torch.Tensor, Y: torch.Tensor, loss, *, epochs: int, batch_size: int,
          lr: float, weight_decay: float, seed: int) -> torch.nn.Module:
    """Adam on ``loss(net(X[idx]), Y[idx])`` over ``epochs`` shuffled passes of mini-batches; returns ``net`` in
    eval mode. Call it inside ``seeded(seed)`` right after building ``net``, so a fit is reproducible."""
    gen = torch.Generator().manual_seed(int(seed))
    opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=weight_decay)
    net.train()
    for idx in minibatches(len(X), batch_size, epochs, gen):
        opt.zero_grad()
        loss(net(X[idx]), Y[idx]).backward()
        opt.step()
    return net.eval()


def mlp(d_in: int, hidden, d_out: int, dropout: float = 0.0) -> torch.nn.Sequential:
    layers, d = [], d_in
    for h in hidden:
        layers += [torch.nn.Linear(d, int(h)), torch.nn.ReLU()]
        if dropout:
            layers.append(torch.nn.Dropout(dropout))
        d = int(h)
    layers.append(torch.nn.Linear(d, d_out))
    return torch.nn.Sequential(*layers)


def eval_batched(fn, X: torch.Tensor, batch: int = 65536) -> np.ndarray:
    with torch.no_grad():
        return torch.cat([fn(X[s:s + batch]) for s in range(0, len(X), batch)]).double().numpy()
