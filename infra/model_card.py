"""The model card (`model.json`) as the service shows it."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from ml.runtime.artifacts import CARD_FILE, default_model_dir

logger = logging.getLogger(__name__)


def read_model_card(model_dir: Path | None = None) -> dict[str, Any] | None:
    """The parsed card, or None when no usable model is installed."""
    path = (model_dir or default_model_dir()) / CARD_FILE
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        logger.warning("no model card path=%s", path)
        return None
    except (OSError, json.JSONDecodeError) as error:
        logger.error("model card unreadable path=%s error=%s", path, error)
        return None

    if not isinstance(card, dict):
        logger.error("model card is not an object path=%s", path)
        return None

    return card
