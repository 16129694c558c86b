"""A seeded synthetic corpus built from the bundled playbook's own vocabulary, headings and sentences.

Two shapes: Markdown documents (for the ingest benchmark, through the real loaders and chunker) and
ready-made chunk records (id, text, metadata) for building large collections directly.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.settings import BUNDLED_KNOWLEDGE_DIR

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


@dataclass
class Vocabulary:
    """Sentences, words and headings of one language of the playbook."""

    sentences: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)


def load_vocabulary(knowledge_dir: Path = BUNDLED_KNOWLEDGE_DIR) -> dict[str, Vocabulary]:
    """Read the playbook's Markdown (``en/`` and ``es/``) into per-language vocabularies."""
    out: dict[str, Vocabulary] = {}
    for lang in ("en", "es"):
        vocab = Vocabulary()
        words: set[str] = set()
        for path in sorted((knowledge_dir / lang).glob("*.md")):
            text = path.read_text(encoding="utf-8")
            text = re.sub(r"\A---.*?---", "", text, flags=re.S)
            for line in text.splitlines():
                line = line.strip()
                if line.startswith("#"):
                    vocab.headings.append(line.lstrip("#").strip())
                elif line and not line.startswith("|"):
                    body = line.lstrip("-*0123456789. ")
                    vocab.sentences.extend(s for s in _SENTENCE.split(body) if len(s) > 30)
                    words.update(w.lower() for w in _WORD.findall(body))
        vocab.words = sorted(words)
        if vocab.sentences:
            out[lang] = vocab
    return out


def _sentence(rng: random.Random, vocab: Vocabulary, swap: float = 0.3) -> str:
    """A real sentence with a share of its words swapped for other playbook words."""
    words = rng.choice(vocab.sentences).split()
    return " ".join(rng.choice(vocab.words) if rng.random() < swap else w for w in words)


def paragraph(rng: random.Random, vocab: Vocabulary, sentences: int = 4) -> str:
    """A paragraph of synthetic sentences."""
    return " ".join(_sentence(rng, vocab) for _ in range(sentences))


def write_documents(dest: Path, n_docs: int, *, seed: int = 7, sections: int = 6) -> list[Path]:
    """Write ``n_docs`` synthetic Markdown documents (front matter, H1, H2 sections) under ``dest``."""
    vocabs = load_vocabulary()
    rng = random.Random(seed)  # noqa: S311 - seeded synthetic data, not a secret
    dest.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(n_docs):
        lang = "es" if ("es" in vocabs and rng.random() < 0.2) else "en"
        vocab = vocabs[lang]
        title = f"{rng.choice(vocab.headings)} {n}"
        lines = [
            "---", f"doc_id: synthetic-{n:04d}", f"title: {json.dumps(title, ensure_ascii=False)}",
            f"language: {lang}", "---", f"# {title}", "",
        ]
        for s in range(sections):
            lines += [f"## {rng.choice(vocab.headings)} {s}", ""]
            lines += [paragraph(rng, vocab, rng.randint(2, 5)) for _ in range(rng.randint(1, 3))]
            lines.append("")
        path = dest / lang / f"synthetic-{n:04d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n\n".join(lines), encoding="utf-8")
        paths.append(path)
    return paths


def base_records(n: int, *, seed: int = 11) -> list[dict[str, Any]]:
    """``n`` unique chunk records (text + metadata) of the kind the chunker makes."""
    vocabs = load_vocabulary()
    rng = random.Random(seed)  # noqa: S311 - seeded synthetic data, not a secret
    out = []
    for _ in range(n):
        lang = "es" if ("es" in vocabs and rng.random() < 0.2) else "en"
        vocab = vocabs[lang]
        section = rng.choice(vocab.headings)
        out.append({
            "text": paragraph(rng, vocab, rng.randint(3, 6)), "language": lang, "section": section,
            "title": rng.choice(vocab.headings),
        })
    return out


def perturb_text(rng: random.Random, text: str, vocab: Vocabulary, share: float = 0.1) -> str:
    """Swap a share of the words of ``text`` (a near-duplicate with different BM25 terms)."""
    return " ".join(rng.choice(vocab.words) if rng.random() < share else w for w in text.split())


def golden_questions() -> list[tuple[str, str | None]]:
    """Questions of the golden set (evals/datasets/golden.yaml) that stand alone: (question, "es" or None)."""
    from evals.dataset import load_dataset

    return [(q.question, "es" if q.language == "es" else None)
            for q in load_dataset("golden").questions if not q.thread]
