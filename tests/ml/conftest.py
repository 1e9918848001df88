import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def ru_data_dir() -> Path:
    """The Russian CSVs: ``TONALITY_RU_DATA`` or ``../shared/datasets/ru``."""
    path = Path(os.environ.get("TONALITY_RU_DATA", REPO.parent / "shared" / "datasets" / "ru"))
    if not (path / "rusentitweet_train.csv").exists():
        # CI always has ../shared beside the project: there a missing set
        # must fail the run, not quietly skip the training tests.
        if os.environ.get("TONALITY_REQUIRE_RU_DATA"):
            pytest.fail(f"Russian data sets not found at {path}")
        pytest.skip(f"Russian data sets not found at {path}")
    return path


@pytest.fixture(scope="session")
def committed_model_dir() -> Path:
    return REPO / "models"
