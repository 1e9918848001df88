"""Rewrite each pair of one-way LSTMs of the export into one bidirectional LSTM.

The export runs a forward and a backward ``LSTM`` node per layer and
reverses every text within its length with gathers around the backward
one. ONNX's own bidirectional ``LSTM`` with ``sequence_lens`` does the same
in one kernel: fewer nodes per call and both directions in one pass over
the input. This is a benchmark prototype for the export to adopt, not a
step of serving.

    .venv/bin/python bench/fuse_bidirectional.py models/sentiment.onnx /tmp/fused.onnx
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def _node(graph: onnx.GraphProto, name: str) -> onnx.NodeProto:
    return next(node for node in graph.node if node.name == name)


def _prune(graph: onnx.GraphProto) -> None:
    """Drop nodes and initializers no graph output depends on."""
    needed = {output.name for output in graph.output}
    kept = []
    for node in reversed(graph.node):
        if any(name in needed for name in node.output):
            kept.append(node)
            needed.update(name for name in node.input if name)

    del graph.node[:]
    graph.node.extend(reversed(kept))
    initializers = [init for init in graph.initializer if init.name in needed]
    del graph.initializer[:]
    graph.initializer.extend(initializers)


def fuse(model: onnx.ModelProto) -> onnx.ModelProto:
    graph = model.graph
    weights = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    layers = sorted(
        {node.name.split("/")[1] for node in graph.node if node.name.startswith("/layers.")}
    )

    lengths32 = "fused/lengths_int32"
    new_nodes = [helper.make_node("Cast", ["lengths"], [lengths32], to=TensorProto.INT32)]
    shape = "fused/keep_batch_seq"
    graph.initializer.append(numpy_helper.from_array(np.array([0, 0, -1], np.int64), shape))

    for layer in layers:
        ahead = _node(graph, f"/{layer}/forward_rnn/LSTM")
        behind = _node(graph, f"/{layer}/backward_rnn/LSTM")
        concat = _node(graph, f"/{layer}/Concat")
        stacked = []
        for slot, suffix in ((1, "W"), (2, "R"), (3, "B")):
            array = np.concatenate([weights[ahead.input[slot]], weights[behind.input[slot]]])
            stacked.append(f"fused/{layer}/{suffix}")
            graph.initializer.append(numpy_helper.from_array(array, stacked[-1]))

        hidden = weights[ahead.input[2]].shape[2]
        states = f"fused/{layer}/Y"
        batch_major = f"fused/{layer}/Y_batch_major"
        new_nodes += [
            helper.make_node(
                "LSTM",
                [ahead.input[0], *stacked, lengths32],
                [states],
                direction="bidirectional",
                hidden_size=hidden,
            ),
            helper.make_node("Transpose", [states], [batch_major], perm=[2, 0, 1, 3]),
            helper.make_node("Reshape", [batch_major, shape], [concat.output[0]]),
        ]
        graph.node.remove(concat)

    # Each new node must follow its inputs: put it right after the forward LSTM's input.
    for node in new_nodes:
        graph.node.append(node)
    ordered = _topological(graph)
    del graph.node[:]
    graph.node.extend(ordered)
    _prune(graph)
    onnx.checker.check_model(model)

    return model


def _topological(graph: onnx.GraphProto) -> list[onnx.NodeProto]:
    available = {i.name for i in graph.input} | {i.name for i in graph.initializer} | {""}
    pending = list(graph.node)
    ordered: list[onnx.NodeProto] = []
    while pending:
        ready = [node for node in pending if all(name in available for name in node.input)]
        if not ready:
            raise ValueError("the rewritten graph has a cycle or a missing input")
        for node in ready:
            ordered.append(node)
            available.update(node.output)
            pending.remove(node)

    return ordered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    args = parser.parse_args()

    model = fuse(onnx.load(str(args.source)))
    onnx.save(model, str(args.target))
    print(f"fused graph written to {args.target}: {len(model.graph.node)} nodes")


if __name__ == "__main__":
    main()
