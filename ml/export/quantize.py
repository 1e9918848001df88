"""The int8 copy of the exported graph, and what it costs in test accuracy."""

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto
from onnxruntime.quantization import QuantType, quantize_dynamic

log = logging.getLogger(__name__)

# The int8 copy is kept only if no test source loses more accuracy than this.
ALLOWED_ACCURACY_LOSS = 0.005


def float16_gathers(path: Path) -> list[str]:
    """Nodes reading the n-gram tables, already float16 and not quantizable."""
    graph = onnx.load(str(path)).graph
    tables = {init.name for init in graph.initializer if init.data_type == TensorProto.FLOAT16}

    return [node.name for node in graph.node if tables & set(node.input)]


def quantize_and_compare(
    fp32: Path, int8: Path, fp32_report: dict, score: Callable[[Path], dict]
) -> dict:
    """Write ``int8`` by dynamic quantization of ``fp32`` and compare the
    per-source test accuracy ``score(int8)`` with ``fp32_report``; the copy
    is deleted again when some source loses more than the allowance."""
    quantize_dynamic(
        fp32, int8, weight_type=QuantType.QInt8, nodes_to_exclude=float16_gathers(fp32)
    )
    report = score(int8)["by_source"]

    changes = {
        source: round(report[source]["accuracy"] - full["accuracy"], 4)
        for source, full in fp32_report["by_source"].items()
    }
    worst = min(changes.values(), default=0.0)
    kept = worst >= -ALLOWED_ACCURACY_LOSS
    size_mb = round(int8.stat().st_size / 1e6, 1)
    log.info("quantized int8 worst_change=%.4f kept=%s size_mb=%.1f", worst, kept, size_mb)
    if not kept:
        int8.unlink()

    return {
        "file": int8.name if kept else None,
        "method": "onnxruntime.quantization.quantize_dynamic, QInt8 weights",
        "test_accuracy_change": changes,
        "worst_change": float(np.round(worst, 4)),
        "allowed_loss": ALLOWED_ACCURACY_LOSS,
        "size_mb": size_mb,
        "note": "sentiment.onnx (fp32) is the reference graph that parity is checked "
        "against and the runtime loads; the int8 copy is for throughput",
    }
