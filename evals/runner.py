"""Run datasets against a target, score every item, aggregate: the whole of ``playbook eval`` but printing."""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from assistant.errors import PlaybookError
from assistant.services import Services
from evals import metrics as m
from evals.dataset import Dataset
from evals.ragas_metrics import Judge, add_ragas_metrics
from evals.results import DraftResult, EvalResults, QuestionResult
from evals.scoring import K_VALUES, ReferenceIndex, expected_promise, score_draft, score_question
from evals.targets import Target

# Drafting cases without ``received_at`` are received at this instant, so SLA promises are reproducible.
EVAL_NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
Progress = Callable[[str, int, int], None]
LOWER_IS_BETTER = frozenset({"drafts.forbidden_promise_rate", "drafts.error_rate", "questions.error_rate"})


@dataclass
class RunOptions:
    """How to run: ragas on or off, an optional judge, the clock drafts use, a progress callback."""

    ragas: bool = True
    judge: Judge | None = None
    now: datetime = EVAL_NOW
    progress: Progress | None = None
    config: dict[str, Any] = field(default_factory=dict)


def run_eval(
    datasets: Sequence[Dataset], target: Target, *, reference: ReferenceIndex, sla_services: Services,
    options: RunOptions | None = None,
) -> EvalResults:
    """Run every item of every dataset and return the scored results.

    Args:
        datasets: loaded dataset files (questions and/or drafts).
        target: the system under evaluation.
        reference: the chunks labels resolve against.
        sla_services: services whose SLA table computes the expected promise of drafts.
        options: ragas, judge, clock, progress.

    Returns:
        Per-item results, aggregate metrics, per-tag breakdown and latency percentiles.
    """
    options = options or RunOptions()
    report = options.progress or (lambda _stage, _n, _total: None)
    total = sum(len(d) for d in datasets)
    done = 0
    questions: list[QuestionResult] = []
    drafts: list[DraftResult] = []
    for dataset in datasets:
        for item in dataset.questions:
            questions.append(_run_question(target, item, reference, dataset.name))
            done += 1
            report("questions", done, total)
        for case in dataset.drafts:
            drafts.append(_run_draft(target, case, sla_services, options.now, dataset.name))
            done += 1
            report("drafts", done, total)
    if options.ragas and any(q.answerable for q in questions):
        report("ragas", done, total)
        relevant = {q.id: reference.relevant_ids(q) for d in datasets for q in d.questions if q.answerable}
        add_ragas_metrics(questions, reference, relevant, judge=options.judge)
    return EvalResults(
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        config={"target": target.name, "ranking": target.ranking, **options.config, "versions": _versions()},
        datasets=[_describe(d) for d in datasets],
        aggregate=aggregate(questions, drafts),
        by_tag=by_tag(questions, drafts),
        latency={"ask": m.percentiles([q.latency_ms for q in questions if q.error is None]),
                 "draft": m.percentiles([d.latency_ms for d in drafts if d.error is None])},
        questions=questions,
        drafts=drafts,
    )


def _run_question(target: Target, item: Any, reference: ReferenceIndex, dataset: str) -> QuestionResult:
    try:
        outcome = target.ask(item.question, item.language, thread=item.thread)
    except PlaybookError as exc:
        return QuestionResult(
            id=item.id, dataset=dataset, question=item.question, language=item.language,
            answerable=item.answerable, tags=item.tags, reference=item.reference, facts=item.facts,
            error=f"{exc.code}: {exc.message}", failure=f"error: {exc.message}",
        )
    return score_question(item, outcome, reference, dataset=dataset)


def _run_draft(target: Target, case: Any, services: Services, now: datetime, dataset: str) -> DraftResult:
    received = datetime.fromisoformat(case.received_at) if case.received_at else now
    clock = max(now, received) if received.tzinfo else now
    if case.now:  # a case that tests the clock itself (a breached SLA, a time in the future)
        clock = datetime.fromisoformat(case.now)
    started = time.perf_counter()
    try:
        draft = target.draft(case, clock)
    except PlaybookError as exc:
        latency = (time.perf_counter() - started) * 1000
        return score_draft(
            case, None, promise=None, dataset=dataset, latency_ms=latency, error=exc.message, error_code=exc.code
        )
    latency = (time.perf_counter() - started) * 1000
    try:
        promise: str | None = expected_promise(services, draft, received=received, now=clock)
    except PlaybookError:
        promise = None  # no SLA row for this tier/channel/priority: the SLA check is not applicable
    allowed: tuple[str, ...] = ()
    if draft.reason == "cancellation":
        hours = services.policy.cancellation_processing_hours
        allowed = (f"{hours} hours", f"{hours} horas", f"{hours} heures", f"{hours} Stunden")
    return score_draft(case, draft, promise=promise, dataset=dataset, latency_ms=latency, allowed_times=allowed)


