"""Measure the product on external sets: documents we did not write and questions people asked of them.

Each set's documents are ingested into a data dir of their own (cached under the main data dir, keyed by the
documents, the index settings and the ingest code, so a re-run after an answer change starts at once). Every
question goes through ``assistant.entry.answer``, the entry point ``POST /v1/ask`` uses, follow-ups with
their thread. Scored per question: the cited gold document (first citation, first five, any), span recall
of the answer text, abstention; beside them the BM25 and plain dense baselines of the same questions.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.entry import answer
from assistant.errors import PlaybookError
from assistant.factory import build_services
from assistant.models import Answer
from assistant.questions import AskRequest, Turn
from assistant.services import Services
from assistant.settings import BUNDLED_KNOWLEDGE_DIR, Settings
from evals import metrics as m
from evals.baselines import TOP, Baselines, score_baselines
from evals.external_sets import ExternalQuestion, ExternalSet, doc_stem, load_set, sample, span_recall

Progress = Callable[[str, int, int], None]
CACHE_DIR = "eval-external-cache"
SLICES = ("first_turns", "follow_ups", "all")
# Code whose change changes what an ingest writes: a change here re-ingests the cached sets.
_INDEX_CODE = ("ingest", "assistant/models.py", "assistant/retrieval/chroma", "assistant/retrieval/filters.py")
_REPO = Path(__file__).resolve().parents[1]


@dataclass
class ExternalOptions:
    """Which sets, how many questions of each (None: all), whether to rebuild cached indexes, progress."""

    sets: Sequence[str] = ("doc2dial", "or-sharc")
    limit: int | None = None
    rebuild: bool = False
    out_of_scope: bool = True
    progress: Progress | None = None
    config: dict[str, Any] = field(default_factory=dict)


def _fingerprint(folder: Path, settings: Settings) -> str:
    """Hash of the documents (names and bytes), the index settings and the ingest code."""
    digest = hashlib.sha256()
    for value in (settings.embedding_model, settings.chunk_size, settings.chunk_overlap, settings.collection_prefix):
        digest.update(f"{value}\x00".encode())
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\x00" + path.read_bytes())
    for name in _INDEX_CODE:
        code = _REPO / name
        for path in sorted(code.rglob("*.py")) if code.is_dir() else [code]:
            if path.is_file():
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def indexed_settings(settings: Settings, docs: Path, label: str, *, rebuild: bool = False,
                     progress: Progress | None = None) -> Settings:
    """Settings whose data dir holds ``docs`` ingested, from the cache when it is there.

    Args:
        settings: the effective settings (model, chunking, retrieval, LLM); only the data dir changes.
        docs: the folder of documents to ingest.
        label: a name for the cache entry and the progress display.
        rebuild: re-ingest even when the cache holds this folder.
        progress: called as ``progress(stage, done, total)`` while ingesting.

    Returns:
        Settings pointing at the cached data dir (``<data dir>/eval-external-cache/<label>-<hash>``).
    """
    from ingest.pipeline import pipeline_for

    data_dir = settings.data_dir / CACHE_DIR / f"{label}-{_fingerprint(docs, settings)}"
    own = settings.model_copy(update={"data_dir": data_dir, "knowledge_dir": docs, "chroma_url": None,
                                      "database_url": None})
    marker = data_dir / "ingested"
    if marker.is_file() and not rebuild:
        return own
    report = progress or (lambda *_: None)
    with build_services(own) as services:
        pipeline_for(services).run([docs], rebuild=rebuild,
                                   progress=lambda stage, done, total: report(f"{label} ingest {stage}", done, total))
    marker.write_text(datetime.now(UTC).isoformat(timespec="seconds"), encoding="utf-8")
    return own


def ask_one(services: Services, question: ExternalQuestion, *, with_scenario: bool) -> dict[str, Any]:
    """Ask one question (with its thread) and score the answer against its gold document and span."""
    thread = [Turn(role=role, text=text[:10_000]) for role, text in question.thread][-50:]
    asked = question.asked(with_scenario=with_scenario)
    started = time.perf_counter()
    error: PlaybookError | None = None
    try:
        result = answer(services, AskRequest(question=asked, thread=thread))
    except PlaybookError as exc:  # a refused question (e.g. too long) is scored as a miss, with the reason
        result, error = Answer(id="", answer="", abstained=False, confidence=0.0, citations=[], latency_ms=0), exc
    latency = (time.perf_counter() - started) * 1000
    cited = [doc_stem(c.doc_id) for c in result.citations]
    return {
        "id": question.id, "first_turn": question.first_turn, "gold": question.gold, "cited": cited,
        "error": f"{error.code}: {error.message}" if error else None,
        "abstained": result.abstained, "confidence": round(result.confidence, 4),
        "hit@1": float(cited[:1] == [question.gold]), "hit@5": float(question.gold in cited[:TOP]),
        "gold_cited": float(question.gold in cited),
        "span_recall": span_recall(question.span, result.answer) if question.span else None,
        "latency_ms": round(latency, 1), "question": question.q,
        **({"asked": asked} if asked != question.q else {}), "answer": result.answer[:600],
    }


def _ask_all(services: Services, dataset: ExternalSet, questions: Sequence[ExternalQuestion], label: str,
             report: Progress) -> list[dict[str, Any]]:
    rows = []
    for n, question in enumerate(questions, start=1):
        rows.append(ask_one(services, question, with_scenario=dataset.with_scenario))
        report(label, n, len(questions))
    return rows


def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per slice (first turns, follow-ups, all): the product's figures and the baselines' beside them."""
    firsts = [r for r in rows if r["first_turn"]]
    follow_ups = [r for r in rows if not r["first_turn"]]
    if not firsts or not follow_ups:  # one kind only (OR-ShARC has no threads): "all" says it
        return {"all": _figures(rows)} if rows else {}
    return {"first_turns": _figures(firsts), "follow_ups": _figures(follow_ups), "all": _figures(rows)}


