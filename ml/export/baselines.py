"""Reference models the LSTM has to beat, scored on the same test sets."""

import logging
from collections.abc import Sequence

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from ml.export.data import Example
from ml.export.metrics import report_labels
from ml.runtime.text import normalize

log = logging.getLogger(__name__)

# Thresholds on VADER's compound score recommended by its authors.
VADER_NEUTRAL_BAND = 0.05


def _by_source(examples: Sequence[Example]) -> dict[str, list[Example]]:
    groups: dict[str, list[Example]] = {}
    for example in examples:
        groups.setdefault(example.source, []).append(example)
    return groups


def tfidf_logistic_regression(train: Sequence[Example], test: Sequence[Example], seed: int) -> dict:
    """Word 1–2-gram plus character 2–5-gram TF-IDF (sublinear tf) with
    logistic regression, one model per source trained on its training split."""
    results = {}
    train_groups = _by_source(train)
    for source, test_rows in _by_source(test).items():
        train_rows = train_groups[source]
        words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        chars = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 5),
            sublinear_tf=True,
            min_df=3,
            max_features=400_000,
        )
        train_texts = [normalize(e.text) for e in train_rows]
        test_texts = [normalize(e.text) for e in test_rows]
        x_train = hstack([words.fit_transform(train_texts), chars.fit_transform(train_texts)])
        x_test = hstack([words.transform(test_texts), chars.transform(test_texts)])

        model = LogisticRegression(C=4.0, max_iter=2000, random_state=seed)
        model.fit(x_train.tocsr(), [e.label for e in train_rows])
        predicted = model.predict(x_test.tocsr())

        results.update(report_labels(test_rows, np.asarray(predicted)))
        log.info("baseline tfidf_lr source=%s accuracy=%.4f", source, results[source]["accuracy"])

    return results


def _english(test: Sequence[Example]) -> list[Example]:
    return [e for e in test if e.language == "en"]


def _label_from_score(score: float, three_class: bool, band: float) -> int:
    if three_class and abs(score) < band:
        return 1
    return 2 if score >= 0 else 0


def vader(test: Sequence[Example]) -> dict:
    """VADER's compound score: ±0.05 band is neutral on three-class sets; on
    binary sets only the sign counts."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    rows = _english(test)
    predicted = [
        _label_from_score(
            analyzer.polarity_scores(e.text)["compound"],
            e.source == "tweets_en",
            VADER_NEUTRAL_BAND,
        )
        for e in rows
    ]

    return report_labels(rows, np.asarray(predicted))


def textblob(test: Sequence[Example]) -> dict:
    """TextBlob's pattern polarity: exactly 0 is neutral on three-class sets;
    on binary sets only the sign counts."""
    from textblob import TextBlob

    rows = _english(test)
    predicted = [
        _label_from_score(TextBlob(e.text).sentiment.polarity, e.source == "tweets_en", 1e-9)
        for e in rows
    ]

    return report_labels(rows, np.asarray(predicted))
