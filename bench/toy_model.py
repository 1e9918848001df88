"""Build a random-weight model that keeps to the runtime's artifact contract.

Development and benchmark helper only: the weights are untrained, so the
labels it gives mean nothing, but the files, names, shapes and padding
behaviour are those of a real export.

    .venv/bin/python bench/toy_model.py /tmp/toy-model
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
from torch import nn

SAMPLE_TEXTS = [
    "i loved this movie, it was wonderful",
    "this is a terrible film, a complete disappointment",
    "the plot was fine and the actors were ok",
    "это ужасный фильм, полное разочарование",
    "отличный день, всё прекрасно",
    "погода обычная, ничего особенного",
]


class ToySentimentLSTM(nn.Module):
    """Embedding, a forward LSTM and the hidden state at the last real token."""

    def __init__(self, vocab_size: int, embed_dim: int, hidden: int, layers: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.lstm = nn.LSTM(embed_dim, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, 3)

    def forward(self, input_ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        states, _ = self.lstm(self.embedding(input_ids))
        last = (lengths - 1).clamp(min=0).view(-1, 1, 1).expand(-1, 1, states.shape[2])

        return self.head(states.gather(1, last).squeeze(1))


def train_toy_tokenizer(vocab_size: int) -> Tokenizer:
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<pad>", "<unk>"])
    tokenizer.train_from_iterator(SAMPLE_TEXTS * 10, trainer=trainer)

    return tokenizer


def build_toy_model(
    out_dir: Path,
    *,
    vocab_size: int = 8000,
    embed_dim: int = 64,
    hidden: int = 64,
    layers: int = 2,
    max_length: int = 64,
    seed: int = 0,
) -> Path:
    """Write sentiment.onnx, tokenizer.json and model.json into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    train_toy_tokenizer(300).save(str(out_dir / "tokenizer.json"))

    model = ToySentimentLSTM(vocab_size, embed_dim, hidden, layers).eval()
    example = (torch.ones(2, 5, dtype=torch.int64), torch.tensor([5, 3]))
    torch.onnx.export(
        model,
        example,
        str(out_dir / "sentiment.onnx"),
        input_names=["input_ids", "lengths"],
        output_names=["logits"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "seq"},
            "lengths": {0: "batch"},
            "logits": {0: "batch"},
        },
        dynamo=False,
    )
    torch.save(model.state_dict(), out_dir / "toy_weights.pt")

    card = {
        "version": f"toy-{seed}",
        "labels": ["negative", "neutral", "positive"],
        "max_length": max_length,
        "pad_id": 0,
        "truncation": "head",
        "architecture": {
            "vocab_size": vocab_size,
            "embed_dim": embed_dim,
            "hidden": hidden,
            "layers": layers,
            "bidirectional": False,
        },
    }
    (out_dir / "model.json").write_text(json.dumps(card, indent=2))

    return out_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--embed-dim", type=int, default=64)
    parser.add_argument("--max-length", type=int, default=64)
    args = parser.parse_args()

    build_toy_model(
        args.out_dir, hidden=args.hidden, embed_dim=args.embed_dim, max_length=args.max_length
    )
    print(f"toy model written to {args.out_dir}")


if __name__ == "__main__":
    main()
