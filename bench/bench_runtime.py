"""Benchmark the sentiment runtime and print the figures.

Every measurement runs in a fresh process holding one engine, so thread
pools and allocators never share a process:

- single-text latency p50/p99, onnxruntime vs torch eager on the same weights;
- batched throughput at 100 tokens, FLOPs per text and the share of fp32 peak,
  for onnxruntime fp32, onnxruntime int8 (dynamic quantisation) and torch;
- the micro-batcher under 50 concurrent callers, against one-by-one runs;
- file-job batches of 128 rows through ``Classifier.predict``, in rows/s,
  with the share spent hashing n-grams for an ensemble model.

    .venv/bin/python bench/bench_runtime.py [--model-dir models] [--seconds 4]

The machine may be shared; the load average is printed beside each figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))
sys.path.insert(0, str(BENCH_DIR))

THROUGHPUT_TOKENS = 100
LATENCY_LENGTHS = (10, 50, 200)
BATCH_SIZES = (1, 8, 16, 32, 64, 256)
CALLERS = 50
ROUNDS = 4

SAMPLE_TEXTS = [
    "Отличный фильм, всем советую!",
    "Это ужасный фильм, полное разочарование.",
    "Сегодня обычный день, ничего особенного не произошло.",
    "Спасибо огромное за помощь, вы лучшие!",
    "Не понравилось: скучно, затянуто и актёры играют плохо, жаль потраченного вечера.",
    "I loved this movie, it was wonderful.",
    "The worst service I have ever had, never again.",
    "Meeting moved to 3pm, see you there.",
    "Honestly the plot made little sense, but the music and the cast kept me "
    "watching until the very end, and I would probably see it again.",
    "ok 👍",
]


def percentile(samples: list[float], q: float) -> float:
    return float(np.percentile(np.array(samples), q))


def timed_calls(
    call: Callable[[], object], seconds: float, warmup: int = 20, at_least: int = 10
) -> list[float]:
    """Seconds per call of ``call``, repeated for about ``seconds``."""
    for _ in range(warmup):
        call()

    samples: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(samples) < at_least:
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)

    return samples


def interleaved_calls(
    calls: Mapping[int, Callable[[], object]], seconds: float, rounds: int = ROUNDS
) -> dict[int, list[float]]:
    """``timed_calls`` for each of ``calls``, taken in turns of ``rounds``.

    On a shared machine the load drifts; measuring every variant a little
    in each round spreads the drift over all of them instead of the last.
    """
    samples: dict[int, list[float]] = {key: [] for key in calls}
    for round_index in range(rounds):
        for key, call in calls.items():
            warmup = 3 if round_index == 0 else 0
            samples[key] += timed_calls(call, seconds / rounds, warmup=warmup, at_least=1)

    return samples


def cycle(items: list[Any]) -> Callable[[], Any]:
    position = 0

    def next_item() -> Any:
        nonlocal position
        position = (position + 1) % len(items)
        return items[position]

    return next_item


def sample_token_ids(model_dir: Path) -> list[list[int]]:
    from ml.runtime.classifier import Classifier

    classifier = Classifier(model_dir, intra_op_threads=1)

    return [text.token_ids.tolist() for text in classifier.encode(SAMPLE_TEXTS)]


# Distinct hashed n-grams per token of a typical text (word 1-2-grams and
# character 2-5-grams of ~4.5 characters a token), for model-only runs of
# an ensemble graph on random token ids.
NGRAMS_PER_TOKEN = 10


def ngram_inputs(session: Any, rows: int, tokens: int, empty: bool) -> dict[str, np.ndarray]:
    """N-gram inputs when the graph takes them, else nothing: random ones,
    or none at all (``empty``), where the graph gives the LSTM's logits."""
    names = {node.name for node in session.get_inputs()}
    if "ngram_ids" not in names:
        return {}
    rng = np.random.default_rng(tokens)
    width = 1 if empty else max(NGRAMS_PER_TOKEN * tokens, 1)
    counts = np.zeros if empty else np.ones

    return {
        "ngram_ids": rng.integers(0, 1 << 16, size=(rows, width), dtype=np.int64),
        "ngram_counts": counts((rows, width), dtype=np.float32),
    }


def fixed_length_batch(vocab_size: int, batch: int, tokens: int) -> np.ndarray:
    rng = np.random.default_rng(batch)

    return rng.integers(2, vocab_size, size=(batch, tokens), dtype=np.int64)


