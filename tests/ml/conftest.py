import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def ru_data_dir() -> Path:
    """The Russian CSVs: ``TONALITY_RU_DATA`` or ``../shared/datasets/ru``."""
    path = Path(os.environ.get("TONALITY_RU_DATA", REPO.parent / "shared" / "datasets" / "ru"))
    if not (path / "rusentitweet_train.csv").exists():
        pytest.skip(f"Russian data sets not found at {path}")
    return path


@pytest.fixture(scope="session")
def committed_model_dir() -> Path:
    return REPO / "models"
