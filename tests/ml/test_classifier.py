import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from ml.runtime.artifacts import LABELS, MODEL_DIR_ENV, ModelCard, default_model_dir
from ml.runtime.chunking import plan_chunks
from ml.runtime.classifier import Classifier
from ml.runtime.errors import EmptyTextError, ModelArtifactsError
from ml.runtime.text import split_words

OBVIOUS = [
    ("Это ужасный фильм, полное разочарование", "negative", "ru"),
    ("Ненавижу эту погоду, всё просто отвратительно", "negative", "ru"),
    ("Я очень счастлив, это лучший день в моей жизни!", "positive", "ru"),
    ("Спасибо огромное, вы замечательные!", "positive", "ru"),
    ("I loved this movie, it was wonderful", "positive", "en"),
    ("An absolutely brilliant and beautiful film, I enjoyed every minute", "positive", "en"),
    ("This is the worst film I have ever seen, a total waste of time", "negative", "en"),
    ("Terrible acting, boring plot, I hated it", "negative", "en"),
]


@pytest.fixture(scope="module")
def classifier(committed_model_dir: Path) -> Classifier:
    return Classifier(committed_model_dir)


def long_text(sentence: str, chars: int = 10_000) -> str:
    return ((sentence + " ") * (chars // len(sentence) + 1))[:chars]


@pytest.mark.parametrize(("text", "label", "language"), OBVIOUS)
def test_obvious_sentiment_is_recognised(classifier, text, label, language):
    (prediction,) = classifier.predict([text])

    assert prediction.label == label
    assert prediction.language == language


def test_prediction_carries_the_model_version(classifier):
    (prediction,) = classifier.predict(["A quiet evening at home"])

    assert prediction.model_version == classifier.version
    assert set(prediction.scores) == {"negative", "neutral", "positive"}


def test_scores_sum_to_one_and_the_label_is_the_top_score(classifier):
    texts = [text for text, _, _ in OBVIOUS] + ["ok", "Нормально", "?"]

    for prediction in classifier.predict(texts):
        assert sum(prediction.scores.values()) == pytest.approx(1.0, abs=1e-9)
        assert all(0.0 <= score <= 1.0 for score in prediction.scores.values())
        assert prediction.label == max(prediction.scores, key=prediction.scores.__getitem__)


@pytest.mark.parametrize("text", ["", " ", "   \n\t  ", "\u3000"])
def test_empty_or_whitespace_text_is_a_domain_error(classifier, text):
    with pytest.raises(EmptyTextError, match="empty or only whitespace"):
        classifier.predict(["fine", text])


@pytest.mark.parametrize("text", ["😍😍😍", "👎", "🙂", "12345", "2024", "100500", "!!!", ":("])
def test_emoji_digits_and_punctuation_only_texts_are_classified(classifier, text):
    (prediction,) = classifier.predict([text])

    assert prediction.label in {"negative", "neutral", "positive"}
    assert prediction.language == "en"


@pytest.mark.parametrize(
    "sentence", ["Отличный фильм, всем советую.", "What a dull and pointless story."]
)
def test_ten_thousand_character_text_is_classified(classifier, sentence):
    (prediction,) = classifier.predict([long_text(sentence)])

    assert sum(prediction.scores.values()) == pytest.approx(1.0)


def test_the_middle_of_a_text_beyond_max_length_never_reaches_the_model(classifier):
    # Each word is at least one token and three characters, so the start
    # and the end below are each longer than whatever part of a text the
    # card keeps, in tokens for the LSTM and in characters for the n-grams.
    card = classifier.card
    words = max(card.max_length, card.ngram_max_chars // 2) + 5
    start = "good " * words
    end = "bad " * words
    middles = ["awful terrible hateful", "wonderful lovely", long_text("плохо ", 5_000)]

    predictions = classifier.predict([f"{start}{middle} {end}" for middle in middles])

    for prediction in predictions[1:]:
        assert prediction.scores == pytest.approx(predictions[0].scores, abs=1e-6)


@pytest.mark.parametrize(
    ("truncation", "kept"),
    [
        (None, [0, 1, 2, 3]),
        ("head", [0, 1, 2, 3]),
        ("tail", [6, 7, 8, 9]),
        ({"strategy": "head_tail"}, [0, 1, 8, 9]),
        ({"strategy": "head_tail", "head_tokens": 1, "tail_tokens": 3}, [0, 7, 8, 9]),
    ],
)
def test_card_truncation_rules_keep_the_documented_tokens(tmp_path, truncation, kept):
    path = tmp_path / "model.json"
    card = {"version": "t", "labels": list(LABELS), "max_length": 4, "pad_id": 0}
    path.write_text(json.dumps(card | {"truncation": truncation}))

    loaded = ModelCard.load(path)

    assert loaded.truncate(np.arange(10)).tolist() == kept
    assert loaded.truncate(np.arange(3)).tolist() == [0, 1, 2]


def test_results_keep_the_order_of_the_input(classifier):
    texts = [long_text("Фильм хороший. ", 900), "bad", "I loved it, wonderful", "Ужасно"]

    together = classifier.predict(texts)
    alone = [classifier.predict([text])[0] for text in texts]

    assert [p.label for p in together] == [p.label for p in alone]


def test_padding_does_not_change_scores(classifier):
    short = "Nice, but a bit too long"
    (alone,) = classifier.predict([short])
    padded = classifier.predict(
        [long_text("Очень длинный отзыв о фильме.", 3_000), short, long_text("So long.", 800)]
    )

    assert padded[1].scores == pytest.approx(alone.scores, abs=1e-5)


def test_batches_longer_than_one_run_give_the_same_scores():
    texts = [f"review number {i} was {'good' if i % 2 else 'bad'}" for i in range(11)]
    small_runs = Classifier(max_batch_size=3).predict(texts)
    one_run = Classifier(max_batch_size=64).predict(texts)

    for a, b in zip(small_runs, one_run, strict=True):
        assert a.scores == pytest.approx(b.scores, abs=1e-5)


def test_explain_weighs_every_word(classifier):
    text = "I loved this movie, it was wonderful"
    weights = classifier.explain(text)

    assert [weight.word for weight in weights] == split_words(text)
    assert all(-1.0 <= weight.weight <= 1.0 for weight in weights)


def test_explain_puts_the_most_weight_on_the_sentiment_word(classifier):
    weights = classifier.explain("The food was terrible")

    assert max(weights, key=lambda w: w.weight).word == "terrible"


def test_explain_a_single_word(classifier):
    (weight,) = classifier.explain("Прекрасно!")

    assert weight.word == "Прекрасно!"


def test_explain_a_long_text_weighs_words_past_the_cut_as_zero(classifier):
    text = long_text("так себе кино ", 10_000)
    weights = classifier.explain(text)

    assert len(weights) == len(split_words(text))
    card = classifier.card
    middle = weights[card.head_tokens + 1 : len(weights) - card.tail_tokens - 1]
    assert middle
    assert all(w.weight == 0.0 for w in middle)


def test_explain_of_empty_text_is_a_domain_error(classifier):
    with pytest.raises(EmptyTextError):
        classifier.explain("  ")


def test_missing_artifacts_are_named(tmp_path):
    with pytest.raises(ModelArtifactsError, match=r"lacks sentiment\.onnx, tokenizer\.json"):
        Classifier(tmp_path)


def test_model_card_with_unknown_truncation_is_refused(tmp_path, committed_model_dir):
    model_dir = tmp_path / "model"
    shutil.copytree(committed_model_dir, model_dir)
    card = json.loads((model_dir / "model.json").read_text())
    card["truncation"] = {"strategy": "middle"}
    (model_dir / "model.json").write_text(json.dumps(card))

    with pytest.raises(ModelArtifactsError, match="known rules are: head, tail, head_tail"):
        Classifier(model_dir)


def test_model_dir_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))

    assert default_model_dir() == tmp_path
    with pytest.raises(ModelArtifactsError, match=str(tmp_path)):
        Classifier()


def test_default_model_dir_is_the_repos_models_folder(monkeypatch):
    monkeypatch.delenv(MODEL_DIR_ENV, raising=False)

    assert default_model_dir() == Path(__file__).resolve().parents[2] / "models"


def test_thread_count_is_configurable(committed_model_dir):
    assert Classifier(committed_model_dir).intra_op_threads == 1
    assert Classifier(committed_model_dir, intra_op_threads=2).intra_op_threads == 2


def test_a_single_string_is_refused_rather_than_split_into_letters(classifier):
    with pytest.raises(TypeError, match="not a single string"):
        classifier.predict("Отличный фильм")


def test_chunk_plan_covers_every_text_once_within_the_bound():
    lengths = sorted([1, 2, 2, 3, 8, 9, 15, 40, 41, 41, 100, 256] * 9)
    chunks = plan_chunks(lengths, max_rows=16)

    assert [i for chunk in chunks for i in chunk] == list(range(len(lengths)))
    assert all(1 <= len(chunk) <= 16 for chunk in chunks)


def test_chunk_plan_does_not_pad_short_texts_to_a_long_one():
    chunks = plan_chunks([3, 4, 5, 200], max_rows=32)

    assert chunks == [range(0, 3), range(3, 4)]


def test_chunk_plan_of_equal_lengths_uses_the_fewest_calls():
    assert len(plan_chunks([100] * 70, max_rows=32)) == 3
    assert plan_chunks([], max_rows=32) == []
