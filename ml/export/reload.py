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


def _scope(node: onnx.NodeProto) -> list[str]:
    """``["members.0", "layers.0", "forward_rnn", ...]`` of an LSTM node fed by
    ``/members.0/layers.0/forward_rnn/...``."""
    return node.input[0].strip("/").split("/")


def _in_scope(name: str, scope: str | None) -> bool:
    """Whether a weight or node name belongs to the member under ``scope``
    (``None``: the first LSTM, under the graph's own names)."""
    if scope is None:
        return not name.startswith("members.")
    return name.startswith(f"{scope}.") or name == scope


def _member_scopes(weights: dict[str, np.ndarray]) -> list[str | None]:
    """``None`` for the first LSTM, then ``members.0``, ``members.1``, ..."""
    members = {name.split(".")[1] for name in weights if name.startswith("members.")}
    return [None, *(f"members.{k}" for k in sorted(members, key=int))]


def _read(path: Path) -> tuple[onnx.GraphProto, dict[str, np.ndarray]]:
    graph = onnx.load(str(path)).graph
    return graph, {init.name: numpy_helper.to_array(init) for init in graph.initializer}


def member_count(path: Path) -> int:
    """How many LSTMs an exported graph averages (1 for a lone network)."""
    return len(_member_scopes(_read(path)[1]))


def load_sentiment_nets(path: Path, pad_id: int, *, raw_logits: bool = True) -> list[SentimentNet]:
    """Every LSTM of an exported graph, in eval mode: the one under the graph's
    own names first, then an ensemble's ``members`` in order. With
    ``raw_logits`` their temperature is reset to 1; without, it is the
    graph's, so the networks answer what the graph does (the runtime
    benchmark's twin)."""
    graph, weights = _read(path)
    return [
        _rebuild(graph, weights, scope, pad_id, raw_logits) for scope in _member_scopes(weights)
    ]


def load_sentiment_net(
    path: Path, pad_id: int, *, raw_logits: bool = True, member: int = 0
) -> SentimentNet:
    """The ``member``-th LSTM of an exported graph (see ``load_sentiment_nets``)."""
    return load_sentiment_nets(path, pad_id, raw_logits=raw_logits)[member]


def _rebuild(
    graph: onnx.GraphProto,
    all_weights: dict[str, np.ndarray],
    scope: str | None,
    pad_id: int,
    raw_logits: bool,
) -> SentimentNet:
    weights = {
        name.removeprefix(f"{scope}."): value
        for name, value in all_weights.items()
        if _in_scope(name, scope)
    }
    weights["inverse_temperature"] = all_weights["inverse_temperature"]
    depth = 0 if scope is None else 1
    lstm_nodes = [
        node for node in graph.node if node.op_type == "LSTM" and _in_scope(_scope(node)[0], scope)
    ]
    embedding = weights["embedding.weight"]
    hidden = all_weights[lstm_nodes[0].input[2]].shape[2]

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
        module = ".".join(_scope(node)[depth : depth + 2])
        w, r, b = (all_weights[name][0] for name in node.input[1:4])
        state[f"{module}.weight_ih_l0"] = _to_torch_gates(w)
        state[f"{module}.weight_hh_l0"] = _to_torch_gates(r)
        state[f"{module}.bias_ih_l0"] = _to_torch_gates(b[: 4 * hidden])
        state[f"{module}.bias_hh_l0"] = _to_torch_gates(b[4 * hidden :])
    model.load_state_dict(state)

    return model.eval()
