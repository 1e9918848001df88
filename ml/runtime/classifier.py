"""Sentiment classification with onnxruntime: the serving side of the model.

The classifier loads the exported artifacts once and is safe to share
between threads; onnxruntime sessions run concurrently by design.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from ml.runtime.artifacts import (
    CARD_FILE,
    ONNX_FILE,
    TOKENIZER_FILE,
    ModelCard,
    default_model_dir,
    require_files,
)
from ml.runtime.chunking import plan_chunks
from ml.runtime.errors import EmptyTextError
from ml.runtime.ngrams import clip_text, hash_ngrams
from ml.runtime.russian import RussianEncoder
from ml.runtime.text import Language, detect_language, normalize, split_words

logger = logging.getLogger(__name__)

# Texts per onnxruntime call: past 8–32 rows texts per second no longer
# rise, and past 32 they fall (bench_runtime.py).
DEFAULT_MAX_BATCH_SIZE = 32


@dataclass(frozen=True, slots=True)
class Prediction:
    """The model's verdict on one text; ``scores`` sum to 1."""

    label: str
    scores: dict[str, float]
    language: Language
    model_version: str


@dataclass(frozen=True, slots=True)
class EncodedText:
    """A text as the graph reads it: token ids cut by the card's rule, the
    normalised text its n-grams are hashed from and, for a Russian text when
    the model has a Russian member, that member's piece ids."""

    token_ids: np.ndarray
    normalized: str
    pieces: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.token_ids)


class WordWeight(NamedTuple):
    """How much one word of a text pushed the model towards its label.

    ``weight`` is the drop in the predicted label's probability when the
    word is left out: positive means the word supports the label, negative
    means it argues against it, about zero means it did not matter.
    """

    word: str
    weight: float


# NOTE: one thread per session by default. Each LSTM step multiplies a
# [rows × 128] block by a [128 × 512] matrix, too little work to split: on
# 2 cores, 2 intra-op threads were no faster than 1 at batch 1 or 32 and
# slower whenever the other core was busy (bench_runtime.py). More cores
# are used by more server processes, each with its own classifier.
DEFAULT_INTRA_OP_THREADS = 1


def session_options(intra_op_threads: int) -> ort.SessionOptions:
    """One pool of ``intra_op_threads`` for the kernels, nodes run in order.

    The graph is a chain, so an inter-op pool would only add threads that
    compete with the intra-op ones.
    """
    options = ort.SessionOptions()
    options.intra_op_num_threads = intra_op_threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL

    # NOTE: idle pool threads would otherwise spin for work and burn the
    # cores that other workers and requests on this host need.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")

    return options


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)

    return exp / exp.sum(axis=1, keepdims=True)


