"""The exported graph: one or more BiLSTMs and the n-gram linear model, mixed.

They are trained apart. The LSTMs' logits are averaged, the linear model's
added with a weight per language chosen on the validation split, then one
temperature is fitted to the sum. The graph takes the LSTMs' inputs (they
share one tokenizer) and the runtime's hashed n-grams, and tells the
language from the script of the text's tokens.
"""

from collections.abc import Callable, Sequence

import numpy as np
import torch
from tokenizers import Tokenizer
from torch import Tensor, nn

from ml.export.linear import NgramLinear, ngram_logits
from ml.export.model import SentimentNet
from ml.runtime.text import CYRILLIC_SHARE_FOR_RU

MIX_GRID = tuple(np.round(np.arange(0.0, 4.01, 0.1), 2))
LANGUAGES = ("en", "ru")


def script_tables(tokenizer: Tokenizer) -> tuple[np.ndarray, np.ndarray]:
    """Per token id, how many letters its piece has and how many are Cyrillic."""
    size = tokenizer.get_vocab_size()
    letters = np.zeros(size, dtype=np.float32)
    cyrillic = np.zeros(size, dtype=np.float32)
    for token_id in range(size):
        piece = tokenizer.id_to_token(token_id) or ""
        letters[token_id] = sum(c.isalpha() for c in piece)
        cyrillic[token_id] = sum("\u0400" <= c <= "\u052f" for c in piece)

    return letters, cyrillic


def russian_rows(
    sequences: Sequence[Sequence[int]], letters: np.ndarray, cyrillic: np.ndarray
) -> np.ndarray:
    """Which texts the graph will treat as Russian, as ``detect_language``
    does from raw text: at least half of the letters are Cyrillic."""
    totals = np.array([letters[list(ids)].sum() for ids in sequences])
    cyrillic_totals = np.array([cyrillic[list(ids)].sum() for ids in sequences])

    return (totals > 0) & (cyrillic_totals >= CYRILLIC_SHARE_FOR_RU * totals)


class EnsembleNet(SentimentNet):
    """The mean of the LSTMs' logits with the linear model's added, times a
    weight that depends on the text's language (``linear_weights``: English,
    Russian).

    It is a ``SentimentNet`` carrying the first LSTM's weights under their
    own names, so tools that rebuild the LSTM from the ONNX file still find
    them; further LSTMs are ``members``.
    The n-gram table and idf are stored in
    float16 (half the file; the rows a text needs are gathered, then cast).
    """

    linear_weights: Tensor
    russian_bias: Tensor
    ngram_table: Tensor
    ngram_idf: Tensor
    token_letters: Tensor
    token_cyrillic: Tensor

    def __init__(
        self,
        lstms: Sequence[SentimentNet],
        linear: NgramLinear,
        linear_weights: tuple[float, float],
        scripts: tuple[np.ndarray, np.ndarray],
    ) -> None:
        first, *rest = lstms
        super().__init__(first.config)
        self.load_state_dict(first.state_dict())
        self.members = nn.ModuleList()
        for lstm in rest:
            member = SentimentNet(lstm.config)
            member.load_state_dict(lstm.state_dict())
            member.set_temperature(1.0)
            self.members.append(member)
        english, russian = linear_weights
        self.register_buffer("linear_weights", torch.tensor([english, russian]))
        self.register_buffer("ngram_table", linear.weight.weight.detach().half())
        self.register_buffer("ngram_idf", linear.idf.detach().half())
        self.register_buffer("token_letters", torch.from_numpy(scripts[0]))
        self.register_buffer("token_cyrillic", torch.from_numpy(scripts[1]))

        # The linear bias at the English weight goes into every LSTM head's,
        # so an English text with no n-grams gets exactly the LSTMs' mean
        # logits; a Russian text adds the rest of its own weight's share.
        with torch.no_grad():
            for network in (self, *self.members):
                output = network.head[-1]
                assert isinstance(output, nn.Linear)
                output.bias.add_(english * linear.bias)
        self.register_buffer("russian_bias", ((russian - english) * linear.bias).detach())

    def _russian(self, input_ids: Tensor, lengths: Tensor) -> Tensor:
        positions = torch.arange(input_ids.shape[1]).unsqueeze(0)
        mask = (positions < lengths.unsqueeze(1)).to(torch.float32)
        letters = (self.token_letters[input_ids] * mask).sum(dim=1)
        cyrillic = (self.token_cyrillic[input_ids] * mask).sum(dim=1)
        russian = (letters > 0) & (cyrillic >= CYRILLIC_SHARE_FOR_RU * letters)

        return russian.to(torch.float32)

    def forward(  # type: ignore[override]
        self, input_ids: Tensor, lengths: Tensor, ngram_ids: Tensor, ngram_counts: Tensor
    ) -> Tensor:
        lstm = super().forward(input_ids, lengths)
        for member in self.members:
            lstm = lstm + member(input_ids, lengths) * self.inverse_temperature
        lstm = lstm / (1 + len(self.members))
        rows = self.ngram_table[ngram_ids].float()
        linear = ngram_logits(rows, self.ngram_idf[ngram_ids].float(), ngram_counts)

        russian = self._russian(input_ids, lengths).unsqueeze(1)
        english_weight, russian_weight = self.linear_weights[0], self.linear_weights[1]
        weight = english_weight + (russian_weight - english_weight) * russian
        shift = weight * linear + russian * self.russian_bias

        return lstm + shift * self.inverse_temperature


def mixed(
    lstm_logits: np.ndarray,
    linear_logits: np.ndarray,
    russian: np.ndarray,
    weights: Sequence[float],
) -> np.ndarray:
    factor = np.where(russian, weights[1], weights[0])[:, None]
    return lstm_logits + factor * linear_logits


def best_linear_weights(
    lstm_logits: np.ndarray,
    linear_logits: np.ndarray,
    russian: np.ndarray,
    score: Callable[[np.ndarray], float],
) -> tuple[tuple[float, float], list[dict]]:
    """The English and Russian weights of the linear logits with the best
    validation ``score``, by two rounds of search one language at a time
    (a weight only moves the rows of its language)."""
    weights = [0.5, 0.5]
    trials: list[dict] = []
    for _ in range(2):
        for language, index in zip(LANGUAGES, (0, 1), strict=True):
            results = []
            for value in MIX_GRID:
                candidate = list(weights)
                candidate[index] = float(value)
                value_score = score(mixed(lstm_logits, linear_logits, russian, candidate))
                results.append((value_score, float(value)))
            best_score, weights[index] = max(results)
            trials.append({"language": language, "weight": weights[index], "val_score": best_score})

    return (weights[0], weights[1]), trials
