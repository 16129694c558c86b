"""Questions asked while re-ingests run: every answer comes from one complete generation, never a mix or an error.

Every document states the return window; the corpus alternates between "30 days" and "45 days" everywhere, so an
answer (or a retrieval) holding both numbers would be read from a half-built or mixed index.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

import ingest.pipeline
from assistant.answering.ask import ask
from assistant.factory import build_services
from assistant.retrieval.embedder import HashEmbedder
from tests.conftest import make_pipeline

from .helpers import RETURN_QUESTION, Backend, days_in, stray_collections, write_return_corpus

ASKERS = 3
VERSIONS = (45, 30, 45)


class SleepyEmbedder(HashEmbedder):
    """The hash embedder with a pause per batch, so an ingest lasts long enough to be asked through."""

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        """Wait, then embed."""
        time.sleep(0.05)
        return super().embed_documents(texts)


def test_asks_during_reingest_see_one_complete_generation(
    backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure means a question asked during an ingest was answered from a mixed or partial index, or failed."""
    monkeypatch.setattr(ingest.pipeline, "EMBED_STEP", 8)
    data_dir, corpus = tmp_path / "data", tmp_path / "corpus"
    write_return_corpus(corpus, 30, extra_docs=6, sections=4)
    ingester = build_services(backend.settings(data_dir), embedder=SleepyEmbedder(256))
    asker = backend.services(data_dir)
    collections = [make_pipeline(ingester).run([corpus]).collection]
    done = threading.Event()
    seen: list[list[int]] = [[] for _ in range(ASKERS)]
    problems: list[str] = []
    max_cited = 0

    def everyone_saw(days: int) -> None:
        """Wait (bounded) until every asker's latest answer states ``days``, so asks straddle each switch."""
        deadline = time.monotonic() + 20
        while not all(answers and answers[-1] == days for answers in seen) and time.monotonic() < deadline:
            time.sleep(0.01)

    def reingest() -> None:
        try:
            everyone_saw(30)
            for days in VERSIONS:
                write_return_corpus(corpus, days, extra_docs=6, sections=4)
                collections.append(make_pipeline(ingester).run([corpus]).collection)
                everyone_saw(days)
        except Exception as exc:  # noqa: BLE001 - reported by the main thread
            problems.append(f"ingest failed: {exc!r}")
        finally:
            done.set()

    def ask_loop(n: int) -> None:
        nonlocal max_cited
        while not done.is_set():
            try:
                answer = ask(asker, RETURN_QUESTION, k=6)
                results, corpus_seen = asker.retriever.retrieve(RETURN_QUESTION, language="en", k=6)
            except Exception as exc:  # noqa: BLE001 - reported by the main thread
                problems.append(f"ask failed: {exc!r}")
                continue
            in_answer = days_in(answer.answer)
            in_results = set().union(*(days_in(r.chunk.text) for r in results))
            in_corpus = set().union(*(days_in(c.text) for c in corpus_seen.chunks))
            if len(in_answer) != 1 or len(in_results) != 1 or len(in_corpus) != 1:
                problems.append(f"mixed: answer {in_answer}, results {in_results}, corpus {in_corpus}")
            seen[n].extend(in_answer)
            max_cited = max(max_cited, len({c.source for c in answer.citations}))

    threads = [threading.Thread(target=reingest)] + [threading.Thread(target=ask_loop, args=(n,)) for n in range(3)]
    with ingester, asker:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "a thread hung"
        assert days_in(ask(asker, RETURN_QUESTION).answer) == {VERSIONS[-1]}
        assert set(asker.store.generations()) == set(collections[-2:])
        assert stray_collections(asker) == []

    assert problems == []
    assert len(set(collections)) == len(VERSIONS) + 1  # every re-ingest made and switched to a new generation
    assert max_cited >= 2  # answers drew on several documents, so a mix would have shown
    for answers in seen:
        assert len(answers) >= len(VERSIONS) + 1
        switches = sum(a != b for a, b in zip(answers, answers[1:], strict=False))
        assert switches <= len(VERSIONS)  # each asker saw versions in ingest order, never flickering back
        assert answers[0] == 30 and answers[-1] == VERSIONS[-1]  # each asker saw the old and the new version
