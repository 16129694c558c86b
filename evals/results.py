"""The shape of ``results.json``: per item and aggregate, as pydantic models.

Aggregate metrics are a flat ``{"group.metric": value}`` map (``retrieval.hit@5``, ``answers.key_fact_recall``,
``drafts.action_accuracy``...) so the regression gate, ``--compare`` and the report read them the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from assistant.errors import PlaybookError


class ResultsError(PlaybookError):
    """A results or baseline file is missing or is not a results file."""

    code = "invalid_results"


class RetrievedRow(BaseModel):
    """One ranked chunk of a question's retrieval, with its label."""

    chunk_id: str
    doc_id: str
    section: str
    relevant: bool


class QuestionResult(BaseModel):
    """One golden question, scored."""

    id: str
    dataset: str
    question: str
    language: str
    answerable: bool
    tags: list[str]
    reference: str = ""
    facts: list[str] = Field(default_factory=list)
    answer: str = ""
    abstained: bool = False
    confidence: float = 0.0
    citations: list[dict[str, Any]] = Field(default_factory=list)
    retrieved: list[RetrievedRow] = Field(default_factory=list)
    metrics: dict[str, float | None] = Field(default_factory=dict)
    latency_ms: float = 0.0
    passed: bool = False
    failure: str | None = None
    error: str | None = None


class DraftResult(BaseModel):
    """One drafting case, scored."""

    id: str
    dataset: str
    kind: str
    client: str
    tags: list[str]
    message: str
    expected: dict[str, Any]
    got: dict[str, Any] = Field(default_factory=dict)
    checks: dict[str, bool | None] = Field(default_factory=dict)
    forbidden_found: list[str] = Field(default_factory=list)
    draft: str = ""
    latency_ms: float = 0.0
    passed: bool = False
    failure: str | None = None
    error: str | None = None


class EvalResults(BaseModel):
    """A whole run: what ran, the aggregate figures, and every item."""

    created_at: str
    config: dict[str, Any]
    datasets: list[dict[str, Any]]
    aggregate: dict[str, float | None]
    by_tag: dict[str, dict[str, float | int | None]] = Field(default_factory=dict)
    latency: dict[str, dict[str, float]] = Field(default_factory=dict)
    questions: list[QuestionResult] = Field(default_factory=list)
    drafts: list[DraftResult] = Field(default_factory=list)

    def summary(self) -> EvalResults:
        """The run without its items: what a committed baseline holds."""
        return self.model_copy(update={"questions": [], "drafts": []})

    def write(self, path: Path) -> None:
        """Write as indented JSON."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.model_dump_json(indent=2), encoding="utf-8")


def load_results(path: Path) -> EvalResults:
    """Read a ``results.json`` (or a baseline, which is one).

    Raises:
        ResultsError: missing, unreadable or not a results file.
    """
    try:
        return EvalResults.model_validate_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read results ({exc.strerror or exc})") from exc
    except ValueError as exc:
        raise ResultsError(f"{path}: not a results file of `playbook eval` ({str(exc).splitlines()[0]})") from exc
