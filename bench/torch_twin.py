"""Rebuild the exported network in torch eager with the ONNX file's weights.

The benchmark compares engines on the very same weights, and the trained
checkpoint is not committed; the ONNX graph holds everything needed. The
architecture is ``ml.export.model.SentimentNet``; its sizes are read off
the initializer shapes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from ml.export.model import ModelConfig, SentimentNet

# ONNX stores LSTM gates as (input, output, forget, cell); torch as
# (input, forget, cell, output). Index blocks of the ONNX layout in torch order.
ONNX_TO_TORCH_GATES = (0, 2, 3, 1)


def _torch_gate_order(matrix: np.ndarray) -> torch.Tensor:
    blocks = np.split(matrix, 4, axis=0)

    return torch.from_numpy(np.concatenate([blocks[i] for i in ONNX_TO_TORCH_GATES]))


def load_torch_twin(onnx_path: Path, pad_id: int) -> SentimentNet:
    """A ``SentimentNet`` in eval mode carrying the weights of ``onnx_path``."""
    graph = onnx.load(str(onnx_path)).graph
    weights = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    lstm_nodes = [node for node in graph.node if node.op_type == "LSTM"]

    embedding = weights["embedding.weight"]
    hidden = weights[lstm_nodes[0].input[2]].shape[2]
    config = ModelConfig(
        vocab_size=embedding.shape[0],
        pad_id=pad_id,
        embedding_dim=embedding.shape[1],
        hidden_size=hidden,
        num_layers=len(lstm_nodes) // 2,
        bigram_buckets=weights["bigram_logits.weight"].shape[0],
    )
    model = SentimentNet(config)
    state = model.state_dict()

    for name in state:
        if name in weights:
            state[name] = torch.from_numpy(weights[name].copy())

    # The exporter emits the LSTMs in call order: per layer forward, then backward.
    sides = ("forward_rnn", "backward_rnn")
    prefixes = [f"layers.{i}.{side}" for i in range(config.num_layers) for side in sides]
    for prefix, node in zip(prefixes, lstm_nodes, strict=True):
        w, r, b = (weights[name][0] for name in node.input[1:4])
        state[f"{prefix}.weight_ih_l0"] = _torch_gate_order(w)
        state[f"{prefix}.weight_hh_l0"] = _torch_gate_order(r)
        state[f"{prefix}.bias_ih_l0"] = _torch_gate_order(b[: 4 * hidden])
        state[f"{prefix}.bias_hh_l0"] = _torch_gate_order(b[4 * hidden :])
    model.load_state_dict(state)

    return model.eval()