def onnx_engine(
    model_path: Path, threads: int, ngrams: bool = True
) -> Callable[[np.ndarray, np.ndarray], Any]:
    import onnxruntime as ort

    from ml.runtime.classifier import session_options

    session = ort.InferenceSession(
        str(model_path), session_options(threads), providers=["CPUExecutionProvider"]
    )

    def run(ids: np.ndarray, lengths: np.ndarray) -> Any:
        inputs = {"input_ids": ids, "lengths": lengths}
        rows, steps = ids.shape
        inputs |= ngram_inputs(session, rows, steps, empty=not ngrams)
        return session.run(["logits"], inputs)[0]

    return run


def torch_engine(model_path: Path, pad_id: int, threads: int) -> Callable[..., Any]:
    import torch

    from ml.export.reload import load_sentiment_nets

    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    # Every LSTM the graph averages, so both engines do the same work.
    members = load_sentiment_nets(model_path, pad_id, raw_logits=False)

    def run(ids: np.ndarray, lengths: np.ndarray) -> Any:
        with torch.inference_mode():
            x, n = torch.from_numpy(ids), torch.from_numpy(lengths)
            return (sum(m(x, n) for m in members) / len(members)).numpy()

    return run


def load_engine(args: argparse.Namespace) -> Callable[[np.ndarray, np.ndarray], Any]:
    if args.engine == "torch":
        card = json.loads((args.model_dir / "model.json").read_text())
        return torch_engine(args.model_path, int(card["pad_id"]), args.threads)

    return onnx_engine(args.model_path, args.threads)


def worker_latency(args: argparse.Namespace) -> dict[str, Any]:
    """Model-only latency per single text (ids in, logits out): the sample
    texts in turn, then texts of a few fixed lengths."""
    engine = load_engine(args)
    inputs = [
        (np.array([ids], dtype=np.int64), np.array([len(ids)], dtype=np.int64))
        for ids in json.loads(args.token_ids)
    ]
    next_input = cycle(inputs)
    samples = timed_calls(lambda: engine(*next_input()), args.seconds)
    result = {"p50_ms": percentile(samples, 50) * 1e3, "p99_ms": percentile(samples, 99) * 1e3}

    calls = {
        tokens: partial(
            engine,
            fixed_length_batch(args.vocab_size, 1, tokens),
            np.array([tokens], dtype=np.int64),
        )
        for tokens in LATENCY_LENGTHS
    }
    for tokens, samples in interleaved_calls(calls, args.seconds / 2).items():
        result[f"p50_ms_at_{tokens}"] = percentile(samples, 50) * 1e3

    if args.engine == "onnxruntime" and args.model_path == args.model_dir / "sentiment.onnx":
        result.update(end_to_end_latency(args))

    return result


def end_to_end_latency(args: argparse.Namespace) -> dict[str, float]:
    """``Classifier.predict([text])``: normalise, tokenize, run, softmax."""
    from ml.runtime.classifier import Classifier

    classifier = Classifier(args.model_dir, intra_op_threads=args.threads)
    next_text = cycle(SAMPLE_TEXTS)
    samples = timed_calls(lambda: classifier.predict([next_text()]), args.seconds)

    return {
        "predict_p50_ms": percentile(samples, 50) * 1e3,
        "predict_p99_ms": percentile(samples, 99) * 1e3,
    }


def worker_throughput(args: argparse.Namespace) -> dict[str, Any]:
    """Texts per second at exactly ``THROUGHPUT_TOKENS`` tokens, per batch size."""
    engine = load_engine(args)
    calls = {
        batch: partial(
            engine,
            fixed_length_batch(args.vocab_size, batch, THROUGHPUT_TOKENS),
            np.full(batch, THROUGHPUT_TOKENS, dtype=np.int64),
        )
        for batch in BATCH_SIZES
    }
    samples = interleaved_calls(calls, args.seconds)

    return {"texts_per_s": {batch: batch / statistics.median(samples[batch]) for batch in calls}}


def worker_batcher(args: argparse.Namespace) -> dict[str, Any]:
    """Fifty callers, one text per request, with and without coalescing."""
    from ml.runtime.classifier import Classifier

    classifier = Classifier(args.model_dir, intra_op_threads=args.threads)
    classifier.predict(SAMPLE_TEXTS)

    return {
        "batched": asyncio.run(drive_batcher(classifier, args.seconds)),
        "one_by_one": asyncio.run(drive_one_by_one(classifier, args.seconds)),
    }


