import json
from pathlib import Path

import numpy as np
import pytest
import torch

from ml.export.data import Example, deduplicate, split_by_hash
from ml.export.reload import member_count
from ml.export.tokenizer import train_tokenizer
from ml.export.train import (
    class_weights,
    main,
    source_masked_loss,
    truncate_head_tail,
)
from ml.runtime.classifier import Classifier
from ml.runtime.text import normalize

# A network small enough to train on 200 rows a source in seconds.
TINY_LSTM = (
    "--vocab-size", "1500",
    "--embedding-dim", "16",
    "--hidden-size", "16",
    "--bigram-buckets", "512",
    "--batch-size", "32",
    "--no-pretrained-vectors",
)  # fmt: skip


def tiny_argv(data_dir: Path, out: Path, cache: Path, *options: str) -> list[str]:
    """A run on 200 rows of each Russian set, one thread, plus ``options``."""
    return [
        "--data-dir", str(data_dir),
        "--out", str(out),
        "--cache-dir", str(cache),
        "--sources", "rusentiment,rusentitweet",
        "--max-rows", "200",
        "--threads", "1",
        *options,
    ]  # fmt: skip


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, ru_data_dir) -> Path:
    out = tmp_path_factory.mktemp("tiny-model")
    options = ("--epochs", "2", "--ngram-buckets", "4096", "--linear-epochs", "2")
    assert main(tiny_argv(ru_data_dir, out, out / "cache", *TINY_LSTM, *options)) == 0
    return out


def test_tiny_training_run_writes_every_artifact(tiny_run):
    for name in ("sentiment.onnx", "tokenizer.json", "model.json"):
        assert (tiny_run / name).stat().st_size > 0
    assert (tiny_run / "reports" / "training_curves.png").stat().st_size > 0


def test_tiny_training_run_card_has_the_contract_keys(tiny_run):
    card = json.loads((tiny_run / "model.json").read_text())

    assert card["labels"] == ["negative", "neutral", "positive"]
    assert card["languages"] == ["ru", "en"]
    assert card["truncation"]["strategy"] == "head_tail"
    assert card["onnx"]["parity_max_abs_diff"] <= 1e-5
    assert set(card["metrics"]["test"]["by_source"]) == {"rusentiment", "rusentitweet"}
    assert "tfidf_logistic_regression" in card["baselines"]
    assert card["ngrams"]["buckets"] == 4096
    assert set(card["onnx"]["inputs"]) == {"input_ids", "lengths", "ngram_ids", "ngram_counts"}
    assert "non-commercial" in card["license_note"]
    for key in ("version", "created", "max_length", "pad_id", "data_sources", "shortcomings"):
        assert key in card


def test_tiny_training_run_serves_through_the_runtime(tiny_run):
    from ml.runtime.classifier import Classifier

    predictions = Classifier(tiny_run).predict(["Отличный фильм", "ужасно"])

    assert [sum(p.scores.values()) for p in predictions] == pytest.approx([1.0, 1.0])


def test_tiny_training_run_card_reports_both_halves_of_the_ensemble(tiny_run):
    card = json.loads((tiny_run / "model.json").read_text())
    ensemble = card["ensemble"]

    assert set(ensemble["linear_weights"]) == {"en", "ru"}
    assert set(ensemble["test_lstm_alone"]) == {"rusentiment", "rusentitweet"}
    assert set(ensemble["test_linear_alone"]) == {"rusentiment", "rusentitweet"}


def test_a_run_can_reuse_the_lstm_of_an_earlier_one(tiny_run, tmp_path, ru_data_dir):
    argv = tiny_argv(
        ru_data_dir,
        tmp_path,
        tiny_run / "cache",
        *("--ngram-buckets", "4096", "--linear-epochs", "1", "--lstm-from", str(tiny_run)),
        *("--skip-baselines", "--no-int8"),
    )
    assert main(argv) == 0

    earlier = json.loads((tiny_run / "model.json").read_text())
    card = json.loads((tmp_path / "model.json").read_text())
    assert card["training"]["lstm_reused"]["runs"][0]["version"] == earlier["version"]
    assert (tmp_path / "tokenizer.json").read_text() == (tiny_run / "tokenizer.json").read_text()
    assert not (tmp_path / "sentiment.int8.onnx").exists()


