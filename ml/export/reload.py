"""Rebuild a trained ``SentimentNet`` from the ONNX graph it was exported to.

The trainer keeps no torch checkpoint: the graph holds every weight. This
lets ``tonality train --lstm-from`` mix a new linear model with an LSTM
trained earlier, without spending the LSTM's training time again.
"""

from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from ml.export.model import ModelConfig, SentimentNet

# ONNX orders LSTM gates input, output, forget, cell; torch input, forget,
# cell, output. Blocks of the ONNX layout, listed in torch's order.
_TORCH_GATE_BLOCKS = (0, 2, 3, 1)


def _to_torch_gates(matrix: np.ndarray) -> torch.Tensor:
    blocks = np.split(matrix, 4, axis=0)
    return torch.from_numpy(np.concatenate([blocks[i] for i in _TORCH_GATE_BLOCKS]))


def _module_path(node: onnx.NodeProto) -> str:
    """``layers.0.forward_rnn`` from an LSTM node fed by ``/layers.0/forward_rnn/...``."""
    scope = node.input[0].strip("/").split("/")
    return ".".join(scope[:2])


def load_sentiment_net(path: Path, pad_id: int, *, raw_logits: bool = True) -> SentimentNet:
    """The network of an exported ``SentimentNet`` graph, in eval mode. With
    ``raw_logits`` its temperature is reset to 1; without, it is the graph's,
    so the network answers what the graph does (the runtime benchmark's twin)."""
    graph = onnx.load(str(path)).graph
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
        if name in weights and not (raw_logits and name == "inverse_temperature"):
            state[name] = torch.from_numpy(weights[name].copy())

    for node in lstm_nodes:
        prefix = _module_path(node)
        w, r, b = (weights[name][0] for name in node.input[1:4])
        state[f"{prefix}.weight_ih_l0"] = _to_torch_gates(w)
        state[f"{prefix}.weight_hh_l0"] = _to_torch_gates(r)
        state[f"{prefix}.bias_ih_l0"] = _to_torch_gates(b[: 4 * hidden])
        state[f"{prefix}.bias_hh_l0"] = _to_torch_gates(b[4 * hidden :])
    model.load_state_dict(state)

    return model.eval()
