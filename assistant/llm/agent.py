"""One entry point: a question or a draft request in, the PRODUCT.md JSON out.

Without a chat model the request is routed to the deterministic flows (``ask``, ``draft``). With one
(``PLAYBOOK_LLM``), a LangChain tool-calling agent uses the same tools; its output is then checked:
an answer must cite passages that ``search_playbook`` returned, a draft must pass the policy checks.
Otherwise the deterministic result is returned and the reason logged.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from assistant.ask import ask, clean_question
from assistant.clean import CleanText
from assistant.drafting.checks import Violation, check_text, policy_times
from assistant.drafting.render import format_due
from assistant.drafting.service import decide, draft
from assistant.models import Answer, Citation, Draft, DraftRequest
from assistant.prompts import CITATION, AnswerPrompt, DraftPrompt
from assistant.services import Services
from assistant.text import detect_language

log = logging.getLogger(__name__)


class Turn(BaseModel):
    """One earlier message of a thread."""

    role: Literal["user", "assistant"]
    text: CleanText = Field(max_length=10_000)


class AskRequest(BaseModel):
    """A question (``POST /v1/ask``)."""

    question: CleanText
    k: int | None = Field(None, ge=1, le=50)
    thread: list[Turn] = Field(default_factory=list, max_length=50)
    language: Literal["en", "es"] | None = None
    # Keys are metadata field names: a "$"-prefixed key would reach Chroma as an operator (a 500, not a filter).
    filters: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)], str] | None = None


def handle(services: Services, request: AskRequest | DraftRequest, *, now: datetime | None = None) -> Answer | Draft:
    """Answer a question or write a draft, with the agent when a chat model is configured."""
    if isinstance(request, DraftRequest):
        return write_draft(services, request, now=now)
    return answer(services, request)


def answer(services: Services, request: AskRequest) -> Answer:
    """Answer from the playbook: the agent's cited answer if valid, else the deterministic one."""
    question = clean_question(request.question, services.settings.max_question_chars)
    earlier = [t.text for t in request.thread if t.role == "user"]
    replies = [t.text for t in request.thread if t.role == "assistant"]
    fallback = ask(
        services, question, k=request.k, language=request.language, filters=request.filters, thread=earlier,
        replies=replies,
    )
    if services.chat_model is None or fallback.abstained:
        return fallback
    started = time.perf_counter()
    try:
        messages, passages = _run_agent(services, AnswerPrompt().system, question, request.thread, ("search_playbook",))
    except Exception as exc:  # noqa: BLE001 - any model failure falls back, with the reason logged
        log.warning("agent failed, deterministic answer returned: %s", type(exc).__name__)
        return fallback
    text = str(messages[-1].content if messages else "")
    cited = list(dict.fromkeys(CITATION.findall(text)))
    if not cited or any(ref not in passages for ref in cited):
        log.warning("agent answer rejected (uncited or unknown citations %s); deterministic answer returned", cited)
        return fallback
    citations = []
    for n, ref in enumerate(cited, start=1):
        p = passages[ref]
        text = text.replace(f"[{ref}]", f"[{n}]")
        citations.append(
            Citation(
                n=n,
                doc_id=p["doc_id"],
                title=p["title"],
                section=p["section"],
                source=p["source"],
                score=p["score"],
                chunk_id=ref,
            )
        )
    return Answer(
        id=uuid.uuid4().hex,
        answer=text,
        abstained=False,
        confidence=fallback.confidence,
        citations=citations,
        latency_ms=round((time.perf_counter() - started) * 1000 + fallback.latency_ms, 2),
        language=detect_language(question),
    )


def write_draft(services: Services, request: DraftRequest, *, now: datetime | None = None) -> Draft:
    """The deterministic draft, or the agent's wording of the same decision if it passes every policy check."""
    now = now or datetime.now(UTC)
    base = draft(services, request, now=now)
    if services.chat_model is None:
        return base
    client = services.crm.clients.get(request.client_id)
    decision = decide(services, request, client)
    from zoneinfo import ZoneInfo

    promise = format_due(base.sla.resolution_due, ZoneInfo(client.timezone), base.language)
    amount = f" of {base.currency} {decision.amount:,.2f}" if decision.amount is not None else ""
    approval = f", subject to approval by the {decision.approver}" if decision.requires_approval else ""
    offer = f"Offer exactly: {base.offer}.\n" if base.offer else ""
    system = DraftPrompt().render(
        company=services.policy.company_name,
        sign_off=services.policy.sign_off(base.language),
        name=client.name,
        tier=client.tier,
        language=base.language,
        action=decision.recommended_action,
        amount=amount,
        approval=approval,
        offer=offer,
        promise=promise,
    )
    try:
        messages, _ = _run_agent(
            services, system, request.message, [], ("search_playbook", "lookup_client"), client_scope=client.id
        )
    except Exception as exc:  # noqa: BLE001 - any model failure falls back, with the reason logged
        log.warning("agent failed, template draft returned: %s", type(exc).__name__)
        return base
    text = str(messages[-1].content if messages else "").strip()
    hours = services.policy.cancellation_processing_hours
    violations = check_text(
        text,
        decision,
        client_name=client.name,
        sla_promise=promise,
        allowed_times=policy_times(hours),
    )
    violations += _other_clients_named(services, text, client.id)
    if not text or violations:
        log.warning("agent draft rejected (%s); template draft returned", ", ".join(v.code for v in violations))
        return base
    return base.model_copy(update={"draft": text, "author": "llm"})


def _other_clients_named(services: Services, text: str, own_id: str) -> list[Violation]:
    """A draft goes to one client: naming another client's id or name leaks their data."""
    folded = text.casefold()
    return [
        Violation("other_client_named", f"the draft names client {other.id}")
        for other in services.crm.clients.list()
        if other.id != own_id and (other.id.casefold() in folded or other.name.casefold() in folded)
    ]


def _run_agent(
    services: Services, system: str, user_text: str, thread: list[Turn], tool_names: tuple[str, ...],
    *, client_scope: str | None = None,
) -> tuple[list[Any], dict[str, dict[str, Any]]]:
    """Run the tool-calling agent; return its messages and every passage search_playbook returned, by id."""
    from langchain.agents import create_agent
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

    from assistant.tools import make_tools

    if services.chat_model is None:
        raise RuntimeError("no chat model configured")
    tools = [t for t in make_tools(services, client_scope=client_scope) if t.name in tool_names]
    agent = create_agent(services.chat_model, tools=tools, system_prompt=system)
    history = [HumanMessage(t.text) if t.role == "user" else AIMessage(t.text) for t in thread]
    result = agent.invoke({"messages": [*history, HumanMessage(user_text)]}, {"recursion_limit": 12})
    messages = result["messages"]
    passages: dict[str, dict[str, Any]] = {}
    for message in messages:
        if isinstance(message, ToolMessage) and message.name == "search_playbook" and message.artifact:
            for item in message.artifact:
                passages[item["id"]] = item
    return messages, passages