async def drive_callers(predict: Callable[[list[str]], Any], seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def caller(offset: int) -> None:
        turn = offset
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            await predict([SAMPLE_TEXTS[turn % len(SAMPLE_TEXTS)]])
            latencies.append(time.perf_counter() - start)
            turn += 1

    started = time.perf_counter()
    await asyncio.gather(*(caller(i) for i in range(CALLERS)))
    elapsed = time.perf_counter() - started

    return {
        "texts_per_s": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50) * 1e3,
        "p99_ms": percentile(latencies, 99) * 1e3,
        "requests": len(latencies),
    }


async def drive_batcher(classifier: Any, seconds: float) -> dict[str, float]:
    from ml.runtime.batcher import MicroBatcher

    async with MicroBatcher(classifier) as batcher:
        figures = await drive_callers(batcher.predict, seconds)

    figures["mean_batch"] = figures["requests"] / max(batcher.runs, 1)

    return figures


async def drive_one_by_one(classifier: Any, seconds: float) -> dict[str, float]:
    from concurrent.futures import ThreadPoolExecutor

    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=1) as executor:

        async def predict(texts: list[str]) -> Any:
            return await loop.run_in_executor(executor, classifier.predict, texts)

        return await drive_callers(predict, seconds)


FILE_BATCH_ROWS = 128


FILE_KINDS = {
    "short": "sample texts",
    "reviews": "1,000-char English reviews",
    "reviews_ru": "1,000-char Russian reviews",
}


def file_rows(kind: str) -> list[str]:
    """A file job's batch: the sample texts in turn, or review-sized texts
    (~1,000 characters) made of the English or of the Russian ones."""
    if kind == "short":
        return [SAMPLE_TEXTS[i % len(SAMPLE_TEXTS)] for i in range(FILE_BATCH_ROWS)]
    english = kind == "reviews"
    sentences = [t for t in SAMPLE_TEXTS if t.isascii() == english and t != "ok 👍"]

    return [
        " ".join(sentences[(i + j) % len(sentences)] for j in range(20))[:1000]
        for i in range(FILE_BATCH_ROWS)
    ]


def worker_files(args: argparse.Namespace) -> dict[str, Any]:
    """Rows per second of ``Classifier.predict`` on a file job's 128-row
    batches, and the share of it spent hashing n-grams."""
    from ml.runtime.classifier import Classifier
    from ml.runtime.ngrams import clip_text, hash_ngrams
    from ml.runtime.text import normalize

    classifier = Classifier(args.model_dir, intra_op_threads=args.threads)
    card = classifier.card
    result: dict[str, Any] = {}
    for kind in FILE_KINDS:
        rows = file_rows(kind)
        seconds = statistics.median(
            timed_calls(partial(classifier.predict, rows), args.seconds, warmup=2)
        )
        result[f"{kind}_rows_per_s"] = len(rows) / seconds
        if card.ngram_buckets:
            texts = [clip_text(normalize(t), card.ngram_max_chars) for t in rows]
            hashing = statistics.median(
                timed_calls(partial(hash_ngrams, texts, card.ngram_buckets), 1.0)
            )
            result[f"{kind}_ngram_share"] = hashing / seconds

    return result


