import numpy as np
import pytest

from ml.runtime.ngrams import clip_text, hash_ngrams
from ml.runtime.text import normalize

BUCKETS = 1 << 20

TEXTS = [normalize(t) for t in ["Очень хороший фильм!", "not good at all", "ok 👍", "a"]]


def features_of(ids: np.ndarray, counts: np.ndarray, row: int) -> dict[int, float]:
    present = counts[row] > 0
    return dict(zip(ids[row][present].tolist(), counts[row][present].tolist(), strict=True))


def test_a_text_has_the_same_ngrams_alone_and_in_a_batch():
    ids, counts = hash_ngrams(TEXTS, BUCKETS)

    for row, text in enumerate(TEXTS):
        alone_ids, alone_counts = hash_ngrams([text], BUCKETS)
        assert features_of(ids, counts, row) == features_of(alone_ids, alone_counts, 0)


def test_a_one_letter_word_gives_its_padded_character_ngrams_and_itself():
    _, counts = hash_ngrams(["a"], BUCKETS)

    # " a", "a ", " a " and the word "a"
    assert counts.sum() == 4


def test_repeated_words_are_counted_not_listed_twice():
    ids, counts = hash_ngrams(["good good"], BUCKETS)
    single_ids, single_counts = hash_ngrams(["good"], BUCKETS)

    assert counts.max() >= 2
    assert len(features_of(ids, counts, 0)) == len(features_of(single_ids, single_counts, 0)) + 1


def test_word_pairs_never_span_two_texts():
    together_ids, together_counts = hash_ngrams(["bad", "film"], BUCKETS)
    pair_ids, pair_counts = hash_ngrams(["bad film"], BUCKETS)
    apart = set(features_of(together_ids, together_counts, 0))
    apart |= set(features_of(together_ids, together_counts, 1))

    assert len(set(features_of(pair_ids, pair_counts, 0)) - apart) >= 1
    assert len(apart) <= len(features_of(pair_ids, pair_counts, 0))


def test_an_empty_text_has_no_ngrams():
    _, counts = hash_ngrams(["", "fine"], BUCKETS)

    assert counts[0].sum() == 0
    assert counts[1].sum() > 0


def test_slots_stay_inside_the_buckets():
    ids, _ = hash_ngrams(TEXTS, 1 << 8)

    assert ids.min() >= 0
    assert ids.max() < 1 << 8


def test_buckets_must_be_a_power_of_two():
    with pytest.raises(ValueError, match="power of two"):
        hash_ngrams(TEXTS, 1000)


def test_long_texts_keep_their_first_and_last_characters():
    text = "a" * 50 + "b" * 50

    assert clip_text(text, 10) == "aaaaa bbbbb"
    assert clip_text("short", 10) == "short"
