"""Export of the trained network to ONNX, and the torch ↔ onnxruntime parity check."""

import logging
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from ml.export.ensemble import EnsembleNet
from ml.export.model import SentimentNet

log = logging.getLogger(__name__)

PARITY_TOLERANCE = 1e-5
OPSET = 17


Network = SentimentNet | EnsembleNet
Batch = tuple[np.ndarray, ...]

LSTM_INPUTS = ("input_ids", "lengths")
NGRAM_INPUTS = ("ngram_ids", "ngram_counts")


def input_names(model: Network) -> tuple[str, ...]:
    return LSTM_INPUTS + NGRAM_INPUTS if isinstance(model, EnsembleNet) else LSTM_INPUTS


def export_onnx(model: Network, path: Path) -> None:
    """Write the graph with inputs ``input_ids`` [batch, seq] and ``lengths``
    [batch] (both int64, dynamic), for an ensemble also ``ngram_ids`` int64
    and ``ngram_counts`` float32 [batch, ngrams], and output ``logits``
    [batch, 3]."""
    model.eval()
    example_ids = torch.full((2, 7), model.config.pad_id, dtype=torch.int64)
    example_ids[:, :5] = 5
    example_lengths = torch.tensor([5, 3], dtype=torch.int64)
    example: tuple[torch.Tensor, ...] = (example_ids, example_lengths)
    if isinstance(model, EnsembleNet):
        example += (torch.tensor([[3, 9, 0], [4, 0, 0]]), torch.tensor([[1.0, 2.0, 0.0]] * 2))

    # NOTE: the exporter warns that LSTMs with a variable batch may break; the
    # graph carries no fixed initial states, and the parity check runs batch
    # sizes 1 to 24 to prove it.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Exporting a model to ONNX with a batch_size")
        _export(model, example, path)


def _export(model: Network, example: tuple[torch.Tensor, ...], path: Path) -> None:
    names = input_names(model)
    axes = {
        "input_ids": {0: "batch", 1: "seq"},
        "lengths": {0: "batch"},
        "ngram_ids": {0: "batch", 1: "ngrams"},
        "ngram_counts": {0: "batch", 1: "ngrams"},
        "logits": {0: "batch"},
    }
    torch.onnx.export(
        model,
        example,
        str(path),
        input_names=list(names),
        output_names=["logits"],
        dynamic_axes={name: axes[name] for name in [*names, "logits"]},
        opset_version=OPSET,
        dynamo=False,
    )


def open_session(path: Path) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def pad_batch(sequences: Sequence[Sequence[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.array([max(len(s), 1) for s in sequences], dtype=np.int64)
    ids = np.full((len(sequences), int(lengths.max())), pad_id, dtype=np.int64)
    for row, sequence in enumerate(sequences):
        ids[row, : len(sequence)] = sequence

    return ids, lengths


def random_batches(vocab_size: int, pad_id: int, seed: int) -> list[Batch]:
    """Batches of mixed lengths, including length 1 and one extra-padded batch."""
    rng = np.random.default_rng(seed)
    batches: list[Batch] = []
    for batch_size, longest in [(1, 1), (1, 40), (5, 17), (16, 300)]:
        lengths = rng.integers(1, longest + 1, size=batch_size)
        lengths[0] = longest
        sequences = [rng.integers(2, vocab_size, size=n).tolist() for n in lengths]
        batches.append(pad_batch(sequences, pad_id))

    ids, lengths = batches[2]
    padded = np.full((ids.shape[0], ids.shape[1] + 9), pad_id, dtype=np.int64)
    padded[:, : ids.shape[1]] = ids
    batches.append((padded, lengths))

    return batches


def parity_max_abs_diff(model: Network, path: Path, batches: Sequence[Batch]) -> float:
    """Largest absolute logit difference between torch and onnxruntime; each
    batch holds the graph's inputs in order."""
    session = open_session(path)
    names = input_names(model)
    model.eval()
    worst = 0.0
    for batch in batches:
        with torch.no_grad():
            expected = model(*(torch.from_numpy(part) for part in batch)).numpy()
        (actual,) = session.run(["logits"], dict(zip(names, batch, strict=True)))
        worst = max(worst, float(np.abs(expected - actual).max()))

    return worst


def check_parity(model: Network, path: Path, batches: Sequence[Batch]) -> float:
    worst = parity_max_abs_diff(model, path, batches)
    log.info("parity max_abs_diff=%.3g batches=%d", worst, len(batches))
    if worst > PARITY_TOLERANCE:
        raise RuntimeError(f"ONNX logits differ from torch by {worst:.3g} > {PARITY_TOLERANCE}")

    return worst


def with_random_ngrams(batches: Sequence[Batch], buckets: int, seed: int) -> list[Batch]:
    """The batches with random n-gram inputs added, some rows without any."""
    rng = np.random.default_rng(seed)
    extended: list[Batch] = []
    for ids, lengths in batches:
        width = int(rng.integers(1, 60))
        ngram_ids = rng.integers(0, buckets, size=(len(ids), width), dtype=np.int64)
        counts = rng.integers(0, 4, size=(len(ids), width)).astype(np.float32)
        counts[0, :] = 0.0
        extended.append((ids, lengths, ngram_ids, counts))

    return extended