def worker_quantize(args: argparse.Namespace) -> dict[str, Any]:
    """Write an int8 dynamic-quantised copy and measure how far it drifts."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from ml.export.quantize import float16_gathers

    quantize_dynamic(
        args.model_path,
        args.int8_path,
        weight_type=QuantType.QInt8,
        nodes_to_exclude=float16_gathers(args.model_path),
    )
    fp32 = onnx_engine(args.model_path, args.threads)
    int8 = onnx_engine(args.int8_path, args.threads)
    ids = fixed_length_batch(args.vocab_size, 256, THROUGHPUT_TOKENS)
    lengths = np.random.default_rng(1).integers(1, THROUGHPUT_TOKENS + 1, 256)

    def probabilities(logits: np.ndarray) -> np.ndarray:
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        return exp / exp.sum(axis=1, keepdims=True)

    a, b = probabilities(fp32(ids, lengths)), probabilities(int8(ids, lengths))

    return {
        "max_prob_diff": float(np.abs(a - b).max()),
        "label_agreement": float((a.argmax(1) == b.argmax(1)).mean()),
        "size_mb": args.int8_path.stat().st_size / 1e6,
    }


def worker_parity(args: argparse.Namespace) -> dict[str, Any]:
    """Check that the torch twin carries the ONNX weights: same logits. The
    twin is the LSTM alone; an ensemble graph runs with no n-grams and on
    tokens without Cyrillic letters then (English texts, whose linear bias
    is folded into the LSTM head)."""
    card = json.loads((args.model_dir / "model.json").read_text())
    twin = torch_engine(args.model_path, int(card["pad_id"]), args.threads)
    session = onnx_engine(args.model_path, args.threads, ngrams=False)
    rng = np.random.default_rng(2)
    ids = fixed_length_batch(args.vocab_size, 16, 120)
    latin = latin_token_ids(args.model_path)
    if latin is not None:
        ids = latin[ids % len(latin)]
    lengths = rng.integers(1, 121, size=16)

    return {"max_abs_diff": float(np.abs(twin(ids, lengths) - session(ids, lengths)).max())}


def latin_token_ids(model_path: Path) -> np.ndarray | None:
    """Ids of the tokens without Cyrillic letters, if the graph tells them."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(model_path)).graph
    table = next((i for i in graph.initializer if i.name == "token_cyrillic"), None)
    if table is None:
        return None

    return np.flatnonzero(numpy_helper.to_array(table) == 0).astype(np.int64)


def worker_sgemm(args: argparse.Namespace) -> dict[str, Any]:
    """What numpy's BLAS reaches on a large fp32 matrix product: a practical peak."""
    size = 2048
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((size, size), dtype=np.float32) for _ in range(2))
    samples = timed_calls(lambda: a @ b, args.seconds, warmup=2)

    return {"gflops": 2 * size**3 / statistics.median(samples) / 1e9}


WORKERS = {
    "latency": worker_latency,
    "throughput": worker_throughput,
    "batcher": worker_batcher,
    "quantize": worker_quantize,
    "sgemm": worker_sgemm,
    "parity": worker_parity,
    "files": worker_files,
}


def run_worker(
    kind: str, engine: str, threads: int, model: Path, opts: argparse.Namespace, **extra: str
) -> dict[str, Any]:
    """Run one measurement in a fresh process and read its JSON answer."""
    return run_workers(kind, engine, threads, model, opts, copies=1, **extra)[0]


def run_workers(
    kind: str,
    engine: str,
    threads: int,
    model: Path,
    opts: argparse.Namespace,
    copies: int,
    **extra: str,
) -> list[dict[str, Any]]:
    """Run ``copies`` identical measurements side by side, one process each."""
    options = {
        "worker": kind,
        "engine": engine,
        "threads": threads,
        "model_path": model,
        "model_dir": opts.model_dir,
        "seconds": opts.seconds,
        "vocab_size": opts.vocab_size,
        "int8_path": opts.int8_path,
        **extra,
    }
    command = [sys.executable, __file__]
    for key, value in options.items():
        command += [f"--{key.replace('_', '-')}", str(value)]
    blas_threads = {name: str(threads) for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}

    load_before = os.getloadavg()[0]
    processes = [
        subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **blas_threads},
        )
        for _ in range(copies)
    ]
    results = []
    for process in processes:
        stdout, stderr = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"{kind}/{engine} worker failed:\n{stderr}")
        results.append(json.loads(stdout.strip().splitlines()[-1]))

    for result in results:
        result["load"] = (load_before, os.getloadavg()[0])

    return results


def print_header(opts: argparse.Namespace) -> None:
    import onnxruntime
    from machine import fp32_peak

    card = json.loads((opts.model_dir / "model.json").read_text())
    print(f"model {card['version']} from {opts.model_dir}")
    print(f"onnxruntime {onnxruntime.__version__}; {len(os.sched_getaffinity(0))} cores")
    print(f"fp32 peak: {fp32_peak().describe()}")
    sgemm = run_worker("sgemm", "numpy", opts.threads, opts.model_path, opts)
    print(
        f"numpy sgemm 2048³ with {opts.threads} threads: {sgemm['gflops']:.0f} GFLOP/s "
        f"= {sgemm['gflops'] / fp32_peak().gflops:.0%} of that peak {load_note(sgemm)}"
    )
    print(
        "'fused' is bench/fuse_bidirectional.py's rewrite of the export "
        "(one bidirectional LSTM node per layer), a proposal, not what serves"
    )
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def load_note(result: dict[str, Any]) -> str:
    return f"[load {result['load'][0]:.1f}→{result['load'][1]:.1f}]"