def aggregate(questions: Sequence[QuestionResult], drafts: Sequence[DraftResult]) -> dict[str, float | None]:
    """The flat ``group.metric`` map the gate, ``--compare`` and the report read."""
    out: dict[str, float | None] = {}
    answerable = [q for q in questions if q.answerable and q.error is None]
    if questions:
        out["questions.count"] = float(len(questions))
        out["questions.pass_rate"] = m.fraction([q.passed for q in questions])
        out["questions.error_rate"] = m.fraction([q.error is not None for q in questions])
        scored = [q for q in questions if q.error is None]
        out.update({f"abstention.{k.removeprefix('abstention_')}": v for k, v in m.abstention_scores(
            [not q.answerable for q in scored], [q.abstained for q in scored]).items()})
    if answerable:
        names = ["mrr"] + [f"{name}@{k}" for name in ("hit", "recall", "ndcg") for k in K_VALUES]
        for name in names:
            out[f"retrieval.{name}"] = m.mean([q.metrics.get(name) for q in answerable])
        for name in ("key_fact_recall", "cites_reference", "citation_support"):
            out[f"answers.{name}"] = m.mean([q.metrics.get(name) for q in answerable])
        out["answers.pass_rate"] = m.fraction([q.passed for q in answerable])
        ragas_names = sorted({k for q in answerable for k in q.metrics if k.startswith("ragas.")})
        for name in ragas_names:
            out[name] = m.mean([q.metrics.get(name) for q in answerable])
    if drafts:
        out["drafts.count"] = float(len(drafts))
        out["drafts.pass_rate"] = m.fraction([d.passed for d in drafts])
        # an error the case expects (invalid input refused) is a pass, not an error of the system
        out["drafts.error_rate"] = m.fraction([d.error is not None and not d.passed for d in drafts])
        for check, name in (("action", "action_accuracy"), ("approval", "approval_accuracy"),
                            ("escalation", "escalation_accuracy"), ("typification", "typification_accuracy"),
                            ("sla_promise", "sla_promise_accuracy"), ("must_contain", "must_contain_rate")):
            flags = [d.checks.get(check) for d in drafts]
            out[f"drafts.{name}"] = m.mean([None if f is None else float(f) for f in flags])
        out["drafts.forbidden_promise_rate"] = m.fraction([bool(d.forbidden_found) for d in drafts if d.error is None])
    return {k: None if v is None else round(v, 4) for k, v in out.items()}


def by_tag(questions: Sequence[QuestionResult], drafts: Sequence[DraftResult]) -> dict[str, dict[str, Any]]:
    """Pass rate (and hit@5, key-fact recall for questions) per tag."""
    groups: dict[str, list[QuestionResult | DraftResult]] = defaultdict(list)
    items: list[QuestionResult | DraftResult] = [*questions, *drafts]
    for item in items:
        for tag in item.tags or ["untagged"]:
            groups[tag].append(item)
    out: dict[str, dict[str, Any]] = {}
    for tag in sorted(groups):
        group = groups[tag]
        row: dict[str, Any] = {"n": len(group), "pass_rate": round(m.fraction([i.passed for i in group]), 4)}
        answered = [i for i in group if isinstance(i, QuestionResult) and i.answerable]
        if answered:
            for name in ("hit@5", "key_fact_recall"):
                value = m.mean([i.metrics.get(name) for i in answered])
                row[name] = None if value is None else round(value, 4)
        out[tag] = row
    return out


def _describe(dataset: Dataset) -> dict[str, Any]:
    digest = hashlib.sha256(Path(dataset.path).read_bytes()).hexdigest()[:16]
    return {"name": dataset.name, "path": dataset.path, "kind": dataset.kind, "items": len(dataset), "sha256": digest}


def _versions() -> dict[str, str]:
    out = {}
    for name in ("ragas", "chromadb", "sentence-transformers", "langchain-core"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out
