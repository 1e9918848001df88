"""The training objective shared by the LSTM and the linear n-gram model."""

from collections.abc import Sequence

import torch
from torch.nn import functional

from ml.export.data import Example, classes_of

_MISSING_CLASS_FILL = -1e4


def class_weights(examples: Sequence[Example]) -> dict[tuple[str, int], float]:
    """Inverse class frequency within each source, so every class of a
    source weighs the same in total."""
    counts: dict[tuple[str, int], int] = {}
    for e in examples:
        counts[(e.source, e.label)] = counts.get((e.source, e.label), 0) + 1

    weights = {}
    for (source, label), count in counts.items():
        total = sum(n for (s, _), n in counts.items() if s == source)
        present = sum(1 for (s, _) in counts if s == source)
        weights[(source, label)] = total / (present * count)

    return weights


def class_masks(examples: Sequence[Example]) -> torch.Tensor:
    mask = torch.zeros(len(examples), 3)
    for row, e in enumerate(examples):
        mask[row, list(classes_of(e.source))] = 1.0
    return mask


def source_masked_loss(
    logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor, weights: torch.Tensor
) -> torch.Tensor:
    """Weighted cross-entropy over the classes each row's source has: a
    review set without neutral only teaches negative vs positive."""
    masked = logits + (1.0 - mask) * _MISSING_CLASS_FILL
    losses = functional.cross_entropy(masked, labels, reduction="none")

    return (losses * weights).sum() / weights.sum()