def engines(opts: argparse.Namespace) -> list[tuple[str, str, Path]]:
    """(name, engine, model file) of every variant measured."""
    variants = [
        ("onnxruntime fp32", "onnxruntime", opts.model_path),
        ("onnxruntime int8", "onnxruntime", opts.int8_path),
        ("torch eager fp32", "torch", opts.model_path),
    ]
    if opts.fused_path:
        variants.append(("onnxruntime fp32 fused", "onnxruntime", opts.fused_path))

    return variants


def write_fused_copy(opts: argparse.Namespace) -> Path | None:
    """The export with one bidirectional LSTM per layer, if its graph allows."""
    import onnx
    from fuse_bidirectional import fuse

    target = opts.int8_path.with_name("sentiment.fused.onnx")
    try:
        onnx.save(fuse(onnx.load(str(opts.model_path))), str(target))
    except (StopIteration, ValueError, KeyError) as error:
        print(f"no fused copy: the graph does not have the export's layer names ({error!r})")
        return None

    return target


def report_latency(opts: argparse.Namespace, threads: list[int]) -> None:
    parity = run_worker("parity", "torch", 1, opts.model_path, opts)
    print(
        f"\ntorch twin (ml/export/reload.py) vs onnxruntime on 16 texts of 1–120 tokens: "
        f"max |Δ logit| {parity['max_abs_diff']:.2e}"
    )
    token_ids = json.dumps(sample_token_ids(opts.model_dir))
    lengths = [len(ids) for ids in json.loads(token_ids)]
    fixed = " | ".join(f"{tokens} tok p50" for tokens in LATENCY_LENGTHS)
    print(
        f"\nsingle-text latency in ms, model only; 'sample' cycles {len(lengths)} texts "
        f"of {min(lengths)}–{max(lengths)} tokens\n"
        f"  {'engine':<34} sample p50 | sample p99 | {fixed}"
    )

    for count in threads:
        results = {}
        for name, engine, path in engines(opts):
            result = run_worker("latency", engine, count, path, opts, token_ids=token_ids)
            results[name] = result
            cells = [result["p50_ms"], result["p99_ms"]]
            cells += [result[f"p50_ms_at_{tokens}"] for tokens in LATENCY_LENGTHS]
            row = " | ".join(f"{cell:10.3f}" for cell in cells)
            print(f"  {name + f' threads={count}':<34} {row} {load_note(result)}")

        fp32, torch_result = results["onnxruntime fp32"], results["torch eager fp32"]
        keys = ["p50_ms", *(f"p50_ms_at_{tokens}" for tokens in LATENCY_LENGTHS)]
        ratios = ", ".join(
            f"{label} {torch_result[key] / fp32[key]:.1f}×"
            for label, key in zip(["sample", *map(str, LATENCY_LENGTHS)], keys, strict=True)
        )
        print(f"  torch / onnxruntime fp32 at p50 (target ≥ 3×): {ratios}")
        print(
            f"  Classifier.predict([text]) with normalisation and tokenization: "
            f"p50 {fp32['predict_p50_ms']:.3f} ms, p99 {fp32['predict_p99_ms']:.3f} ms"
        )


def report_throughput(opts: argparse.Namespace) -> None:
    from machine import flops_per_text, fp32_peak

    flops, how = flops_per_text(opts.model_path, THROUGHPUT_TOKENS)
    peak = fp32_peak().gflops * 1e9
    quantized = opts.quantized
    cores = len(os.sched_getaffinity(0))
    print(
        f"\nbatched throughput at {THROUGHPUT_TOKENS} tokens, the whole machine; "
        f"{flops / 1e6:.1f} MFLOP per text ({how})"
    )
    print(
        f"  int8 copy: {quantized['size_mb']:.1f} MB, max probability change "
        f"{quantized['max_prob_diff']:.4f}, same label on "
        f"{quantized['label_agreement']:.1%} of 256 random texts"
    )

    layouts = sorted({(1, cores), (cores, 1)})
    for name, engine, path in engines(opts):
        for copies, threads in layouts:
            results = run_workers("throughput", engine, threads, path, opts, copies)
            rates = {
                int(batch): sum(result["texts_per_s"][batch] for result in results)
                for batch in results[0]["texts_per_s"]
            }
            best = max(rates, key=rates.__getitem__)
            share = rates[best] * flops / peak
            per_batch = ", ".join(f"b{batch}: {rate:,.0f}" for batch, rate in rates.items())
            print(
                f"  {name}, {copies} process(es) × {threads} thread(s): "
                f"best {rates[best]:,.0f} texts/s at batch {best} = "
                f"{rates[best] * flops / 1e9:.1f} GFLOP/s = {share:.1%} of fp32 peak "
                f"{load_note(results[0])}"
            )
            print(f"    texts/s by batch: {per_batch}")


