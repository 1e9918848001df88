import json

import numpy as np
import pytest
import torch
from tokenizers import Tokenizer

from ml.export.model import ModelConfig, SentimentNet
from ml.export.onnx_export import (
    PARITY_TOLERANCE,
    export_onnx,
    open_session,
    pad_batch,
    parity_max_abs_diff,
    random_batches,
)
from ml.runtime.text import normalize


@pytest.fixture(scope="module")
def random_model() -> SentimentNet:
    torch.manual_seed(0)
    model = SentimentNet(ModelConfig(vocab_size=300, pad_id=0, bigram_buckets=257))
    for parameter in model.parameters():
        torch.nn.init.normal_(parameter, std=0.2)
    model.set_temperature(1.3)
    return model.eval()


def test_onnx_matches_torch_on_mixed_lengths(random_model, tmp_path):
    path = tmp_path / "model.onnx"
    export_onnx(random_model, path)

    worst = parity_max_abs_diff(random_model, path, random_batches(300, 0, seed=7))

    assert worst <= PARITY_TOLERANCE


def test_logits_do_not_depend_on_padding(random_model):
    ids, lengths = pad_batch([[5, 6, 7], [8], [9, 10, 11, 12, 13]], pad_id=0)
    longer = np.zeros((3, ids.shape[1] + 11), dtype=np.int64)
    longer[:, : ids.shape[1]] = ids

    with torch.no_grad():
        short = random_model(torch.from_numpy(ids), torch.from_numpy(lengths))
        padded = random_model(torch.from_numpy(longer), torch.from_numpy(lengths))
        alone = random_model(torch.tensor([[8]]), torch.tensor([1]))

    assert torch.allclose(short, padded, atol=1e-6)
    assert torch.allclose(short[1], alone[0], atol=1e-6)


def _committed_logits(model_dir, texts):
    card = json.loads((model_dir / "model.json").read_text())
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    sequences = [
        tokenizer.encode(normalize(t), add_special_tokens=False).ids[: card["max_length"]]
        for t in texts
    ]
    ids, lengths = pad_batch(sequences, card["pad_id"])
    session = open_session(model_dir / "sentiment.onnx")
    (logits,) = session.run(["logits"], {"input_ids": ids, "lengths": lengths})

    return logits, ids, lengths, session


OBVIOUS = [
    ("Это был лучший фильм в моей жизни, я в восторге!", "positive"),
    ("Отличный сервис, спасибо большое, всем советую!", "positive"),
    ("Ужасно, отвратительное обслуживание, никогда больше не приду.", "negative"),
    ("Какой кошмар, я так зол и расстроен, это худший день", "negative"),
    ("An absolutely wonderful film, I loved every minute of it!", "positive"),
    ("Great product, works perfectly, highly recommend.", "positive"),
    ("Terrible movie, a complete waste of time and money.", "negative"),
    ("The worst service ever, rude staff, I hate this place.", "negative"),
]


def test_committed_model_gets_obvious_sentences_right(committed_model_dir):
    texts = [text for text, _ in OBVIOUS]
    logits, *_ = _committed_logits(committed_model_dir, texts)
    labels = ["negative", "neutral", "positive"]

    predicted = [labels[i] for i in logits.argmax(axis=1)]

    assert predicted == [label for _, label in OBVIOUS]


def test_committed_int8_model_agrees_with_fp32_on_obvious_sentences(committed_model_dir):
    path = committed_model_dir / "sentiment.int8.onnx"
    if not path.exists():
        pytest.skip("no int8 graph committed")
    logits, ids, lengths, _ = _committed_logits(committed_model_dir, [t for t, _ in OBVIOUS])

    (quantized,) = open_session(path).run(["logits"], {"input_ids": ids, "lengths": lengths})

    assert (quantized.argmax(axis=1) == logits.argmax(axis=1)).all()


def test_committed_model_is_exact_under_padding(committed_model_dir):
    logits, ids, lengths, session = _committed_logits(committed_model_dir, [t for t, _ in OBVIOUS])
    pad_id = json.loads((committed_model_dir / "model.json").read_text())["pad_id"]
    padded = np.full((ids.shape[0], ids.shape[1] + 13), pad_id, dtype=np.int64)
    padded[:, : ids.shape[1]] = ids

    (again,) = session.run(["logits"], {"input_ids": padded, "lengths": lengths})

    assert np.abs(logits - again).max() <= PARITY_TOLERANCE


def test_committed_artifacts_fit_the_size_budget(committed_model_dir):
    names = ("sentiment.onnx", "sentiment.int8.onnx", "tokenizer.json", "model.json")
    paths = [committed_model_dir / name for name in names]
    total = sum(path.stat().st_size for path in paths if path.exists())

    assert total <= 20 * 1024 * 1024
