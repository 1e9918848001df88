"""Scores of predictions against labels, per language and per source."""

import itertools
from collections.abc import Sequence

import numpy as np

from ml.export.data import LABELS, LANGUAGE_OF, Example, classes_of


def restrict_to_source_classes(probs: np.ndarray, source: str) -> np.ndarray:
    """Renormalise probabilities over the classes a source has, so a binary
    set is scored on negative vs positive only."""
    present = list(classes_of(source))
    restricted = np.zeros_like(probs)
    restricted[:, present] = probs[:, present]

    return restricted / restricted.sum(axis=1, keepdims=True)


def classification_scores(
    labels: np.ndarray, predicted: np.ndarray, classes: Sequence[int]
) -> dict:
    """Accuracy, macro-F1 over ``classes``, per-class F1 and the confusion
    matrix (rows: true label, columns: predicted; all three classes)."""
    confusion = np.zeros((3, 3), dtype=int)
    np.add.at(confusion, (labels, predicted), 1)

    f1 = {}
    for c in classes:
        true_pos = confusion[c, c]
        precision = true_pos / max(confusion[:, c].sum(), 1)
        recall = true_pos / max(confusion[c, :].sum(), 1)
        f1[LABELS[c]] = 0.0 if true_pos == 0 else 2 * precision * recall / (precision + recall)

    return {
        "n": len(labels),
        "accuracy": round(float((labels == predicted).mean()), 4),
        "macro_f1": round(float(np.mean(list(f1.values()))), 4),
        "f1": {name: round(float(value), 4) for name, value in f1.items()},
        "confusion": confusion.tolist(),
    }


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    error = 0.0
    for low, high in itertools.pairwise(edges):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            error += inside.mean() * abs(confidence[inside].mean() - correct[inside].mean())

    return round(float(error), 4)


def report_probabilities(examples: Sequence[Example], probs: np.ndarray) -> dict:
    """Scores per source and per language from three-class probabilities.

    Binary sources are scored after renormalising over negative / positive;
    their mean raw neutral probability is reported to show how often the
    model would call a review neutral.
    """
    sources = np.array([e.source for e in examples])
    labels = np.array([e.label for e in examples])
    report: dict[str, dict] = {"by_source": {}, "by_language": {}}
    language_predictions: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}

    for source in dict.fromkeys(sources.tolist()):
        rows = sources == source
        restricted = restrict_to_source_classes(probs[rows], source)
        predicted = restricted.argmax(axis=1)
        scores = classification_scores(labels[rows], predicted, classes_of(source))
        scores["ece"] = expected_calibration_error(restricted, labels[rows])
        scores["mean_p_neutral"] = round(float(probs[rows, 1].mean()), 4)
        report["by_source"][source] = scores
        language = LANGUAGE_OF[source]
        language_predictions.setdefault(language, []).append((labels[rows], predicted))

    for language, parts in language_predictions.items():
        truth = np.concatenate([p[0] for p in parts])
        predicted = np.concatenate([p[1] for p in parts])
        report["by_language"][language] = classification_scores(truth, predicted, (0, 1, 2))

    return report


def report_labels(examples: Sequence[Example], predicted: np.ndarray) -> dict:
    """Per-source scores for a baseline that outputs labels, not probabilities."""
    if not examples:
        return {}
    predicted = predicted.astype(np.int64)
    probs = np.full((len(examples), 3), 1e-6)
    probs[np.arange(len(examples)), predicted] = 1.0

    return {
        source: {k: v for k, v in scores.items() if k not in ("ece", "mean_p_neutral")}
        for source, scores in report_probabilities(examples, probs)["by_source"].items()
    }