def report_batcher(opts: argparse.Namespace, threads: list[int]) -> None:
    print(
        f"\nmicro-batcher in one process, {CALLERS} concurrent callers, one sample text per request"
    )
    for count in threads:
        result = run_worker("batcher", "onnxruntime", count, opts.model_path, opts)
        for name in ("batched", "one_by_one"):
            figures = result[name]
            extra = f", mean batch {figures['mean_batch']:.1f}" if "mean_batch" in figures else ""
            print(
                f"  threads={count} {name.replace('_', '-')}: "
                f"{figures['texts_per_s']:,.0f} texts/s, p50 {figures['p50_ms']:.2f} ms, "
                f"p99 {figures['p99_ms']:.2f} ms{extra} {load_note(result)}"
            )


def report_files(opts: argparse.Namespace, threads: list[int]) -> None:
    print(
        f"\nfile-job batches: Classifier.predict on {FILE_BATCH_ROWS} rows a call, "
        "normalisation, tokenization and n-grams included"
    )
    cores = len(os.sched_getaffinity(0))
    for count in threads:
        copies = cores // count
        results = run_workers("files", "onnxruntime", count, opts.model_path, opts, copies)
        for kind, label in FILE_KINDS.items():
            rate = sum(result[f"{kind}_rows_per_s"] for result in results)
            share = results[0].get(f"{kind}_ngram_share")
            hashing = f", n-gram hashing {share:.0%} of the time" if share is not None else ""
            print(
                f"  {copies} process(es) × {count} thread(s), {label}: "
                f"{rate:,.0f} rows/s{hashing} {load_note(results[0])}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model-dir", type=Path, default=BENCH_DIR.parent / "models")
    parser.add_argument("--seconds", type=float, default=4.0, help="per measurement")
    parser.add_argument(
        "--threads",
        type=int,
        default=len(os.sched_getaffinity(0)),
        help="the thread count compared with 1 (default: all cores)",
    )
    parser.add_argument(
        "--only",
        default="latency,throughput,batcher,files",
        help="comma-separated sections to run",
    )
    parser.add_argument("--worker", choices=sorted(WORKERS))
    parser.add_argument(
        "--engine", default="onnxruntime", choices=["onnxruntime", "torch", "numpy"]
    )
    parser.add_argument("--model-path", type=Path)
    parser.add_argument("--int8-path", type=Path)
    parser.add_argument("--vocab-size", type=int)
    parser.add_argument("--token-ids")
    opts = parser.parse_args()

    if opts.worker:
        print(json.dumps(WORKERS[opts.worker](opts)))
        return

    opts.model_path = opts.model_dir / "sentiment.onnx"
    opts.vocab_size = vocab_size(opts.model_path)
    with tempfile.TemporaryDirectory() as scratch:
        opts.int8_path = Path(scratch) / "sentiment.int8.onnx"
        print_header(opts)
        sections = opts.only.split(",")
        opts.quantized = run_worker("quantize", "onnxruntime", 1, opts.model_path, opts)
        opts.fused_path = write_fused_copy(opts)
        if "latency" in sections:
            report_latency(opts, sorted({1, opts.threads}))
        if "throughput" in sections:
            report_throughput(opts)
        if "batcher" in sections:
            report_batcher(opts, sorted({1, opts.threads}))
        if "files" in sections:
            report_files(opts, sorted({1, opts.threads}))


def vocab_size(model_path: Path) -> int:
    import onnx

    graph = onnx.load(str(model_path), load_external_data=False).graph
    embedding = next(init for init in graph.initializer if init.name == "embedding.weight")

    return int(embedding.dims[0])


if __name__ == "__main__":
    main()
