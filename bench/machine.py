"""What the machine can do in theory and what the model asks of it.

The fp32 peak is cores × clock × FLOPs per cycle, where FLOPs per cycle are
FMA pipes × fp32 lanes of the widest vector unit × 2 (an FMA is a multiply
and an add). The assumptions per CPU family are spelled out in the result.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import onnx
from onnx import numpy_helper


@dataclass(frozen=True)
class Peak:
    cores: int
    ghz: float
    fma_pipes: int
    lanes: int
    how: str

    @property
    def flops_per_cycle(self) -> int:
        return self.fma_pipes * self.lanes * 2

    @property
    def gflops(self) -> float:
        return self.cores * self.ghz * self.flops_per_cycle

    def describe(self) -> str:
        return (
            f"{self.cores} cores × {self.ghz:.2f} GHz × {self.flops_per_cycle} FLOP/cycle "
            f"({self.fma_pipes} FMA pipes × {self.lanes} fp32 lanes × 2) "
            f"= {self.gflops:.0f} GFLOP/s; {self.how}"
        )


def _cpuinfo() -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())

    return fields


def fp32_peak() -> Peak:
    """Estimate the fp32 FMA peak of the cores this process may use."""
    info = _cpuinfo()
    flags = set(info.get("flags", "").split())
    vendor = info.get("vendor_id", "")
    family = int(info.get("cpu family", "0"))
    ghz = float(info.get("cpu MHz", "0")) / 1000
    cores = len(os.sched_getaffinity(0))

    if "avx512f" in flags and vendor == "AuthenticAMD" and family >= 26:
        lanes, how = 16, "Zen 5: two full-width 512-bit FMA pipes"
    elif "avx512f" in flags and vendor == "AuthenticAMD":
        lanes, how = 8, "Zen 4: AVX-512 runs on 256-bit pipes, so 8 lanes per pipe"
    elif "avx512f" in flags:
        lanes, how = 16, "Intel AVX-512: assuming two 512-bit FMA ports (server parts)"
    elif "fma" in flags and "avx2" in flags:
        lanes, how = 8, "AVX2 + FMA: two 256-bit FMA ports"
    else:
        lanes, how = 4, "SSE only: two 128-bit pipes, no FMA counted as one"

    how += f"; clock from /proc/cpuinfo 'cpu MHz' ({vendor} family {family}), boost ignored"

    return Peak(cores=cores, ghz=ghz, fma_pipes=2, lanes=lanes, how=how)


def flops_per_text(onnx_path: Path, tokens: int) -> tuple[float, str]:
    """Multiply-adds ×2 of the LSTM and dense layers for one text of ``tokens``.

    Gathers, pooling and element-wise gate maths are left out: they are
    a few per cent of the total and not what a peak figure measures.
    """
    graph = onnx.load(str(onnx_path)).graph
    weights = {init.name: numpy_helper.to_array(init) for init in graph.initializer}

    lstm = dense = 0.0
    for node in graph.node:
        if node.op_type == "LSTM":
            w, r = weights[node.input[1]], weights[node.input[2]]
            directions, gates_hidden, inputs = w.shape
            hidden = r.shape[2]
            lstm += directions * 2 * gates_hidden * (inputs + hidden) * tokens
        elif node.op_type in ("Gemm", "MatMul"):
            matrix = next((weights[name] for name in node.input if name in weights), None)
            if matrix is not None and matrix.ndim == 2:
                dense += 2 * matrix.shape[0] * matrix.shape[1]

    summary = f"LSTM {lstm / 1e6:.1f} MFLOP + dense {dense / 1e6:.2f} MFLOP at {tokens} tokens"

    return lstm + dense, summary
