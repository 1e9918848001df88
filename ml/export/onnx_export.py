"""Export of the trained network to ONNX, and the torch ↔ onnxruntime parity check."""

import logging
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from ml.export.model import SentimentNet

log = logging.getLogger(__name__)

PARITY_TOLERANCE = 1e-5
OPSET = 17


def export_onnx(model: SentimentNet, path: Path) -> None:
    """Write the graph with inputs ``input_ids`` [batch, seq] and ``lengths``
    [batch] (both int64, dynamic) and output ``logits`` [batch, 3]."""
    model.eval()
    example_ids = torch.full((2, 7), model.config.pad_id, dtype=torch.int64)
    example_ids[:, :5] = 5
    example_lengths = torch.tensor([5, 3], dtype=torch.int64)

    # NOTE: the exporter warns that LSTMs with a variable batch may break; the
    # graph carries no fixed initial states, and the parity check runs batch
    # sizes 1 to 24 to prove it.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Exporting a model to ONNX with a batch_size")
        _export(model, (example_ids, example_lengths), path)


def _export(model: SentimentNet, example: tuple[torch.Tensor, torch.Tensor], path: Path) -> None:
    torch.onnx.export(
        model,
        example,
        str(path),
        input_names=["input_ids", "lengths"],
        output_names=["logits"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "seq"},
            "lengths": {0: "batch"},
            "logits": {0: "batch"},
        },
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


def random_batches(vocab_size: int, pad_id: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Batches of mixed lengths, including length 1 and one extra-padded batch."""
    rng = np.random.default_rng(seed)
    batches = []
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


def parity_max_abs_diff(
    model: SentimentNet, path: Path, batches: Sequence[tuple[np.ndarray, np.ndarray]]
) -> float:
    """Largest absolute logit difference between torch and onnxruntime."""
    session = open_session(path)
    model.eval()
    worst = 0.0
    for ids, lengths in batches:
        with torch.no_grad():
            expected = model(torch.from_numpy(ids), torch.from_numpy(lengths)).numpy()
        (actual,) = session.run(["logits"], {"input_ids": ids, "lengths": lengths})
        worst = max(worst, float(np.abs(expected - actual).max()))

    return worst


def check_parity(
    model: SentimentNet, path: Path, batches: Sequence[tuple[np.ndarray, np.ndarray]]
) -> float:
    worst = parity_max_abs_diff(model, path, batches)
    log.info("parity max_abs_diff=%.3g batches=%d", worst, len(batches))
    if worst > PARITY_TOLERANCE:
        raise RuntimeError(f"ONNX logits differ from torch by {worst:.3g} > {PARITY_TOLERANCE}")

    return worst
