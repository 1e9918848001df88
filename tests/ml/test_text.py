from ml.runtime.text import detect_language, normalize, split_words


def test_normalize_lowercases_and_folds_yo():
    assert normalize("Всё ОЧЕНЬ Хорошо") == "все очень хорошо"


def test_normalize_replaces_urls_mentions_and_emails():
    text = "Пиши @ivan_2 на ivan@mail.ru или смотри https://x.com/a?b=1 и www.site.org"

    assert normalize(text) == "пиши <user> на <email> или смотри <url> и <url>"


def test_normalize_squashes_long_repeats_to_three():
    assert normalize("Sooooo goood!!!!!!") == "sooo goood!!!"


def test_normalize_keeps_emoji_and_emoticons():
    assert normalize("Love it 😍😍 :) :-(") == "love it 😍😍 :) :-("


def test_normalize_collapses_whitespace():
    assert normalize("  a \n\t b  ") == "a b"


def test_normalize_of_blank_text_is_empty():
    assert normalize("   ") == ""


def test_detect_language_by_cyrillic_share():
    assert detect_language("Отличный фильм") == "ru"
    assert detect_language("Great movie") == "en"
    assert detect_language("Фильм Matrix просто супер") == "ru"
    assert detect_language("I watched Бригада yesterday at home") == "en"


def test_detect_language_without_letters_is_english():
    assert detect_language("12345 :) 😍") == "en"
    assert detect_language("") == "en"


def test_split_words_keeps_punctuation_attached():
    assert split_words("  Не  плохо, а отлично!") == ["Не", "плохо,", "а", "отлично!"]


def test_split_words_of_blank_text_is_empty():
    assert split_words(" \n ") == []
