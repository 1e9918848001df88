"""Training of the shared Russian + English subword vocabulary."""

from collections.abc import Iterable

from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers

from ml.runtime.text import PLACEHOLDERS

PAD = "[PAD]"
UNK = "[UNK]"
SPECIAL_TOKENS = [PAD, UNK]


def train_tokenizer(normalized_texts: Iterable[str], vocab_size: int) -> Tokenizer:
    """Train a BPE vocabulary on texts already passed through ``normalize``.

    Words are split on spaces (kept as the ``▁`` mark, so decoding restores
    them) and punctuation is cut off into its own pieces. Characters never
    seen in training become ``[UNK]``.
    """
    tokenizer = Tokenizer(models.BPE(unk_token=UNK))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Metaspace(), pre_tokenizers.Punctuation()]
    )
    tokenizer.decoder = decoders.Metaspace()

    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        limit_alphabet=1500,
        special_tokens=SPECIAL_TOKENS,
        show_progress=False,
    )
    tokenizer.train_from_iterator(normalized_texts, trainer=trainer)

    # Placeholders are whole tokens that decoding keeps, unlike special ones.
    tokenizer.add_tokens([AddedToken(p, single_word=True) for p in PLACEHOLDERS])

    return tokenizer


def pad_id(tokenizer: Tokenizer) -> int:
    token_id = tokenizer.token_to_id(PAD)
    if token_id is None:
        raise ValueError(f"tokenizer has no {PAD} token")
    return token_id
