"""``report.html``: one self-contained page (inline CSS and SVG, no script, nothing fetched) from results."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from evals.gate import GateRow
from evals.results import DraftResult, EvalResults, QuestionResult

TEMPLATES = Path(__file__).parent / "templates"
HEADLINE = (
    "retrieval.hit@5", "retrieval.mrr", "retrieval.ndcg@5", "answers.key_fact_recall", "answers.citation_support",
    "abstention.precision", "abstention.recall", "drafts.action_accuracy", "drafts.approval_accuracy",
    "drafts.sla_promise_accuracy",
)


def template_env() -> Environment:
    """The Jinja environment of the report templates (autoescaped)."""
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))


def worst_questions(questions: Sequence[QuestionResult], n: int = 10) -> list[QuestionResult]:
    """Failed questions first, then by key-fact recall, hit@5 and confidence (lowest first)."""
    def badness(q: QuestionResult) -> tuple[bool, float, float, float]:
        return (q.passed, q.metrics.get("key_fact_recall") or 0.0, q.metrics.get("hit@5") or 0.0,
                -q.confidence if not q.answerable else q.confidence)

    return sorted(questions, key=badness)[:n]


def histogram(values: Sequence[float], bins: int = 12) -> list[dict[str, float]]:
    """Equal-width bins of latencies: ``{"lo", "hi", "count"}``."""
    if not values:
        return []
    lo, hi = min(values), max(values)
    width = (hi - lo) / bins or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(int((v - lo) / width), bins - 1)] += 1
    return [{"lo": lo + i * width, "hi": lo + (i + 1) * width, "count": c} for i, c in enumerate(counts)]


def metric_groups(aggregate: dict[str, float | None]) -> dict[str, list[tuple[str, float | None]]]:
    """Aggregate metrics grouped by prefix, counts left out (they are not 0-1 figures)."""
    groups: dict[str, list[tuple[str, float | None]]] = {}
    for key, value in aggregate.items():
        if key.endswith(".count"):
            continue
        group, _, name = key.partition(".")
        groups.setdefault(group, []).append((name, value))
    return groups


def render_report(
    results: EvalResults, *, gate: Sequence[GateRow] | None = None, compare: dict[str, Any] | None = None
) -> str:
    """The report page as HTML text."""
    questions = results.questions
    failed_drafts: list[DraftResult] = [d for d in results.drafts if not d.passed]
    latencies = [q.latency_ms for q in questions if q.error is None] + [
        d.latency_ms for d in results.drafts if d.error is None
    ]
    return template_env().get_template("report.html.j2").render(
        r=results,
        headline=[(k, results.aggregate.get(k)) for k in HEADLINE if k in results.aggregate],
        groups=metric_groups(results.aggregate),
        tags=results.by_tag,
        hist=histogram(latencies),
        worst=worst_questions(questions),
        failed_drafts=failed_drafts[:10],
        passed_q=sum(q.passed for q in questions),
        passed_d=sum(d.passed for d in results.drafts),
        gate=gate,
        gate_ok=all(row.passed for row in gate) if gate else None,
        compare=compare,
    )


def write_report(
    results: EvalResults, path: Path, *, gate: Sequence[GateRow] | None = None, compare: dict[str, Any] | None = None
) -> Path:
    """Render and write ``report.html``; returns its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(results, gate=gate, compare=compare), encoding="utf-8")
    return path
