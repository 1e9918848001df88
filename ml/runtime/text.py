"""Text preparation shared by training and serving.

The tokenizer was trained on ``normalize()``-d text, so the runtime must feed
it the same form. Nothing here imports torch.
"""

import re
import unicodedata
from typing import Literal

Language = Literal["ru", "en"]

URL_PLACEHOLDER = "<url>"
USER_PLACEHOLDER = "<user>"
EMAIL_PLACEHOLDER = "<email>"
PLACEHOLDERS = (URL_PLACEHOLDER, USER_PLACEHOLDER, EMAIL_PLACEHOLDER)

# A run of more than three equal characters ("sooooo", "!!!!!!") is squashed to
# three: it keeps the emphasis a repeat carries while bounding the vocabulary.
MAX_REPEAT = 3

# Share of Cyrillic among letters at or above which a text counts as Russian.
CYRILLIC_SHARE_FOR_RU = 0.5

# NOTE: the lookbehind starts a match only where a run of address
# characters starts; without it, a long word is rescanned from every one of
# its characters (10,000 letters took 0.3 s). The matches are the same.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(
    r"(?:https?://|ftp://|www\.)\S+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|ru|org|net|рф)/\S*"
)
_MENTION = re.compile(r"(?<![\w@])@\w+")
_REPEAT = re.compile(rf"(.)\1{{{MAX_REPEAT},}}", re.DOTALL)
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\S+")


def normalize(text: str) -> str:
    """Return the canonical form the tokenizer and model expect.

    Lower case, ``ё`` → ``е``, URLs, e-mail addresses and @mentions replaced by
    ``<url>``, ``<email>`` and ``<user>``, runs of 4+ equal characters cut to 3
    and whitespace collapsed. Emoji, emoticons and punctuation are kept.
    """
    text = unicodedata.normalize("NFC", text)
    text = _EMAIL.sub(f" {EMAIL_PLACEHOLDER} ", text)
    text = _URL.sub(f" {URL_PLACEHOLDER} ", text)
    text = _MENTION.sub(f" {USER_PLACEHOLDER} ", text)

    text = text.lower().replace("ё", "е")
    text = _REPEAT.sub(lambda m: m.group(1) * MAX_REPEAT, text)

    return _SPACE.sub(" ", text).strip()


def _is_cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u052f"


def detect_language(text: str) -> Language:
    """Guess the language from the script: Russian when at least half of the
    letters are Cyrillic, English otherwise (also when there are no letters)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "en"

    cyrillic = sum(1 for c in letters if _is_cyrillic(c))

    return "ru" if cyrillic / len(letters) >= CYRILLIC_SHARE_FOR_RU else "en"


def split_words(text: str) -> list[str]:
    """Split raw text into the units an explanation weighs: maximal runs of
    non-space characters, in order. Punctuation stays attached to its word.

    ``" ".join(words)`` is a valid input again, so occlusion can drop one unit
    and classify the rest.
    """
    return _WORD.findall(text)
