"""Score one question or one draft against its labels (the per-item half of the suite)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from assistant.drafting.checks import promises_refund, time_promises
from assistant.drafting.render import format_due
from assistant.models import Chunk, Draft
from assistant.policy.sla import compute_status, promised_time
from assistant.services import Services
from evals import metrics as m
from evals.dataset import DraftCase, Question, Source
from evals.results import DraftResult, QuestionResult, RetrievedRow
from evals.targets import AskOutcome, RetrievedChunk

K_VALUES = (1, 3, 5, 10)
Unit = Callable[[str, str, str], bool]  # (chunk_id, doc_id, section) -> is this evidence unit covered


class ReferenceIndex:
    """The chunks labels are resolved against: which are relevant to an item, and their texts."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        self.chunks = list(chunks)
        self.by_id = {c.id: c for c in self.chunks}

    def units(self, item: Question) -> list[Unit]:
        """One predicate per evidence unit: each ``sources`` entry and each explicit chunk id."""
        out: list[Unit] = [_source_unit(s) for s in item.sources]
        out += [_chunk_unit(cid) for cid in item.chunks]
        return out

    def relevant_ids(self, item: Question) -> list[str]:
        """Ids of every indexed chunk that is evidence for the item."""
        units = self.units(item)
        return [c.id for c in self.chunks if any(u(c.id, c.doc_id, c.section) for u in units)]

    def texts(self, ids: Sequence[str]) -> list[str]:
        """Chunk texts for ids that exist."""
        return [self.by_id[i].text for i in ids if i in self.by_id]


def _source_unit(source: Source) -> Unit:
    return lambda _cid, doc_id, section: source.matches(doc_id, section)


def _chunk_unit(chunk_id: str) -> Unit:
    return lambda cid, _doc, _section: cid == chunk_id


def retrieval_metrics(item: Question, retrieved: Sequence[RetrievedChunk], ref: ReferenceIndex) -> dict[str, float]:
    """hit@k, recall@k, MRR and nDCG@k of one ranking against the item's evidence."""
    units = ref.units(item)
    relevance = [any(u(r.chunk_id, r.doc_id, r.section) for u in units) for r in retrieved]
    first_rank: list[int | None] = []
    for unit in units:
        ranks = [n for n, r in enumerate(retrieved, start=1) if unit(r.chunk_id, r.doc_id, r.section)]
        first_rank.append(ranks[0] if ranks else None)
    total = len(ref.relevant_ids(item)) or sum(relevance)
    out: dict[str, float] = {"mrr": m.reciprocal_rank(relevance)}
    for k in K_VALUES:
        out[f"hit@{k}"] = m.hit_at_k(relevance, k)
        out[f"recall@{k}"] = m.recall_at_k(first_rank, k)
        out[f"ndcg@{k}"] = m.ndcg_at_k(relevance, k, total_relevant=total)
    return out


def score_question(item: Question, outcome: AskOutcome, ref: ReferenceIndex, *, dataset: str) -> QuestionResult:
    """Label one answer: retrieval, key facts, citations, abstention, pass or why not."""
    answer = outcome.answer
    units = ref.units(item)
    rows = [
        RetrievedRow(
            chunk_id=r.chunk_id, doc_id=r.doc_id, section=r.section,
            relevant=any(u(r.chunk_id, r.doc_id, r.section) for u in units),
        )
        for r in outcome.retrieved
    ]
    result = QuestionResult(
        id=item.id, dataset=dataset, question=item.question, language=item.language, answerable=item.answerable,
        tags=item.tags, reference=item.reference, facts=item.facts, answer=answer.answer,
        abstained=answer.abstained, confidence=answer.confidence, latency_ms=round(outcome.latency_ms, 2),
        citations=[c.model_dump(include={"n", "doc_id", "section", "chunk_id"}) for c in answer.citations],
        retrieved=rows,
    )
    if not item.answerable:
        result.passed = answer.abstained
        if not result.passed:
            result.failure = f"answered (confidence {answer.confidence:.2f}) instead of abstaining"
        return result
    metrics: dict[str, float | None] = dict(retrieval_metrics(item, outcome.retrieved, ref))
    found = m.facts_found(item.facts, "" if answer.abstained else answer.answer)
    cites_reference = any(
        u(c.chunk_id or "", c.doc_id, c.section) for c in answer.citations for u in units
    )
    metrics["key_fact_recall"] = m.fraction(found)
    metrics["cites_reference"] = 1.0 if cites_reference else 0.0
    metrics["citation_support"] = (
        None if answer.abstained else m.citation_support(item.facts, answer.answer, outcome.cited_texts)
    )
    result.metrics = metrics
    result.failure = _question_failure(answer.abstained, answer.confidence, found, item.facts, cites_reference)
    result.passed = result.failure is None
    return result


