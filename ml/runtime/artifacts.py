"""Where the model lives on disk and what its model card promises."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ml.runtime.errors import ModelArtifactsError

MODEL_DIR_ENV = "TONALITY_MODEL_DIR"
ONNX_FILE = "sentiment.onnx"
TOKENIZER_FILE = "tokenizer.json"
CARD_FILE = "model.json"
LABELS = ("negative", "neutral", "positive")

TRUNCATION_RULES = ("head", "tail", "head_tail")


@dataclass(frozen=True, slots=True)
class RussianMember:
    """The ``russian_encoder`` section of a model card: the member's graph
    and sentencepiece model, the weight and temperature of its mix (see
    ``ml.runtime.russian``) and how many pieces of a text it reads, bos
    included."""

    file: str
    pieces_file: str
    weight: float
    temperature: float
    max_pieces: int

    @classmethod
    def from_card(cls, raw: Any, card_path: Path) -> RussianMember | None:
        if raw is None:
            return None
        try:
            member = cls(
                file=str(raw["file"]),
                pieces_file=str(raw["pieces_file"]),
                weight=float(raw["weight"]),
                temperature=float(raw["temperature"]),
                max_pieces=int(raw["max_pieces"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ModelArtifactsError(
                f"model card {card_path} has an unusable russian_encoder section: {error!r}"
            ) from error
        if member.temperature <= 0 or member.max_pieces < 2 or member.weight < 0:
            raise ModelArtifactsError(
                f"model card {card_path}: russian_encoder needs temperature > 0, "
                f"max_pieces >= 2 and weight >= 0"
            )

        return member

    @property
    def files(self) -> tuple[str, str]:
        return self.file, self.pieces_file


def default_model_dir() -> Path:
    """The directory named by ``TONALITY_MODEL_DIR``, else the repo's ``models/``."""
    override = os.environ.get(MODEL_DIR_ENV)
    if override:
        return Path(override)

    return Path(__file__).resolve().parents[2] / "models"


@dataclass(frozen=True, slots=True)
class ModelCard:
    """The fields of ``model.json`` the runtime depends on, checked at load.

    A text longer than ``max_length`` tokens keeps its first ``head_tokens``
    and its last ``tail_tokens`` tokens, as the card's ``truncation`` says:
    ``head`` (the default when the card is silent) keeps only the start,
    ``tail`` only the end, ``head_tail`` both, half each unless the card
    gives ``head_tokens``. A card with ``ngrams`` belongs to a graph that
    also takes hashed n-grams (``ml.runtime.ngrams``) of at most
    ``max_chars`` characters of each text. A card with ``russian_encoder``
    ships a second graph for Russian texts (``ml.runtime.russian``).
    """

    version: str
    labels: tuple[str, ...]
    max_length: int
    pad_id: int
    head_tokens: int
    tail_tokens: int
    add_special_tokens: bool = True
    ngram_buckets: int = 0
    ngram_max_chars: int = 0
    russian: RussianMember | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls, path: Path) -> ModelCard:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise ModelArtifactsError(f"cannot read the model card {path}: {error}") from error

        missing = [key for key in ("version", "labels", "max_length", "pad_id") if key not in raw]
        if missing:
            raise ModelArtifactsError(f"model card {path} lacks {', '.join(missing)}")

        max_length = int(raw["max_length"])
        head, tail = _kept_tokens(raw.get("truncation"), max_length, path)
        ngrams = raw.get("ngrams") or {}
        card = cls(
            version=str(raw["version"]),
            labels=tuple(raw["labels"]),
            max_length=max_length,
            pad_id=int(raw["pad_id"]),
            head_tokens=head,
            tail_tokens=tail,
            add_special_tokens=bool(raw.get("tokenizer", {}).get("add_special_tokens", True)),
            ngram_buckets=int(ngrams.get("buckets", 0)),
            ngram_max_chars=int(ngrams.get("max_chars", 0)),
            russian=RussianMember.from_card(raw.get("russian_encoder"), path),
            raw=raw,
        )
        if card.labels != LABELS:
            raise ModelArtifactsError(
                f"model card {path} has labels {list(card.labels)}; "
                f"the runtime expects {list(LABELS)} in that order"
            )

        return card

    def truncate(self, ids: np.ndarray) -> np.ndarray:
        """Cut token ids longer than ``max_length`` by the card's rule."""
        if len(ids) <= self.max_length:
            return ids

        return np.concatenate([ids[: self.head_tokens], ids[len(ids) - self.tail_tokens :]])


def _kept_tokens(truncation: Any, max_length: int, path: Path) -> tuple[int, int]:
    """Head and tail token counts from a rule name or a ``{"strategy": ...}`` object."""
    spec = truncation if isinstance(truncation, dict) else {"strategy": truncation or "head"}
    strategy = spec.get("strategy")

    if strategy == "head":
        head = max_length
    elif strategy == "tail":
        head = 0
    elif strategy == "head_tail":
        head = int(spec.get("head_tokens", max_length // 2))
    else:
        raise ModelArtifactsError(
            f"model card {path} has truncation {strategy!r}; "
            f"known rules are: {', '.join(TRUNCATION_RULES)}"
        )

    tail = int(spec.get("tail_tokens", max_length - head))
    if head < 0 or tail < 0 or head + tail != max_length or max_length < 1:
        raise ModelArtifactsError(
            f"model card {path} keeps {head} head and {tail} tail tokens; "
            f"they must be non-negative and add up to max_length {max_length}"
        )

    return head, tail


def require_files(
    model_dir: Path, names: Sequence[str] = (ONNX_FILE, TOKENIZER_FILE, CARD_FILE)
) -> None:
    """Fail with the list of missing artifacts rather than a deep load error;
    ``names`` defaults to the main graph's files."""
    missing = [name for name in names if not (model_dir / name).is_file()]
    if missing:
        raise ModelArtifactsError(
            f"model directory {model_dir} lacks {', '.join(missing)}; "
            f"set {MODEL_DIR_ENV} or pass the directory that holds the exported model"
        )
