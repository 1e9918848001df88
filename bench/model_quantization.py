"""Does int8 dynamic quantization of the ONNX model cost accuracy?

Prints test accuracy and macro-F1 per source for the fp32 graph and its
dynamically quantized int8 copy, and both file sizes. The model ships as int8
only if no source loses more than half a point of accuracy.

    .venv/bin/python bench/model_quantization.py --data-dir ../shared/datasets/ru
"""

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from onnxruntime.quantization import QuantType, quantize_dynamic
from tokenizers import Tokenizer

from ml.export.data import load_all
from ml.export.metrics import report_probabilities
from ml.export.train import cap_rows, encode, predict_logits_onnx, softmax

ALLOWED_LOSS = 0.005


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--model-dir", type=Path, default=Path("models"))
    parser.add_argument("--cache-dir", type=Path, default=Path(".data/cache"))
    parser.add_argument("--max-rows", type=int, default=0)
    parser.add_argument("--save", type=Path, help="also keep the int8 graph at this path")
    args = parser.parse_args()

    card = json.loads((args.model_dir / "model.json").read_text())
    seed = card["training"]["seed"]
    splits = load_all(args.data_dir, args.cache_dir, seed)
    cap_rows(splits, args.max_rows, seed)
    test = splits["test"]

    tokenizer = Tokenizer.from_file(str(args.model_dir / "tokenizer.json"))
    truncation = card["truncation"]
    sequences = encode(tokenizer, test, card["max_length"], truncation["head_tokens"])

    fp32 = args.model_dir / "sentiment.onnx"
    with tempfile.TemporaryDirectory() as scratch:
        int8 = Path(scratch) / "sentiment.int8.onnx"
        quantize_dynamic(fp32, int8, weight_type=QuantType.QInt8)
        reports = {
            name: report_probabilities(
                test, softmax(predict_logits_onnx(path, sequences, card["pad_id"]))
            )["by_source"]
            for name, path in (("fp32", fp32), ("int8", int8))
        }
        sizes = {"fp32": fp32.stat().st_size, "int8": int8.stat().st_size}
        if args.save:
            shutil.copyfile(int8, args.save)

    print(f"size fp32={sizes['fp32'] / 1e6:.1f} MB int8={sizes['int8'] / 1e6:.1f} MB")
    worst = 0.0
    for source, full in reports["fp32"].items():
        quant = reports["int8"][source]
        loss = full["accuracy"] - quant["accuracy"]
        worst = max(worst, loss)
        print(
            f"{source:16s} accuracy fp32={full['accuracy']:.4f} int8={quant['accuracy']:.4f} "
            f"macro_f1 fp32={full['macro_f1']:.4f} int8={quant['macro_f1']:.4f}"
        )

    verdict = "ship int8" if worst <= ALLOWED_LOSS else "keep fp32"
    print(f"worst accuracy loss={worst:.4f} allowed={ALLOWED_LOSS} -> {verdict}")


if __name__ == "__main__":
    main()
