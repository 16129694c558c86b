"""What an evaluation runs against: the services in this process, or a running ``playbook serve``.

Both give the same three things per question (the answer, the ranked retrieved chunks, the text of what
was cited) and the same draft JSON, so scoring does not care where they came from. Over HTTP the ranking
is the answer's citation order (the API does not expose raw retrieval), and cited texts come from the
reference corpus chunked locally from the same knowledge folder.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import httpx

from assistant import entry
from assistant.errors import PlaybookError
from assistant.models import Answer, Chunk, Draft, DraftRequest
from assistant.questions import AskRequest, Turn
from assistant.services import Services
from evals.dataset import DraftCase, ThreadTurn


class TargetError(PlaybookError):
    """The service under evaluation refused a request or could not be reached."""

    code = "eval_target_error"


@dataclass(frozen=True)
class RetrievedChunk:
    """One ranked retrieval result, as scoring sees it."""

    chunk_id: str
    doc_id: str
    section: str
    text: str


@dataclass
class AskOutcome:
    """Everything scoring needs about one question."""

    answer: Answer
    retrieved: list[RetrievedChunk]
    cited_texts: list[str]
    latency_ms: float
    notes: list[str] = field(default_factory=list)


class Target(Protocol):
    """A system under evaluation."""

    name: str
    ranking: str

    def ask(self, question: str, language: str | None, *, thread: Sequence[ThreadTurn] = ()) -> AskOutcome:
        """Answer one question (a follow-up with the thread before it)."""
        ...

    def draft(self, case: DraftCase, now: datetime) -> Draft:
        """Draft one reply."""
        ...


def draft_request(case: DraftCase) -> DraftRequest:
    """The API request a drafting case stands for."""
    return DraftRequest.model_validate(
        {
            "kind": case.kind, "client_id": case.client, "message": case.message, "channel": case.channel,
            "language": case.language, "received_at": case.received_at, "charge_amount": case.charge_amount,
            "days_since_charge": case.days_since_charge,
        }
    )


class InProcessTarget:
    """The real services built by the factory, called through the agent's entry points."""

    ranking = "retrieval"

    def __init__(self, services: Services, *, name: str = "in-process", retrieve_k: int = 10) -> None:
        self.services = services
        self.name = name
        self.retrieve_k = retrieve_k

    def ask(self, question: str, language: str | None, *, thread: Sequence[ThreadTurn] = ()) -> AskOutcome:
        """Answer through ``assistant.entry.answer`` and retrieve the top ``retrieve_k`` for ranking metrics.

        A follow-up's ranking is retrieved for the question with the thread's user turns in front of it.
        """
        started = time.perf_counter()
        turns = [Turn(role=t.role, text=t.text) for t in thread]
        result = entry.answer(self.services, AskRequest(question=question, thread=turns))
        latency = (time.perf_counter() - started) * 1000
        query = " ".join([*(t.text for t in thread if t.role == "user"), question])
        ranked, corpus = self.services.retriever.retrieve(query, language=result.language, k=self.retrieve_k)
        by_id = {c.id: c for c in corpus.chunks}
        cited = [by_id[c.chunk_id] for c in result.citations if c.chunk_id in by_id]
        return AskOutcome(
            answer=result,
            retrieved=[_retrieved(r.chunk) for r in ranked],
            cited_texts=[corpus.section_text(c) for c in cited],
            latency_ms=latency,
        )

    def draft(self, case: DraftCase, now: datetime) -> Draft:
        """Draft through ``assistant.entry.draft`` with a fixed clock."""
        return entry.draft(self.services, draft_request(case), now=now)


class HttpTarget:
    """A running ``playbook serve``, over its JSON API."""

    ranking = "citations"

    def __init__(
        self, url: str, *, api_key: str | None, reference: dict[str, Chunk], timeout: float = 60.0,
        client: httpx.Client | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.name = url
        self.reference = reference
        self._client = client or httpx.Client(base_url=url, timeout=timeout)
        self._client.headers.update(headers)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def check(self) -> None:
        """Fail fast, before any item runs, when the server is unreachable or not ready.

        Raises:
            TargetError: no answer from ``/readyz``, or not ready.
        """
        try:
            response = self._client.get("/readyz")
        except httpx.HTTPError as exc:
            raise TargetError(f"{self.name}: cannot reach the server ({type(exc).__name__}: {exc})") from exc
        if response.status_code != 200:
            raise TargetError(f"{self.name}/readyz: HTTP {response.status_code}: the server is not ready")

    def ask(self, question: str, language: str | None, *, thread: Sequence[ThreadTurn] = ()) -> AskOutcome:
        """``POST /v1/ask`` (with the thread, if any); the ranking is the citation order."""
        started = time.perf_counter()
        payload: dict[str, Any] = {"question": question}
        if thread:
            payload["thread"] = [{"role": t.role, "text": t.text} for t in thread]
        body = self._post("/v1/ask", payload)
        latency = (time.perf_counter() - started) * 1000
        result = Answer.model_validate(body)
        retrieved, texts = [], []
        for citation in result.citations:
            chunk = self.reference.get(citation.chunk_id or "")
            text = chunk.text if chunk else ""
            retrieved.append(RetrievedChunk(citation.chunk_id or "", citation.doc_id, citation.section, text))
            texts.append(text)
        return AskOutcome(answer=result, retrieved=retrieved, cited_texts=texts, latency_ms=latency)

    def draft(self, case: DraftCase, now: datetime) -> Draft:
        """``POST /v1/drafts`` (the server's clock applies when the case has no ``received_at``)."""
        return Draft.model_validate(self._post("/v1/drafts", draft_request(case).model_dump(mode="json")))

    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._client.post(path, json=payload)
        except httpx.HTTPError as exc:
            raise TargetError(f"{self.name}{path}: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 400:
            try:
                detail = response.json().get("error", {}).get("message", response.text[:200])
            except ValueError:
                detail = response.text[:200]
            raise TargetError(f"{self.name}{path}: HTTP {response.status_code}: {detail}")
        body: dict[str, Any] = response.json()
        return body


def _retrieved(chunk: Chunk) -> RetrievedChunk:
    return RetrievedChunk(chunk.id, chunk.doc_id, chunk.section, chunk.text)


def reference_corpus(knowledge_dir: Path, *, chunk_size: int, chunk_overlap: int) -> list[Chunk]:
    """Chunk a knowledge folder without embedding it, with the ids an ingest would give.

    Used for labels (which chunks are relevant) when the index itself is on another machine.
    """
    from ingest.chunking import Chunker
    from ingest.preview import chunk_folder

    return chunk_folder([knowledge_dir], Chunker(chunk_size=chunk_size, chunk_overlap=chunk_overlap))
