"""Where the model lives on disk and what its model card promises."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ml.runtime.errors import ModelArtifactsError

MODEL_DIR_ENV = "TONALITY_MODEL_DIR"
ONNX_FILE = "sentiment.onnx"
TOKENIZER_FILE = "tokenizer.json"
CARD_FILE = "model.json"
LABELS = ("negative", "neutral", "positive")

Truncation = Literal["head", "tail", "head_tail"]
TRUNCATION_RULES: tuple[Truncation, ...] = ("head", "tail", "head_tail")


def default_model_dir() -> Path:
    """The directory named by ``TONALITY_MODEL_DIR``, else the repo's ``models/``."""
    override = os.environ.get(MODEL_DIR_ENV)
    if override:
        return Path(override)

    return Path(__file__).resolve().parents[2] / "models"


@dataclass(frozen=True, slots=True)
class ModelCard:
    """The fields of ``model.json`` the runtime depends on, checked at load.

    ``truncation`` says which tokens of a text longer than ``max_length``
    are kept: ``head`` the first ``max_length`` (the default), ``tail`` the
    last ones, ``head_tail`` the first and last halves.
    """

    version: str
    labels: tuple[str, ...]
    max_length: int
    pad_id: int
    truncation: Truncation = "head"
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

        card = cls(
            version=str(raw["version"]),
            labels=tuple(raw["labels"]),
            max_length=int(raw["max_length"]),
            pad_id=int(raw["pad_id"]),
            truncation=_truncation_rule(raw.get("truncation"), path),
            raw=raw,
        )
        card._check(path)

        return card

    def _check(self, path: Path) -> None:
        if self.labels != LABELS:
            raise ModelArtifactsError(
                f"model card {path} has labels {list(self.labels)}; "
                f"the runtime expects {list(LABELS)} in that order"
            )
        if self.max_length < 2:
            raise ModelArtifactsError(f"model card {path} has max_length {self.max_length}")


def _truncation_rule(value: Any, path: Path) -> Truncation:
    """Read the rule as a name, or as an object with a ``strategy``/``rule`` name."""
    if value is None:
        return "head"
    if isinstance(value, dict):
        value = value.get("strategy", value.get("rule"))

    for rule in TRUNCATION_RULES:
        if value == rule:
            return rule

    raise ModelArtifactsError(
        f"model card {path} has truncation {value!r}; "
        f"known rules are: {', '.join(TRUNCATION_RULES)}"
    )


def require_files(model_dir: Path) -> None:
    """Fail with the list of missing artifacts rather than a deep load error."""
    missing = [
        name for name in (ONNX_FILE, TOKENIZER_FILE, CARD_FILE) if not (model_dir / name).is_file()
    ]
    if missing:
        raise ModelArtifactsError(
            f"model directory {model_dir} lacks {', '.join(missing)}; "
            f"set {MODEL_DIR_ENV} or pass the directory that holds the exported model"
        )
