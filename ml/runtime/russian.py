"""The Russian member: a fine-tuned sentence encoder mixed into Russian rows.

A model card with a ``russian_encoder`` section ships a second graph
(``russian.onnx``) and the sentencepiece model that cuts text into its
pieces. For a text the runtime counts as Russian
(:func:`ml.runtime.text.detect_language` of its normalised form), the
probabilities are

    softmax((log_softmax(logits) + weight * log_probs) / temperature)

where ``logits`` are the main graph's and ``log_probs`` the member's; the
weight and the temperature were chosen on validation when the member was
trained (``ml.export.russian``). English texts never reach the member, so
their scores are the main graph's alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort
import sentencepiece

from ml.runtime.artifacts import RussianMember

# Texts per run of the member graph. Its intermediate tensors are
# [texts, pieces, 1,280] floats, 21 MB for 32 texts of 128 pieces, so a
# smaller run bounds memory; past a few texts, larger runs are not faster,
# since the graph is bound by its matrix products.
MEMBER_BATCH = 8


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)

    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


class RussianEncoder:
    """Cuts texts into pieces and mixes the member's verdict into logits."""

    def __init__(self, model_dir: Path, member: RussianMember, options: ort.SessionOptions) -> None:
        self.member = member
        self._cutter = sentencepiece.SentencePieceProcessor(
            model_file=str(model_dir / member.pieces_file)
        )
        self._session = ort.InferenceSession(
            str(model_dir / member.file), sess_options=options, providers=["CPUExecutionProvider"]
        )

    def pieces(self, normalized: Sequence[str]) -> list[np.ndarray]:
        """Each text's piece ids between bos and eos, cut at ``max_pieces``
        (as in training, a longer text loses its eos with its tail)."""
        if not normalized:
            # An empty batch would still cost sentencepiece about 0.1 ms.
            return []
        # One thread, as for the graphs: more cores are used by more processes.
        cut = self._cutter.encode(list(normalized), add_bos=True, add_eos=True, num_threads=1)

        return [np.array(ids[: self.member.max_pieces], dtype=np.int64) for ids in cut]

    def mix(self, logits: np.ndarray, pieces: Sequence[np.ndarray]) -> np.ndarray:
        """Probabilities of rows whose main-graph ``logits`` and pieces are given."""
        mixed = _log_softmax(logits) + self.member.weight * self.log_probs(pieces)
        mixed /= self.member.temperature

        return np.exp(_log_softmax(mixed))

    def log_probs(self, pieces: Sequence[np.ndarray]) -> np.ndarray:
        """The member's own log-probabilities ``[len(pieces), 3]``."""
        return np.concatenate(
            [
                self._run(pieces[start : start + MEMBER_BATCH])
                for start in range(0, len(pieces), MEMBER_BATCH)
            ]
        )

    def _run(self, pieces: Sequence[np.ndarray]) -> np.ndarray:
        lengths = np.array([len(p) for p in pieces], dtype=np.int64)
        piece_ids = np.zeros((len(pieces), int(lengths.max())), dtype=np.int64)
        for row, ids in enumerate(pieces):
            piece_ids[row, : len(ids)] = ids
        (log_probs,) = self._session.run(
            ["log_probs"], {"piece_ids": piece_ids, "lengths": lengths}
        )

        return log_probs
