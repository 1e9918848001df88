"""Hashed word 1–2-grams and character 2–5-grams of normalised texts.

These are the features of the linear half of the model. They are computed
in numpy over a whole batch at once, with no Python loop per n-gram, so
they stay cheap beside the LSTM; training and serving share this code.

Words are maximal runs of letters, digits and ``_``. Character n-grams are
taken within words padded by one space on each side, as in scikit-learn's
``char_wb`` analyzer, so " хор" and "рошо " are features but n-grams never
span two words. Every n-gram is hashed (64-bit, wrapping arithmetic) into
one of ``buckets`` slots; ``buckets`` must be a power of two.
"""

from collections.abc import Sequence
from functools import cache

import numpy as np

CHAR_ORDERS = (2, 3, 4, 5)

# Of a longer text the n-grams see the first and the last half of this many
# characters, which bounds their cost; the IMDB median review has ~1,000.
DEFAULT_MAX_CHARS = 4096

_SPACE = 32
_PRIME = np.uint64(0x100000001B3)
_INVERSE = np.uint64(pow(0x100000001B3, -1, 1 << 64))
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_WORD_SALT = np.uint64(0xD6E8FEB86659FD93)
_PAIR_SALT = np.uint64(0xC2B2AE3D27D4EB4F)
_ORDER_SALT = np.uint64(0x165667B19E3779F9)
# Code points above the table (emoji and rarer scripts) never form words;
# they still form character n-grams.
_TABLE_SIZE = 0x10000


@cache
def _word_characters() -> np.ndarray:
    return np.array([chr(i).isalnum() or i == ord("_") for i in range(_TABLE_SIZE)])


def _slots(hashes: np.ndarray, bits: int) -> np.ndarray:
    """Multiplicative (Fibonacci) hashing: the top ``bits`` of ``h * φ·2⁶⁴``."""
    return ((hashes * _GOLDEN) >> np.uint64(64 - bits)).astype(np.int64)


def _code_points(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """All texts in one array, two spaces apart, and the text of each point.

    A text owns the space just before it, so the n-grams that start at a
    word's front padding are counted for the right text.
    """
    joined = "  " + "  ".join(texts) + "  "
    points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    sizes = np.array([len(text) + 2 for text in texts], dtype=np.int64)
    owner = np.repeat(np.arange(len(texts)), sizes)
    owner = np.concatenate([[0], owner, [max(len(texts) - 1, 0)]])

    return points, owner


def _char_ngram_keys(points: np.ndarray, owner: np.ndarray, bits: int) -> list[np.ndarray]:
    """``text * buckets + slot`` of every character n-gram inside padded words."""
    spaces = points == _SPACE
    spaces_before = np.concatenate([[0], np.cumsum(spaces)])
    keys = []
    value = points
    for order in range(2, max(CHAR_ORDERS) + 1):
        count = len(points) - order + 1
        value = value[:count] * _PRIME + points[order - 1 :]
        if order not in CHAR_ORDERS:
            continue

        # Inside an n-gram only its first and last characters may be spaces,
        # and a pair of spaces (the gap between two texts) is no n-gram.
        keep = spaces_before[order - 1 : count + order - 1] == spaces_before[1 : count + 1]
        if order == 2:
            keep &= ~(spaces[:count] & spaces[1:])

        slots = _slots(value + _ORDER_SALT * np.uint64(order), bits)
        keys.append(((owner[:count] << bits) + slots)[keep])

    return keys


def _word_ngram_keys(points: np.ndarray, owner: np.ndarray, bits: int) -> list[np.ndarray]:
    """``text * buckets + slot`` of words and of adjacent word pairs of one text."""
    table = _word_characters()
    inside = np.zeros(len(points), dtype=bool)
    small = points < _TABLE_SIZE
    inside[small] = table[points[small].astype(np.int64)]

    edges = np.diff(np.concatenate([[0], inside.view(np.int8), [0]]))
    first = np.flatnonzero(edges == 1)
    after = np.flatnonzero(edges == -1)

    # A word's hash is sum(c[j] * p ** (j - first)), read off prefix sums of
    # c[j] * p ** j, so all words are hashed at once whatever their lengths.
    ones = np.ones(1, dtype=np.uint64)
    powers = np.concatenate([ones, np.cumprod(np.full(len(points) - 1, _PRIME))])
    inverses = np.concatenate([ones, np.cumprod(np.full(len(points) - 1, _INVERSE))])
    prefix = np.concatenate([[np.uint64(0)], np.cumsum(points * powers)])
    words = (prefix[after] - prefix[first]) * inverses[first]

    rows = owner[first]
    same_text = rows[:-1] == rows[1:]
    pairs = words[:-1][same_text] * _PRIME + words[1:][same_text]

    return [
        (rows << bits) + _slots(words + _WORD_SALT, bits),
        (rows[:-1][same_text] << bits) + _slots(pairs + _PAIR_SALT, bits),
    ]


def clip_text(text: str, max_chars: int) -> str:
    """The first and last ``max_chars // 2`` characters of a longer text."""
    if max_chars <= 0 or len(text) <= max_chars:
        return text
    half = max_chars // 2

    return text[:half] + " " + text[len(text) - (max_chars - half) :]


def hash_ngrams(texts: Sequence[str], buckets: int) -> tuple[np.ndarray, np.ndarray]:
    """Per text, the distinct n-gram buckets and how often each occurs.

    Returns ``ids`` int64 and ``counts`` float32, both ``[len(texts), F]``
    with ``F`` the most distinct buckets of any text; a row's unused slots
    hold bucket 0 with count 0.
    """
    if buckets & (buckets - 1) or buckets < 2:
        raise ValueError(f"buckets must be a power of two, got {buckets}")
    if not texts:
        return np.zeros((0, 1), dtype=np.int64), np.zeros((0, 1), dtype=np.float32)

    bits = buckets.bit_length() - 1
    points, owner = _code_points(texts)
    keys = _char_ngram_keys(points, owner, bits) + _word_ngram_keys(points, owner, bits)

    return _pad_rows(np.concatenate(keys), len(texts), bits)


def _pad_rows(keys: np.ndarray, rows: int, bits: int) -> tuple[np.ndarray, np.ndarray]:
    keys.sort()
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    distinct = keys[starts]
    counts = np.diff(np.concatenate([starts, [len(keys)]]))
    row_of = distinct >> bits
    per_row = np.bincount(row_of, minlength=rows)
    width = max(int(per_row.max(initial=0)), 1)
    first_of_row = np.concatenate([[0], np.cumsum(per_row)[:-1]])
    column = np.arange(len(distinct)) - first_of_row[row_of]

    ids = np.zeros((rows, width), dtype=np.int64)
    weights = np.zeros((rows, width), dtype=np.float32)
    ids[row_of, column] = distinct & ((1 << bits) - 1)
    weights[row_of, column] = counts

    return ids, weights