def _question_failure(
    abstained: bool, confidence: float, found: list[bool], facts: list[str], cites_reference: bool
) -> str | None:
    if abstained:
        return f"abstained (confidence {confidence:.2f}) on an answerable question"
    missing = [f for f, ok in zip(facts, found, strict=True) if not ok]
    if missing:
        return "missing fact(s): " + ", ".join(repr(f) for f in missing)
    if not cites_reference:
        return "no citation points at a reference section"
    return None


def expected_promise(services: Services, draft: Draft, *, received: datetime, now: datetime) -> str:
    """The time the reply must promise, computed from the SLA table, not from the draft.

    The resolution due time; once that has passed, the next update (one first-response target from now).
    """
    client = draft.client
    tz = ZoneInfo(str(client.get("timezone") or "UTC"))
    target = services.sla.get(str(client.get("tier")), draft.sla.channel, draft.sla.priority)
    received = received if received.tzinfo else received.replace(tzinfo=tz)
    status = compute_status(target, received, now=now, tz=tz)
    return format_due(promised_time(target, status, now=now, tz=tz), tz, draft.language)


def score_draft(
    case: DraftCase, draft: Draft | None, *, promise: str | None, dataset: str, latency_ms: float,
    error: str | None = None, allowed_times: tuple[str, ...] = (), error_code: str | None = None,
) -> DraftResult:
    """Label one draft: action, approval, escalation, typification, SLA promise, forbidden promises.

    ``allowed_times`` are time phrases the policy itself mandates (a cancellation is processed "within 24
    hours" when the client declines the offer); any other time promise besides the SLA due time is wrong.
    """
    expect = case.expect
    result = DraftResult(
        id=case.id, dataset=dataset, kind=case.kind, client=case.client, tags=case.tags, message=case.message,
        expected=expect.model_dump(), latency_ms=round(latency_ms, 2), error=error,
    )
    if expect.error is not None or draft is None:
        got = error_code or (None if draft is None else "a draft")
        result.got = {"error": got}
        result.passed = expect.error is not None and got == expect.error
        result.checks = {"error": result.passed}
        if not result.passed:
            result.failure = f"expected error {expect.error!r}, got {got!r}" if expect.error else f"no draft: {error}"
        return result
    text = draft.draft
    lowered = m.normalise(text)
    result.draft = text
    result.got = {
        "action": draft.recommended_action, "requires_approval": draft.requires_approval,
        "escalate_to": draft.escalate_to, "typification": draft.typification, "amount": draft.amount,
        "priority": draft.sla.priority, "secondary_typifications": draft.secondary_typifications,
        "message_language": draft.message_language,
    }
    forbidden = [p for p in expect.must_not_contain if m.normalise(p) in lowered]
    if draft.recommended_action != "full_refund" and promises_refund(text):
        forbidden.append("a refund promise before credit")
    other_times = [
        t for t in (time_promises(text.replace(promise, "")) if promise else [])
        if not any(a in t for a in allowed_times)
    ]
    result.forbidden_found = forbidden
    result.checks = {
        "action": draft.recommended_action == expect.action,
        "approval": draft.requires_approval == expect.requires_approval,
        "escalation": draft.escalate_to == expect.escalate_to,
        "typification": None if expect.typification is None else draft.typification == expect.typification,
        "sla_promise": None if promise is None else promise in text and not other_times,
        "must_contain": all(m.normalise(p) in lowered for p in expect.must_contain),
        "secondary": None if expect.secondary_typifications is None
        else sorted(draft.secondary_typifications) == sorted(expect.secondary_typifications),
        "message_language": None if expect.message_language is None
        else draft.message_language == expect.message_language,
        "no_forbidden_promise": not forbidden,
    }
    failed = [name for name, ok in result.checks.items() if ok is False]
    result.passed = not failed
    if failed:
        result.failure = "; ".join(_draft_failure(name, result, expect.model_dump(), other_times) for name in failed)
    return result


def _draft_failure(name: str, result: DraftResult, expected: dict[str, Any], other_times: list[str]) -> str:
    keys = {"action": "action", "approval": "requires_approval", "escalation": "escalate_to",
            "typification": "typification", "secondary": "secondary_typifications",
            "message_language": "message_language"}
    if name in keys:
        key = keys[name]
        return f"{key}: expected {expected[key]!r}, got {result.got[key]!r}"
    if name == "sla_promise":
        return "SLA promise wrong" + (f" (also promises {', '.join(other_times)})" if other_times else "")
    if name == "must_contain":
        missing = [p for p in expected["must_contain"] if m.normalise(p) not in m.normalise(result.draft)]
        return "missing: " + ", ".join(repr(p) for p in missing)
    return "forbidden: " + ", ".join(repr(p) for p in result.forbidden_found)