def _figures(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    def avg(values: Sequence[float | None]) -> float | None:
        value = m.mean(values)
        return None if value is None else round(value, 4)

    product: dict[str, Any] = {
        key: avg([r[key] for r in rows]) for key in ("hit@1", "hit@5", "gold_cited", "span_recall")
    }
    product["abstained"] = round(m.fraction([r["abstained"] for r in rows]), 4)
    product["errors"] = sum(1 for r in rows if r.get("error"))
    product["latency"] = m.percentiles([r["latency_ms"] for r in rows])
    baselines = {
        name: {key: avg([r["baselines"][name].get(key) for r in rows]) for key in keys}
        for name, keys in (("bm25", ("hit@1", "hit@5")), ("dense", ("hit@1", "hit@5", "span_recall")))
    }
    return {"n": len(rows), "product": product, **baselines}


def run_set(settings: Settings, dataset: ExternalSet, options: ExternalOptions) -> dict[str, Any]:
    """Ingest (or reuse) one set's index, ask its questions, run the baselines, summarize by slice."""
    report = options.progress or (lambda *_: None)
    questions = sample(dataset.questions, options.limit)
    own = indexed_settings(settings, dataset.docs_dir, dataset.index_label, rebuild=options.rebuild, progress=report)
    with build_services(own) as services:
        services.warm_up()
        rows = _ask_all(services, dataset, questions, f"{dataset.name} questions", report)
        documents = dataset.documents()
        report(f"{dataset.name} baselines", 0, len(questions))  # the first run embeds the set's chunks first
        baselines = Baselines(documents, services.embedder, cache_dir=own.data_dir,
                              model_name=own.embedding_model)
        for row, scores in zip(rows, score_baselines(dataset, questions, baselines, progress=report), strict=True):
            row["baselines"] = scores
    return {"questions": len(questions), "of": len(dataset.questions), "documents": len(documents),
            "asked_with_scenario": dataset.with_scenario, "slices": summarize(rows), "items": rows}


def refusals(services: Services, sets: Sequence[ExternalSet], options: ExternalOptions) -> dict[str, Any]:
    """Each set's questions asked of ``services`` (a knowledge base that does not cover them): the share refused."""
    report = options.progress or (lambda *_: None)
    out: dict[str, Any] = {}
    for dataset in sets:
        questions = sample(dataset.questions, options.limit)
        rows = _ask_all(services, dataset, questions, f"{dataset.name} out of scope", report)
        answered = [r for r in rows if not r["abstained"]]
        out[dataset.name] = {
            "questions": len(rows), "abstained": round(m.fraction([r["abstained"] for r in rows]), 4),
            "answered": [{"id": r["id"], "question": r["question"], "answer": r["answer"][:300]}
                         for r in answered[:20]],
        }
    return out


def out_of_scope(settings: Settings, sets: Sequence[ExternalSet], options: ExternalOptions) -> dict[str, Any]:
    """Each set's questions asked of the bundled playbook: every one should be refused (abstained)."""
    own = indexed_settings(settings, BUNDLED_KNOWLEDGE_DIR, "bundled", rebuild=options.rebuild,
                           progress=options.progress)
    with build_services(own) as services:
        services.warm_up()
        return refusals(services, sets, options)


def run_external(settings: Settings, evaldata: Path, options: ExternalOptions | None = None) -> dict[str, Any]:
    """Run the external sets against the product and the baselines.

    Args:
        settings: the effective settings; each set gets its own cached data dir under ``settings.data_dir``.
        evaldata: the folder holding one sub-folder per set (``doc2dial/``, ``or-sharc/``).
        options: sets, sample size, rebuild, out-of-scope check, progress.

    Returns:
        A JSON-able dict: ``config``, ``sets`` (per set: slices and items) and ``out_of_scope``.

    Raises:
        ExternalSetError: a set folder is missing or malformed.
    """
    options = options or ExternalOptions()
    loaded = [load_set(evaldata / name, name) for name in options.sets]
    sets = [*loaded, *(v for v in (s.with_scenarios() for s in loaded) if v is not None)]
    started = time.perf_counter()
    results: dict[str, Any] = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {"evaldata": str(evaldata), "limit": options.limit, "embedding_model": settings.embedding_model,
                   "retrieval_mode": settings.retrieval_mode, "top_k": settings.top_k,
                   "abstain_threshold": settings.abstain_threshold, "chunk_size": settings.chunk_size,
                   "llm": settings.llm, **options.config},
        "sets": {s.name: run_set(settings, s, options) for s in sets},
    }
    if options.out_of_scope:
        results["out_of_scope"] = out_of_scope(settings, sets, options)
    results["seconds"] = round(time.perf_counter() - started, 1)
    return results
