"""Typed data that crosses layers; the JSON shapes of PRODUCT.md are these models' dumps."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, Field

from assistant.clean import CleanText
from assistant.text import linearize_tables

SECTION_SEPARATOR = " › "

# The CRM's vocabularies, declared once: the pydantic models, the SQL check constraints, the HTTP query
# parameters, the tools' arguments and the CLI's help all use these.
Tier = Literal["A", "B", "C"]
Channel = Literal["email", "chat", "phone", "ticket", "video"]
Priority = Literal["urgent", "high", "normal", "low"]
TIERS: tuple[str, ...] = get_args(Tier)
CHANNELS: tuple[str, ...] = get_args(Channel)
PRIORITIES: tuple[str, ...] = get_args(Priority)

# A client id in its canonical form: ``C-`` and four digits. Free text is searched with CLIENT_ID_SEARCH, the same
# rule unanchored and in any case ("c-1001" in a Slack question), then normalized with canonical_client_id.
CLIENT_ID_PATTERN = r"^C-\d{4}$"
CLIENT_ID_RE = re.compile(CLIENT_ID_PATTERN)
CLIENT_ID_SEARCH = re.compile(rf"\b{CLIENT_ID_PATTERN.removeprefix('^').removesuffix('$')}\b", re.IGNORECASE)


def canonical_client_id(value: object) -> object:
    """A typed client id in canonical form (surrounding blanks removed, upper case); other values unchanged."""
    return value.strip().upper() if isinstance(value, str) else value


ClientId = Annotated[str, Field(pattern=CLIENT_ID_PATTERN)]
# An id as a person or a model typed it (" c-1001 "): accepted in any case and with blanks, validated canonical.
ClientIdInput = Annotated[ClientId, BeforeValidator(canonical_client_id)]


class Chunk(BaseModel):
    """One heading-scoped piece of a document, as indexed.

    ``text`` is the body; ``index_text`` (title, section path and body) is what gets embedded and
    BM25-indexed, so a heading's words count for retrieval.
    """

    id: str
    text: str
    doc_id: str
    title: str
    section: str
    source: str
    language: str = "en"
    section_index: int = 0
    chunk_index: int = 0
    metadata: dict[str, Any] = Field(default_factory=dict)

    @property
    def heading(self) -> str:
        """Document title and section path."""
        return self.title if not self.section else f"{self.title}{SECTION_SEPARATOR}{self.section}"

    @property
    def index_text(self) -> str:
        """Text that is embedded: heading, then the body with tables rendered row by row."""
        return f"{self.heading}\n{linearize_tables(self.text)}"

    @property
    def keyword_text(self) -> str:
        """Text that BM25 indexes: the heading counts twice, as a title field would."""
        return f"{self.heading}\n{self.index_text}"

    @property
    def parent_key(self) -> tuple[str, int]:
        """Identifies the section this chunk belongs to (parent-document retrieval)."""
        return (self.doc_id, self.section_index)


class ScoredChunk(BaseModel):
    """A retrieved chunk with its fused score and the signals behind it."""

    chunk: Chunk
    score: float
    dense_similarity: float = 0.0
    dense_rank: int | None = None
    bm25_rank: int | None = None


class Citation(BaseModel):
    """A numbered source of an answer."""

    n: int
    doc_id: str
    title: str
    section: str
    source: str
    score: float
    chunk_id: str | None = None
    owner: str | None = None
    effective_date: str | None = None

    @classmethod
    def of(cls, n: int, result: ScoredChunk) -> Citation:
        """The numbered citation of a retrieved chunk: document, section, owner, effective date."""
        meta = result.chunk.metadata
        return cls(
            n=n,
            doc_id=result.chunk.doc_id,
            title=result.chunk.title,
            section=result.chunk.section,
            source=result.chunk.source,
            score=round(result.score, 4),
            chunk_id=result.chunk.id,
            owner=_text_or_none(meta.get("owner")),
            effective_date=_text_or_none(meta.get("effective_date")),
        )


def _text_or_none(value: object) -> str | None:
    """A metadata value as text; empty and missing values are None."""
    return str(value) if value not in (None, "") else None


class Answer(BaseModel):
    """The answer to one question (``ask`` JSON)."""

    id: str
    answer: str
    abstained: bool
    confidence: float
    citations: list[Citation]
    latency_ms: float
    language: str = "en"


class SkippedFile(BaseModel):
    """A file ingest could not use, and why."""

    path: str
    reason: str


class IngestSummary(BaseModel):
    """What one ingest did (``ingest`` JSON)."""

    documents: int = 0
    chunks: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[SkippedFile] = Field(default_factory=list)
    seconds: float = 0.0
    collection: str | None = None
    warnings: list[str] = Field(default_factory=list)


class DraftRequest(BaseModel):
    """A request for a refund or rescue reply (``POST /v1/drafts``, ``playbook draft``)."""

    kind: Literal["refund", "rescue"]
    client_id: str = Field(min_length=1, max_length=40)
    message: CleanText = Field(min_length=1, max_length=5000)
    channel: Channel = "email"
    language: Literal["en", "es", "fr", "de"] | None = None
    received_at: datetime | None = None
    charge_amount: float | None = Field(
        None, le=1_000_000, allow_inf_nan=False,
        description="The charge in question, as the agent verified it (above 0); without it a billing error or "
        "duplicate charge is drafted as to be verified.",
    )
    days_since_charge: int | None = Field(None, ge=0, le=3650)


class DraftSla(BaseModel):
    """The SLA clock a draft's promise is based on."""

    channel: str
    priority: str
    first_response_due: datetime
    resolution_due: datetime
    state: str
    first_response_target: str
    resolution_target: str
    business_hours: str | None = None


class Draft(BaseModel):
    """A policy-checked reply (``draft`` JSON)."""

    kind: Literal["refund", "rescue"]
    language: str
    draft: str
    recommended_action: str
    client: dict[str, Any]
    sla: DraftSla
    policy_citations: list[Citation]
    typification: str
    requires_approval: bool
    escalate_to: str | None
    amount: float | None = None
    currency: str = "USD"
    reason: str | None = None
    offer: str | None = None
    notes: list[str] = Field(default_factory=list)
    secondary_typifications: list[str] = Field(
        default_factory=list, description="Secondary codes the playbook requires (REF-04, VIP-01, ESC-01...)."
    )
    verification_required: bool = Field(False, description="A claimed billing error or duplicate charge to verify.")
    message_language: str | None = Field(None, description="Language the customer wrote in, when recognised.")
    other_reasons: list[str] = Field(default_factory=list, description="Weaker reasons the message also states.")
    checks_passed: bool = True
    author: Literal["template", "llm"] = "template"
