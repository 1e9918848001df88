"""The sentiment network: subword embeddings, a two-layer bidirectional LSTM,
masked mean + max pooling, and a hashed bag of bigrams beside it.

Every step is exact under padding: the backward direction reads each text
reversed within its own length, and pooling ignores positions at or past the
length, so a text padded to any longer sequence gives the same logits.
"""

from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn

NUM_CLASSES = 3
_NEG_FILL = -1e4


@dataclass(frozen=True)
class ModelConfig:
    vocab_size: int
    pad_id: int
    embedding_dim: int = 128
    hidden_size: int = 128
    num_layers: int = 2
    dropout: float = 0.3
    bigram_buckets: int = 1 << 18

    def to_dict(self) -> dict[str, int | float]:
        return asdict(self)


def _positions(input_ids: Tensor) -> Tensor:
    seq_len = input_ids.shape[1]
    return torch.arange(seq_len, device=input_ids.device).unsqueeze(0)


def reverse_within_length(x: Tensor, lengths: Tensor) -> Tensor:
    """Reverse the first ``lengths[b]`` steps of every row of ``x``
    ([batch, seq, dim]); padded steps stay where they are."""
    positions = _positions(x[..., 0])
    last = (lengths - 1).unsqueeze(1)
    index = torch.where(positions <= last, last - positions, positions)

    return torch.gather(x, 1, index.unsqueeze(2).expand_as(x))


class BiLSTMLayer(nn.Module):
    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.forward_rnn = nn.LSTM(input_size, hidden_size, batch_first=True)
        self.backward_rnn = nn.LSTM(input_size, hidden_size, batch_first=True)

    def forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        ahead, _ = self.forward_rnn(x)
        behind, _ = self.backward_rnn(reverse_within_length(x, lengths))

        return torch.cat([ahead, reverse_within_length(behind, lengths)], dim=2)


class SentimentNet(nn.Module):
    """Maps token ids and lengths to logits for negative, neutral, positive."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        dim, hidden = config.embedding_dim, config.hidden_size

        self.embedding = nn.Embedding(config.vocab_size, dim, padding_idx=config.pad_id)
        sizes = [dim] + [2 * hidden] * (config.num_layers - 1)
        self.layers = nn.ModuleList(BiLSTMLayer(size, hidden) for size in sizes)
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Sequential(
            nn.Linear(4 * 2 * hidden, hidden),
            nn.ReLU(),
            nn.Dropout(config.dropout),
            nn.Linear(hidden, NUM_CLASSES),
        )

        self.unigram_logits = nn.Embedding(config.vocab_size, NUM_CLASSES)
        self.bigram_logits = nn.Embedding(max(config.bigram_buckets, 1), NUM_CLASSES)
        nn.init.zeros_(self.unigram_logits.weight)
        nn.init.zeros_(self.bigram_logits.weight)

        # Set after training by temperature scaling on the validation split.
        self.register_buffer("inverse_temperature", torch.ones(()))

    def set_temperature(self, temperature: float) -> None:
        self.inverse_temperature = torch.tensor(1.0 / temperature)

    def _bag_logits(self, input_ids: Tensor, mask: Tensor, lengths: Tensor) -> Tensor:
        unigram = (self.unigram_logits(input_ids) * mask.unsqueeze(2)).sum(1)
        unigram = unigram / lengths.unsqueeze(1).to(unigram.dtype)
        if self.config.bigram_buckets <= 0:
            return unigram

        pairs = input_ids[:, :-1] * self.config.vocab_size + input_ids[:, 1:]
        buckets = torch.remainder(pairs, self.config.bigram_buckets)
        pair_mask = mask[:, 1:]
        bigram = (self.bigram_logits(buckets) * pair_mask.unsqueeze(2)).sum(1)
        bigram = bigram / pair_mask.sum(1, keepdim=True).clamp(min=1.0)

        return unigram + bigram

    def forward(self, input_ids: Tensor, lengths: Tensor) -> Tensor:
        mask = (_positions(input_ids) < lengths.unsqueeze(1)).to(torch.float32)
        x = self.dropout(self.embedding(input_ids))
        states = []
        for layer in self.layers:
            x = layer(x, lengths)
            states.append(x)
            x = self.dropout(x)

        # Pool the last two layers: mean and max over real positions only.
        features = torch.cat(states[-2:], dim=2) if len(states) > 1 else states[-1]
        keep = mask.unsqueeze(2)
        mean = (features * keep).sum(1) / lengths.unsqueeze(1).to(features.dtype)
        peak = (features * keep + (1.0 - keep) * _NEG_FILL).max(dim=1).values
        pooled = torch.cat([mean, peak], dim=1)
        if len(states) == 1:
            pooled = torch.cat([pooled, pooled], dim=1)

        logits = self.head(self.dropout(pooled)) + self._bag_logits(input_ids, mask, lengths)

        return logits * self.inverse_temperature