class Classifier:
    """Label texts as negative, neutral or positive and explain the labels.

    Args:
        model_dir: holds ``sentiment.onnx``, ``tokenizer.json`` and
            ``model.json``, and the files of the card's Russian member if it
            names one; defaults to ``TONALITY_MODEL_DIR`` or the repo's
            ``models/``.
        intra_op_threads: onnxruntime threads for one inference call.
        max_batch_size: texts per onnxruntime call; longer lists are split.
        russian_encoder: load the card's Russian member, if it has one;
            ``False`` gives the main graph alone (to train a new member).

    Raises:
        ModelArtifactsError: a file is missing or the model card is unusable.
    """

    def __init__(
        self,
        model_dir: Path | str | None = None,
        *,
        intra_op_threads: int = DEFAULT_INTRA_OP_THREADS,
        max_batch_size: int = DEFAULT_MAX_BATCH_SIZE,
        russian_encoder: bool = True,
    ) -> None:
        self.model_dir = Path(model_dir) if model_dir is not None else default_model_dir()
        require_files(self.model_dir)

        self.card = ModelCard.load(self.model_dir / CARD_FILE)
        self.max_batch_size = max(1, max_batch_size)
        self.intra_op_threads = max(1, intra_op_threads)
        self._tokenizer = self._load_tokenizer()
        self._pad_only = np.array([self.card.pad_id], dtype=np.int64)

        options = session_options(self.intra_op_threads)
        self._session = ort.InferenceSession(
            str(self.model_dir / ONNX_FILE),
            sess_options=options,
            providers=["CPUExecutionProvider"],
        )
        self._russian: RussianEncoder | None = None
        if russian_encoder and self.card.russian is not None:
            require_files(self.model_dir, self.card.russian.files)
            # NOTE: without the arena the member's large intermediate tensors
            # go back to the system after each call: a 1-thread classifier
            # peaked at 335 MB instead of 422 on Russian reviews, at the same
            # speed (bench_runtime.py measures the speed).
            member_options = session_options(self.intra_op_threads)
            member_options.enable_cpu_mem_arena = False
            self._russian = RussianEncoder(self.model_dir, self.card.russian, member_options)
        logger.info(
            "classifier loaded model_version=%s model_dir=%s intra_op_threads=%d russian_member=%s",
            self.version,
            self.model_dir,
            self.intra_op_threads,
            self._russian is not None,
        )

    @property
    def version(self) -> str:
        return self.card.version

    @property
    def labels(self) -> tuple[str, ...]:
        return self.card.labels

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Classify each text; the result is in the order of ``texts``.

        Raises:
            EmptyTextError: a text is empty or only whitespace; nothing
                of the batch is classified then.
        """
        probabilities = self.probabilities(self.encode(texts))

        return [self._prediction(text, row) for text, row in zip(texts, probabilities, strict=True)]

    def explain(self, text: str) -> list[WordWeight]:
        """Weigh each word of ``text`` (see :class:`WordWeight`) by occlusion.

        Every word is left out in turn and all variants are scored in one
        batched run. Words the token truncation rule cuts away weigh
        exactly 0: they are not scored, although the n-gram half of an
        ensemble model still sees them (up to the card's ``max_chars``).

        Raises:
            EmptyTextError: the text is empty or only whitespace.
        """
        words = split_words(text)
        base = self.encode([text])[0]
        reachable = self._reachable_words(len(words))
        variants = self._tokenize(
            [normalize(" ".join(words[j] for j in reachable if j != i)) for i in reachable]
        )

        probabilities = self.probabilities([base, *variants])
        label = int(probabilities[0].argmax())
        weights = np.zeros(len(words))
        weights[reachable] = probabilities[0, label] - probabilities[1:, label]

        return [
            WordWeight(word, float(weight)) for word, weight in zip(words, weights, strict=True)
        ]

    def encode(self, texts: Sequence[str]) -> list[EncodedText]:
        """Each text normalised, tokenized and cut to the model's maximum.

        Raises:
            EmptyTextError: a text is empty or only whitespace.
        """
        if isinstance(texts, str):
            raise TypeError("pass a sequence of texts, not a single string")

        normalized = [normalize(text) for text in texts]
        for index, text in enumerate(normalized):
            if not text:
                raise EmptyTextError(
                    f"text {index} is empty or only whitespace; send at least one word"
                )

        return self._tokenize(normalized)

    def probabilities(self, encoded: Sequence[EncodedText]) -> np.ndarray:
        """Class probabilities, shape ``[len(encoded), 3]``, in input order.

        Texts are sorted by length and run in calls of similar lengths
        (see :mod:`ml.runtime.chunking`), so short texts are not padded to
        the size of a long one.
        """
        result = np.empty((len(encoded), len(self.labels)), dtype=np.float64)
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        lengths = [len(encoded[i]) for i in order]

        for chunk in plan_chunks(lengths, self.max_batch_size):
            rows = order[chunk.start : chunk.stop]
            result[rows] = self._run([encoded[i] for i in rows])

        return result

    def _reachable_words(self, count: int) -> list[int]:
        """Indices of the words whose removal can change the tokens kept.

        Every word is at least one token, so leaving out a word lets at
        most one more word in across each cut; words further away never
        reach the model and need not be scored.
        """
        head, tail = self.card.head_tokens, self.card.tail_tokens
        if head + tail + 2 >= count:
            return list(range(count))

        first = range(head + 1) if head else range(0)
        last = range(count - tail - 1, count) if tail else range(0)

        return [*first, *last]

    def _run(self, encoded: Sequence[EncodedText]) -> np.ndarray:
        lengths = np.array([len(text) for text in encoded], dtype=np.int64)
        input_ids = np.full((len(encoded), lengths.max()), self.card.pad_id, dtype=np.int64)
        for row, text in enumerate(encoded):
            input_ids[row, : len(text)] = text.token_ids

        inputs = {"input_ids": input_ids, "lengths": lengths}
        if self.card.ngram_buckets:
            clipped = [clip_text(t.normalized, self.card.ngram_max_chars) for t in encoded]
            ids, counts = hash_ngrams(clipped, self.card.ngram_buckets)
            inputs |= {"ngram_ids": ids, "ngram_counts": counts}
        (logits,) = self._session.run(["logits"], inputs)
        probabilities = _softmax(logits)

        pieces = {row: text.pieces for row, text in enumerate(encoded) if text.pieces is not None}
        if self._russian is not None and pieces:
            rows = list(pieces)
            probabilities[rows] = self._russian.mix(logits[rows], list(pieces.values()))

        return probabilities

    def _tokenize(self, normalized: Sequence[str]) -> list[EncodedText]:
        encodings = self._tokenizer.encode_batch(
            list(normalized), add_special_tokens=self.card.add_special_tokens
        )
        token_ids = [self.card.truncate(np.array(e.ids, dtype=np.int64)) for e in encodings]
        pieces: list[np.ndarray | None] = [None] * len(normalized)
        if self._russian is not None:
            russian = [i for i, text in enumerate(normalized) if detect_language(text) == "ru"]
            cut = self._russian.pieces([normalized[i] for i in russian])
            for i, ids in zip(russian, cut, strict=True):
                pieces[i] = ids

        # A text the tokenizer maps to nothing (an occlusion variant with no
        # word left) still needs one LSTM step: a lone pad, as in training.
        return [
            EncodedText(ids if len(ids) else self._pad_only, text, cut_pieces)
            for ids, text, cut_pieces in zip(token_ids, normalized, pieces, strict=True)
        ]

    def _prediction(self, text: str, probabilities: np.ndarray) -> Prediction:
        scores = {label: float(p) for label, p in zip(self.labels, probabilities, strict=True)}

        return Prediction(
            label=self.labels[int(probabilities.argmax())],
            scores=scores,
            language=detect_language(text),
            model_version=self.version,
        )

    def _load_tokenizer(self) -> Tokenizer:
        tokenizer = Tokenizer.from_file(str(self.model_dir / TOKENIZER_FILE))
        tokenizer.no_padding()
        tokenizer.no_truncation()

        return tokenizer
