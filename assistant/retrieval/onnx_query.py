"""A query encoder on ONNX Runtime: the bundled sentence-transformers model, exported once, without PyTorch.

A cold ``playbook ask`` spends most of its time importing PyTorch and sentence-transformers and loading the model
(seconds), then a few milliseconds encoding one question. This module exports the model's transformer with its mean
pooling and L2 normalisation into one ONNX graph (``torch.onnx.export``, the first time a process that has the
model loaded asks for it), saves the tokenizer beside it, and encodes queries with ``onnxruntime`` and
``tokenizers`` (both already installed by chromadb and transformers), which import and load in a fraction of that.

Only models built as Transformer → mean Pooling → Normalize are exported (all-MiniLM-L6-v2 and most
sentence-transformers models); anything else keeps PyTorch. Agreement with sentence-transformers (cosine ≥ 0.999 on
every bundled chunk) is checked by ``tests/assistant/test_onnx_query.py``; speed by ``make bench``.

Why hand-written: sentence-transformers' own ``backend="onnx"`` needs optimum-onnx, which cannot be installed beside
transformers 5 (it requires transformers < 4.58).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

FORMAT = 1
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def encoder_dir(cache_root: Path, model_path: str) -> Path:
    """The folder holding the export of ``model_path``, keyed by its files (names, sizes, modification times).

    A changed or different model gets a new folder, never a stale export.
    """
    root = Path(model_path)
    digest = hashlib.sha256(f"{FORMAT}|{root.resolve()}".encode())
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        stat = path.stat()
        digest.update(f"|{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return cache_root / f"{root.name}-{digest.hexdigest()[:16]}"


def exportable(model: Any) -> bool:
    """Whether a loaded SentenceTransformer is Transformer → mean Pooling → Normalize (what the graph computes)."""
    names = [type(module).__name__ for module in model]
    if names != ["Transformer", "Pooling", "Normalize"]:
        return False
    return getattr(model[1], "pooling_mode", None) == "mean" and hasattr(model.tokenizer, "backend_tokenizer")


def export(model: Any, folder: Path) -> bool:
    """Export a loaded SentenceTransformer's query path into ``folder`` (atomically); False when not exportable.

    Args:
        model: a ``sentence_transformers.SentenceTransformer`` on the CPU.
        folder: where ``model.onnx``, ``tokenizer.json`` and ``meta.json`` go.

    Returns:
        True when ``folder`` now holds an export.
    """
    if (folder / "meta.json").is_file():
        return True
    if not exportable(model):
        return False
    import torch

    class _Encoder(torch.nn.Module):
        """Transformer, mean pooling over the attention mask, L2 normalisation: sentence-transformers' forward."""

        def __init__(self, transformer: Any) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )[0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        sample = model.tokenizer(["a sample question"], return_tensors="pt")
        encoder = _Encoder(model[0].auto_model).eval()
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about Python branches on shapes: fixed by dynamic axes
            torch.onnx.export(
                encoder, tuple(sample[name] for name in _INPUTS), str(staging / "model.onnx"),
                input_names=list(_INPUTS), output_names=["embedding"],
                dynamic_axes={name: {0: "batch", 1: "tokens"} for name in _INPUTS} | {"embedding": {0: "batch"}},
                opset_version=17, dynamo=False,
            )
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_str(model.tokenizer.backend_tokenizer.to_str())  # a copy: the model's stays as is
        tokenizer.enable_truncation(max_length=int(model.max_seq_length))
        tokenizer.no_padding()
        tokenizer.save(str(staging / "tokenizer.json"))
        meta = {"format": FORMAT, "dimension": int(model.get_embedding_dimension()),
                "max_seq_length": int(model.max_seq_length)}
        (staging / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        try:
            os.replace(staging, folder)
        except OSError:  # another process exported it first: theirs serves
            pass
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return (folder / "meta.json").is_file()


class OnnxQueryEncoder:
    """Encodes one query at a time with an export made by :func:`export`."""

    def __init__(self, folder: Path) -> None:
        import numpy as np
        import onnxruntime
        from tokenizers import Tokenizer

        self._np = np
        self.dimension = int(json.loads((folder / "meta.json").read_text(encoding="utf-8"))["dimension"])
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        # InferenceSession.run is thread-safe (ONNX Runtime's documentation), so one session serves every thread.
        self._session = onnxruntime.InferenceSession(
            str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )

    @classmethod
    def load(cls, folder: Path) -> OnnxQueryEncoder | None:
        """The encoder in ``folder``, or None when there is no complete export there."""
        if not (folder / "meta.json").is_file():
            return None
        return cls(folder)

    def encode(self, text: str) -> list[float]:
        """The normalised embedding of one text, as sentence-transformers computes it."""
        encoding = self._tokenizer.encode(text)
        np = self._np
        feed = {
            "input_ids": np.array([encoding.ids], dtype=np.int64),
            "attention_mask": np.array([encoding.attention_mask], dtype=np.int64),
            "token_type_ids": np.array([encoding.type_ids], dtype=np.int64),
        }
        vector = self._session.run(None, feed)[0][0]
        return [float(v) for v in vector]
