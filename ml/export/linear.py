"""The linear half of the ensemble: TF-IDF over hashed n-grams, one softmax.

Features are ``ml.runtime.ngrams.hash_ngrams`` (word 1–2-grams, character
2–5-grams within words). Like the TF-IDF baseline, a text's vector is
sublinear term frequency times inverse document frequency, L2-normalised;
unlike it, one model serves every source and language, trained with the
LSTM's objective (class weights per source, a loss over the classes each
source has), so reviews without a neutral class teach it nothing about
neutral.
"""

import logging
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional
from tqdm import tqdm

from ml.export.data import Example
from ml.export.objective import class_masks, class_weights, source_masked_loss
from ml.runtime.ngrams import clip_text, hash_ngrams
from ml.runtime.text import normalize

log = logging.getLogger(__name__)

FEATURE_CHUNK = 256


@dataclass(frozen=True)
class SparseRows:
    """Distinct n-gram buckets and their counts per text, CSR style."""

    indptr: np.ndarray
    ids: np.ndarray
    counts: np.ndarray

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def widths(self) -> np.ndarray:
        return np.diff(self.indptr)

    def padded(self, rows: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``[len(rows), F]`` ids and counts, as ``hash_ngrams`` returns them."""
        starts = self.indptr[rows]
        widths = self.indptr[np.asarray(rows) + 1] - starts
        width = max(int(widths.max(initial=0)), 1)
        columns = np.arange(width)
        inside = columns[None, :] < widths[:, None]
        positions = (starts[:, None] + columns[None, :])[inside]

        ids = np.zeros((len(rows), width), dtype=np.int64)
        counts = np.zeros((len(rows), width), dtype=np.float32)
        ids[inside] = self.ids[positions]
        counts[inside] = self.counts[positions]

        return ids, counts


def tfidf_values(rows: SparseRows, idf: np.ndarray) -> np.ndarray:
    """Per stored entry, its share of the text's L2-normalised sublinear TF-IDF
    vector: the numbers ``NgramLinear.forward`` computes from the counts."""
    values = (1.0 + np.log(rows.counts)) * idf[rows.ids]
    owner = np.repeat(np.arange(len(rows)), rows.widths())
    norms = np.sqrt(np.bincount(owner, weights=values.astype(np.float64) ** 2, minlength=len(rows)))

    return (values / np.maximum(norms, 1e-6)[owner]).astype(np.float32)


@dataclass(frozen=True)
class FlatBatch:
    """A batch for ``embedding_bag``: the distinct buckets it touches, and per
    entry the index into those, the text's offset and the TF-IDF value."""

    buckets: Tensor
    local_ids: Tensor
    offsets: Tensor
    values: Tensor


def flat_batch(rows: SparseRows, values: np.ndarray, batch: Sequence[int]) -> FlatBatch:
    starts = rows.indptr[batch]
    widths = rows.indptr[np.asarray(batch) + 1] - starts
    offsets = np.concatenate([[0], np.cumsum(widths)[:-1]])
    positions = np.repeat(starts - offsets, widths) + np.arange(int(widths.sum()))
    buckets, local_ids = np.unique(rows.ids[positions], return_inverse=True)

    return FlatBatch(
        torch.from_numpy(buckets.astype(np.int64)),
        torch.from_numpy(local_ids.astype(np.int64)),
        torch.from_numpy(offsets),
        torch.from_numpy(values[positions]),
    )


def featurize(examples: Sequence[Example], buckets: int, max_chars: int) -> SparseRows:
    """Hashed n-grams of every example's normalised, clipped text, as the
    runtime computes them."""
    ids, counts, widths = [], [], []
    for start in range(0, len(examples), FEATURE_CHUNK):
        chunk = examples[start : start + FEATURE_CHUNK]
        texts = [clip_text(normalize(e.text), max_chars) for e in chunk]
        chunk_ids, chunk_counts = hash_ngrams(texts, buckets)
        present = chunk_counts > 0
        ids.append(chunk_ids[present].astype(np.int32))
        counts.append(chunk_counts[present].astype(np.float32))
        widths.append(present.sum(axis=1))

    indptr = np.concatenate([[0], np.cumsum(np.concatenate(widths))]).astype(np.int64)

    return SparseRows(indptr, np.concatenate(ids), np.concatenate(counts))


def inverse_document_frequency(rows: SparseRows, buckets: int) -> np.ndarray:
    """Smoothed idf per bucket, ``ln((1 + n) / (1 + df)) + 1`` as scikit-learn has it."""
    document_frequency = np.bincount(rows.ids, minlength=buckets)

    return (np.log((1 + len(rows)) / (1 + document_frequency)) + 1.0).astype(np.float32)


def ngram_logits(rows: Tensor, idf: Tensor, counts: Tensor) -> Tensor:
    """Logits, without bias, from the table rows ``[batch, F, 3]`` and idf
    ``[batch, F]`` of a batch's n-grams and their counts ``[batch, F]``."""
    present = counts > 0
    tf = torch.where(present, 1.0 + torch.log(counts.clamp(min=1.0)), 0.0)
    values = tf * idf
    norm = values.square().sum(dim=1, keepdim=True).sqrt().clamp(min=1e-6)

    return (rows * (values / norm).unsqueeze(2)).sum(dim=1)


class NgramLinear(nn.Module):
    """Logits from a text's L2-normalised sublinear TF-IDF n-gram vector."""

    idf: Tensor

    def __init__(self, idf: np.ndarray) -> None:
        super().__init__()
        self.register_buffer("idf", torch.from_numpy(idf))
        self.weight = nn.Embedding(len(idf), 3, sparse=True)
        self.bias = nn.Parameter(torch.zeros(3))
        nn.init.zeros_(self.weight.weight)

    def forward(self, ngram_ids: Tensor, ngram_counts: Tensor) -> Tensor:
        rows, idf = self.weight(ngram_ids), self.idf[ngram_ids]

        return ngram_logits(rows, idf, ngram_counts) + self.bias

    def forward_flat(self, batch: FlatBatch, rows: Tensor) -> Tensor:
        """The same logits from precomputed ``tfidf_values``, for training;
        ``rows`` are the table rows of ``batch.buckets``, as a leaf tensor
        whose gradient the optimiser applies."""
        bags = functional.embedding_bag(
            batch.local_ids, rows, batch.offsets, mode="sum", per_sample_weights=batch.values
        )

        return bags + self.bias


def predict_linear(model: NgramLinear, rows: SparseRows, batch_size: int = 512) -> np.ndarray:
    model.eval()
    order = np.argsort(rows.widths(), kind="stable")
    logits = np.zeros((len(rows), 3), dtype=np.float32)
    with torch.no_grad():
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            ids, counts = rows.padded(chunk)
            logits[chunk] = model(torch.from_numpy(ids), torch.from_numpy(counts)).numpy()

    return logits


class LazyAdam:
    """Adam on the rows of an embedding table that a step touched.

    ``torch.optim.SparseAdam`` took 0.5 s a step on the 2²⁰-row table here,
    15 times the forward and backward passes, most of it coalescing the
    sparse gradient; this does the same update (moments of untouched rows
    are left alone) on the gradient of the gathered rows.
    """

    def __init__(self, table: Tensor, lr: float, betas: tuple[float, float] = (0.9, 0.999)):
        self.table = table
        self.lr = lr
        self.betas = betas
        self.first = torch.zeros_like(table)
        self.second = torch.zeros_like(table)
        self.steps = 0

    @torch.no_grad()
    def step(self, rows: Tensor, grads: Tensor) -> None:
        self.steps += 1
        beta1, beta2 = self.betas

        first = self.first[rows].mul_(beta1).add_(grads, alpha=1 - beta1)
        second = self.second[rows].mul_(beta2).addcmul_(grads, grads, value=1 - beta2)
        self.first[rows], self.second[rows] = first, second

        correction1 = 1 - beta1**self.steps
        correction2 = 1 - beta2**self.steps
        denominator = (second / correction2).sqrt_().add_(1e-8)
        self.table[rows] -= self.lr / correction1 * first / denominator


@dataclass(frozen=True)
class LinearSettings:
    buckets: int
    epochs: int = 6
    lr: float = 0.02
    batch_size: int = 128
    seed: int = 13


def train_linear(
    settings: LinearSettings,
    train: tuple[Sequence[Example], SparseRows],
    val: tuple[Sequence[Example], SparseRows],
    score: Callable[[np.ndarray], float],
) -> tuple[NgramLinear, list[dict]]:
    """Fit the n-gram model; keeps the epoch with the best validation ``score``
    (a function of validation logits)."""
    train_rows, train_features = train
    _, val_features = val
    idf = inverse_document_frequency(train_features, settings.buckets)
    model = NgramLinear(idf)
    values = tfidf_values(train_features, idf)
    weights_of = class_weights(train_rows)
    labels = torch.tensor([e.label for e in train_rows])
    weights = torch.tensor([weights_of[(e.source, e.label)] for e in train_rows])
    masks = class_masks(train_rows)

    # Sparse gradients: a step touches only the buckets of its batch.
    table = LazyAdam(model.weight.weight.data, lr=settings.lr)
    bias = torch.optim.Adam([model.bias], lr=settings.lr)
    rng = random.Random(settings.seed)
    batches_per_epoch = math.ceil(len(train_rows) / settings.batch_size)
    total = batches_per_epoch * settings.epochs
    history: list[dict] = []
    best_score, best_state, step = -1.0, None, 0
    started = time.monotonic()

    for epoch in range(1, settings.epochs + 1):
        model.train()
        order = list(range(len(train_rows)))
        rng.shuffle(order)
        batches = [
            order[i : i + settings.batch_size] for i in range(0, len(order), settings.batch_size)
        ]
        for rows in tqdm(batches, desc=f"linear {epoch}", unit="batch", mininterval=10):
            rate = settings.lr * 0.5 * (1 + math.cos(math.pi * step / total))
            batch = flat_batch(train_features, values, rows)
            gathered = model.weight.weight.detach()[batch.buckets].requires_grad_()
            logits = model.forward_flat(batch, gathered)
            loss = source_masked_loss(logits, labels[rows], masks[rows], weights[rows])
            table.lr = bias.param_groups[0]["lr"] = rate
            bias.zero_grad()
            loss.backward()
            assert gathered.grad is not None
            table.step(batch.buckets, gathered.grad)
            bias.step()
            step += 1

        value = score(predict_linear(model, val_features))
        minutes = (time.monotonic() - started) / 60
        history.append({"epoch": epoch, "val_score": round(value, 4), "minutes": round(minutes, 2)})
        log.info("linear evaluated epoch=%d val_score=%.4f minutes=%.1f", epoch, value, minutes)
        if value > best_score:
            best_score = value
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}

    if best_state is not None:
        model.load_state_dict(best_state)

    return model, history
