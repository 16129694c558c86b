"""The ONNX query encoder: it must give sentence-transformers' vectors, and a cold process must use it, not PyTorch.

Speed is measured by ``make bench`` (the cold CLI section), never asserted here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.retrieval.embedder import SentenceTransformerEmbedder
from assistant.retrieval.onnx_query import OnnxQueryEncoder, encoder_dir, export
from assistant.services import Services

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def exported(kb_services: Services) -> Path:
    """The bundled model exported the way a first cold ``ask`` does it, into the shared data dir's model cache."""
    embedder = kb_services.embedder
    assert isinstance(embedder, SentenceTransformerEmbedder) and embedder.onnx_cache is not None
    assert embedder.export_query_encoder()
    folder = embedder._onnx_dir()
    assert folder is not None and (folder / "model.onnx").is_file()
    return folder


def test_onnx_vectors_agree_with_sentence_transformers_on_every_bundled_chunk(
    kb_services: Services, exported: Path
) -> None:
    """A failure means the ONNX encoder drifts from the model the index was built with (cosine < 0.999 somewhere):
    cold CLI answers would then retrieve differently from the server's."""
    _, corpus = kb_services.retriever.snapshot()
    texts = [chunk.text for chunk in corpus.chunks]
    texts += ["What is the refund window for tier B clients?", "¿Cuál es el horario del chat en vivo?", "x"]
    reference = np.array(kb_services.embedder.embed_documents(texts))
    encoder = OnnxQueryEncoder(exported)
    onnx = np.array([encoder.encode(text) for text in texts])
    cosine = np.sum(reference * onnx, axis=1) / (np.linalg.norm(reference, axis=1) * np.linalg.norm(onnx, axis=1))
    assert len(texts) > 100
    assert float(cosine.min()) >= 0.999, [texts[i][:60] for i in np.argsort(cosine)[:3]]
    assert encoder.dimension == reference.shape[1]


def test_export_folder_is_keyed_by_the_model_files(tmp_path: Path) -> None:
    """A failure means a changed model would keep using a stale export of the old one."""
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    first = encoder_dir(tmp_path / "cache", str(model))
    (model / "weights.bin").write_bytes(b"0123")
    second = encoder_dir(tmp_path / "cache", str(model))
    assert first != second and first.parent == second.parent == tmp_path / "cache"
    assert encoder_dir(tmp_path / "cache", str(model)) == second


def test_a_model_that_is_not_mean_pooled_is_not_exported(tmp_path: Path) -> None:
    """A failure means a model whose forward the graph does not reproduce (CLS pooling...) gets a wrong export."""

    class Module:
        pass

    class Transformer(Module):
        pass

    class Pooling(Module):
        pooling_mode = "cls"

    class Normalize(Module):
        pass

    class FakeModel(list[Module]):
        tokenizer = None

    assert export(FakeModel([Transformer(), Pooling(), Normalize()]), tmp_path / "out") is False
    assert not (tmp_path / "out").exists()


def test_a_cold_ask_uses_the_export_and_never_imports_torch(kb_services: Services, exported: Path) -> None:
    """A failure means a one-shot `playbook ask` still imports PyTorch (seconds) although an export exists."""
    script = (
        "import json, sys\n"
        "from assistant.answering.ask import ask\n"
        "from assistant.factory import build_services\n"
        "from assistant.settings import Settings\n"
        "with build_services(Settings()) as services:\n"
        "    services.warm_up(queries_only=True)\n"
        "    answer = ask(services, 'What is the refund window for tier B clients?')\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'sentence_transformers', 'transformers'})\n"
        "print(json.dumps({'heavy': heavy, 'abstained': answer.abstained, 'cited': len(answer.citations)}))\n"
    )
    env = os.environ | {"PLAYBOOK_DATA_DIR": str(kb_services.settings.data_dir), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"heavy": [], "abstained": False, "cited": result["cited"]} and result["cited"] >= 1, result