def test_two_reused_lstms_on_one_tokenizer_are_averaged_in_one_graph(
    tiny_run, tmp_path, ru_data_dir
):
    cache, quick = tiny_run / "cache", ("--skip-baselines", "--no-int8")
    second = tmp_path / "second"
    options = ("--epochs", "1", "--ngram-buckets", "0", "--init-seed", "7")
    argv = tiny_argv(ru_data_dir, second, cache, *TINY_LSTM, *options, *quick)
    assert main([*argv, "--tokenizer-from", str(tiny_run)]) == 0
    both = tmp_path / "both"
    argv = tiny_argv(ru_data_dir, both, cache, "--ngram-buckets", "4096", "--linear-epochs", "1")
    assert main([*argv, *quick, "--lstm-from", str(tiny_run), "--lstm-from", str(second)]) == 0

    card = json.loads((both / "model.json").read_text())
    assert [run["from"] for run in card["training"]["lstm_reused"]["runs"]] == [
        str(tiny_run),
        str(second),
    ]
    assert len(card["ensemble"]["test_each_lstm"]) == 2
    assert member_count(both / "sentiment.onnx") == 2
    (prediction,) = Classifier(both).predict(["Отличный фильм, всем советую!"])
    assert prediction.language == "ru"
    assert abs(sum(prediction.scores.values()) - 1.0) < 1e-5


def test_reused_lstms_must_share_a_tokenizer(tiny_run, tmp_path, ru_data_dir):
    other = tmp_path / "other"
    other.mkdir()
    for name in ("sentiment.onnx", "model.json"):
        (other / name).write_bytes((tiny_run / name).read_bytes())
    (other / "tokenizer.json").write_text(
        (tiny_run / "tokenizer.json").read_text().replace('"[UNK]"', '"[UNKNOWN]"')
    )
    argv = tiny_argv(
        ru_data_dir,
        tmp_path / "out",
        tiny_run / "cache",
        *("--lstm-from", str(tiny_run), "--lstm-from", str(other)),
    )

    with pytest.raises(SystemExit, match="different tokenizers"):
        main(argv)


def test_tiny_training_run_scores_carry_confusion_matrices(tiny_run):
    card = json.loads((tiny_run / "model.json").read_text())
    scores = card["metrics"]["test"]["by_source"]["rusentiment"]

    assert np.array(scores["confusion"]).sum() == scores["n"]
    assert set(scores["f1"]) == {"negative", "neutral", "positive"}


def test_tokenizer_round_trips_normalised_text():
    texts = [normalize(t) for t in ["Очень хороший фильм, спасибо! 😍", "Meh... @bob it's ok"]]
    tokenizer = train_tokenizer(texts * 20, vocab_size=200)

    for text in texts:
        ids = tokenizer.encode(text, add_special_tokens=False).ids
        assert tokenizer.decode(ids) == text


def test_loss_on_a_binary_source_ignores_the_neutral_logit():
    labels = torch.tensor([2])
    weights = torch.ones(1)
    binary = torch.tensor([[1.0, 0.0, 1.0]])
    low_neutral = torch.tensor([[0.0, -5.0, 1.0]])
    high_neutral = torch.tensor([[0.0, 9.0, 1.0]])

    first = source_masked_loss(low_neutral, labels, binary, weights)
    second = source_masked_loss(high_neutral, labels, binary, weights)

    assert torch.isclose(first, second)


def test_class_weights_balance_classes_within_a_source():
    rows = [Example("a", 0, "en", "s")] * 3 + [Example("b", 2, "en", "s")]
    weights = class_weights(rows)

    assert weights[("s", 0)] * 3 == pytest.approx(weights[("s", 2)] * 1)


def test_truncation_keeps_head_and_tail():
    assert truncate_head_tail(list(range(10)), 4, 2) == [0, 1, 8, 9]
    assert truncate_head_tail([1, 2], 4, 2) == [1, 2]


def test_split_is_seeded_and_keeps_duplicates_together():
    rows = [Example(f"Text {i}", 0, "en", "s") for i in range(200)]
    rows = deduplicate([*rows, Example("TEXT 5", 2, "en", "s")])
    first = split_by_hash(rows, seed=1, val=0.1, test=0.2)
    second = split_by_hash(rows, seed=1, val=0.1, test=0.2)

    assert len(rows) == 200
    assert first == second
    assert 20 < len(first["test"]) < 60
