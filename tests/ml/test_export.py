import json

import numpy as np
import pytest
import torch
from tokenizers import Tokenizer

from ml.export.ensemble import EnsembleNet
from ml.export.linear import NgramLinear
from ml.export.model import ModelConfig, SentimentNet
from ml.export.onnx_export import (
    PARITY_TOLERANCE,
    export_onnx,
    open_session,
    pad_batch,
    parity_max_abs_diff,
    random_batches,
    with_random_ngrams,
)
from ml.export.reload import load_sentiment_net, member_count
from ml.runtime.ngrams import clip_text, hash_ngrams
from ml.runtime.text import normalize


@pytest.fixture(scope="module")
def random_model() -> SentimentNet:
    torch.manual_seed(0)
    model = SentimentNet(ModelConfig(vocab_size=300, pad_id=0, bigram_buckets=257))
    for parameter in model.parameters():
        torch.nn.init.normal_(parameter, std=0.2)
    model.set_temperature(1.3)
    return model.eval()


@pytest.fixture(scope="module")
def random_ensemble(random_model) -> EnsembleNet:
    torch.manual_seed(1)
    linear = NgramLinear(np.linspace(1.0, 5.0, 256, dtype=np.float32))
    torch.nn.init.normal_(linear.weight.weight)
    torch.nn.init.normal_(linear.bias)
    scripts = (np.ones(300, dtype=np.float32), np.zeros(300, dtype=np.float32))
    scripts[1][:150] = 1.0
    ensemble = EnsembleNet([random_model], linear, (0.7, 1.6), scripts)
    ensemble.set_temperature(1.3)
    return ensemble.eval()


def test_ensemble_onnx_matches_torch_with_and_without_ngrams(random_ensemble, tmp_path):
    path = tmp_path / "ensemble.onnx"
    export_onnx(random_ensemble, path)
    batches = with_random_ngrams(random_batches(300, 0, seed=7), 256, seed=7)

    worst = parity_max_abs_diff(random_ensemble, path, batches)

    assert worst <= PARITY_TOLERANCE


def test_english_text_without_ngrams_gets_the_lstm_logits(random_ensemble):
    ids, lengths = pad_batch([[205, 206, 207], [208]], pad_id=0)
    no_ngrams = (torch.zeros(2, 1, dtype=torch.int64), torch.zeros(2, 1))
    lstm = SentimentNet(random_ensemble.config)
    lstm.load_state_dict(random_ensemble.state_dict(), strict=False)

    with torch.no_grad():
        mixed = random_ensemble(torch.from_numpy(ids), torch.from_numpy(lengths), *no_ngrams)
        alone = lstm.eval()(torch.from_numpy(ids), torch.from_numpy(lengths))

    assert torch.allclose(mixed, alone, atol=1e-6)


def test_two_lstm_ensemble_averages_members_that_rebuild_from_its_onnx_file(random_model, tmp_path):
    torch.manual_seed(2)
    second = SentimentNet(random_model.config)
    for parameter in second.parameters():
        torch.nn.init.normal_(parameter, std=0.2)
    linear = NgramLinear(np.linspace(1.0, 5.0, 256, dtype=np.float32))
    torch.nn.init.normal_(linear.weight.weight)
    torch.nn.init.normal_(linear.bias)
    scripts = (np.ones(300, dtype=np.float32), np.zeros(300, dtype=np.float32))
    ensemble = EnsembleNet([random_model, second.eval()], linear, (0.7, 1.6), scripts)
    ensemble.set_temperature(1.3)
    ensemble.eval()
    path = tmp_path / "two.onnx"
    export_onnx(ensemble, path)
    batches = with_random_ngrams(random_batches(300, 0, seed=5), 256, seed=5)
    assert parity_max_abs_diff(ensemble, path, batches) <= PARITY_TOLERANCE

    # Rebuilt from the file, each member gives its own logits plus the linear
    # bias folded into its head; with no n-grams the graph is their mean.
    assert member_count(path) == 2
    members = [load_sentiment_net(path, pad_id=0, member=k) for k in (0, 1)]
    ids, lengths = (torch.from_numpy(a) for a in pad_batch([[205, 206, 207], [208]], pad_id=0))
    no_ngrams = (torch.zeros(2, 1, dtype=torch.int64), torch.zeros(2, 1))
    with torch.no_grad():
        graph = ensemble(ids, lengths, *no_ngrams)
        mean = sum(m(ids, lengths) for m in members) / 2 / 1.3
        alone = [m(ids, lengths) for m in (random_model, second)]
    assert torch.allclose(graph, mean, atol=1e-5)
    assert not torch.allclose(alone[0], alone[1], atol=1e-2)


def test_lstm_rebuilt_from_its_onnx_file_gives_the_same_logits(random_model, tmp_path):
    path = tmp_path / "model.onnx"
    export_onnx(random_model, path)
    rebuilt = load_sentiment_net(path, pad_id=0)
    rebuilt.set_temperature(1.3)

    worst = parity_max_abs_diff(rebuilt, path, random_batches(300, 0, seed=3))

    assert worst <= PARITY_TOLERANCE


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
    inputs = {"input_ids": ids, "lengths": lengths}
    if "ngrams" in card:
        clipped = [clip_text(normalize(t), card["ngrams"]["max_chars"]) for t in texts]
        ngram_ids, counts = hash_ngrams(clipped, card["ngrams"]["buckets"])
        inputs |= {"ngram_ids": ngram_ids, "ngram_counts": counts}
    session = open_session(model_dir / "sentiment.onnx")
    (logits,) = session.run(["logits"], inputs)

    return logits, inputs, session


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


def test_committed_model_is_exact_under_padding(committed_model_dir):
    logits, inputs, session = _committed_logits(committed_model_dir, [t for t, _ in OBVIOUS])
    pad_id = json.loads((committed_model_dir / "model.json").read_text())["pad_id"]
    ids = inputs["input_ids"]
    padded = np.full((ids.shape[0], ids.shape[1] + 13), pad_id, dtype=np.int64)
    padded[:, : ids.shape[1]] = ids

    (again,) = session.run(["logits"], inputs | {"input_ids": padded})

    assert np.abs(logits - again).max() <= PARITY_TOLERANCE


# Issue 3 set 20 MB for the LSTM alone; the issue 6 ensemble adds 8 MB of
# float16 n-gram tables to each graph and, since lstm4, a second LSTM (about
# 13 MB fp32); the bound agreed for it is 60 MB. The Russian member adds its
# graph (float16 weights) and its sentencepiece model; the unserved int8 copy
# of the main graph is no longer committed, which makes room for them.
SIZE_BUDGET_BYTES = 60 * 1000 * 1000


def test_committed_artifacts_fit_the_size_budget(committed_model_dir):
    names = (
        "sentiment.onnx",
        "sentiment.int8.onnx",
        "tokenizer.json",
        "model.json",
        "russian.onnx",
        "russian.model",
    )
    paths = [committed_model_dir / name for name in names]
    total = sum(path.stat().st_size for path in paths if path.exists())

    assert total <= SIZE_BUDGET_BYTES
