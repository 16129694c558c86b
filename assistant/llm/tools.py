"""LangChain tools over the assistant's functions, for any tool-calling chat model.

Built by :func:`make_tools` from a :class:`ToolDeps` bundle (no globals, not the whole ``Services``). Every
tool validates its own arguments: ids, amounts and codes coming from a model are never trusted. All are
read-only except ``record_interaction``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.tools import BaseTool, StructuredTool, ToolException
from pydantic import BaseModel, Field

from assistant.errors import ClientOutOfScope, PlaybookError
from assistant.models import Channel, ClientIdInput, Priority, ScoredChunk, Tier
from assistant.policy.lookups import client_view, sla_lookup
from assistant.policy.sla import SlaTable
from assistant.policy.tables import PolicyData
from assistant.retrieval.hybrid import HybridRetriever

if TYPE_CHECKING:
    from assistant.services import Crm, Services

class ClientArgs(BaseModel):
    """Arguments of lookup_client."""

    client_id: ClientIdInput = Field(description="Client id, like C-1001.")


class SlaArgs(BaseModel):
    """Arguments of lookup_sla."""

    tier: Tier
    channel: Channel
    priority: Priority = "normal"
    received_at: datetime | None = Field(None, description="When the client wrote (ISO 8601 with offset).")
    timezone: str = Field("UTC", description="The client's IANA time zone, for business hours.")


class SearchArgs(BaseModel):
    """Arguments of search_playbook."""

    query: str = Field(min_length=1, max_length=500, description="What to look for in the playbook.")
    k: int = Field(4, ge=1, le=8, description="How many passages.")
    language: Literal["en", "es"] | None = Field(None, description="Language of the passages (default: the query's).")


class InteractionArgs(BaseModel):
    """Arguments of record_interaction."""

    client_id: ClientIdInput
    channel: Channel
    typification: str = Field(pattern=r"^[A-Z]{3}-\d{2}$", description="A code of the typification table, e.g. REF-02.")
    summary: str = Field(min_length=1, max_length=2000)
    outcome: str = Field("open", max_length=200)
    amount: float | None = Field(None, ge=0, description="Amount granted, in the company's currency, if any.")
    amount_kind: Literal["credit", "refund"] | None = Field(
        None, description="Whether the amount is a credit or a refund (default: as the drafts decide for the code)."
    )


@dataclass(frozen=True)
class ToolDeps:
    """What the tools use: retrieval, the policy and SLA tables, and the CRM (opened by the first tool using it)."""

    retriever: HybridRetriever
    policy: PolicyData
    sla: SlaTable
    open_crm: Callable[[], Crm] = field(repr=False)

    @property
    def crm(self) -> Crm:
        """The CRM's repositories (an answer that only searches never opens it)."""
        return self.open_crm()

    @classmethod
    def of(cls, services: Services) -> ToolDeps:
        """The bundle for the tools, taken from the process's services."""
        return cls(retriever=services.retriever, policy=services.policy, sla=services.sla,
                   open_crm=lambda: services.crm)


class AmountAboveLimit(PlaybookError):
    """An amount above what the tier's approver may grant: only the CXO decides."""

    code = "amount_above_limit"


def _guard(fn: Any) -> Any:
    """Turn user-facing errors into ToolException so the model sees a message, not a crash."""

    def wrapper(**kwargs: Any) -> Any:
        try:
            return fn(**kwargs)
        except PlaybookError as exc:
            raise ToolException(f"{exc.code}: {exc.message}") from exc

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def make_tools(deps: ToolDeps, *, client_scope: str | None = None) -> list[BaseTool]:
    """The four tools, bound to ``deps``.

    Args:
        deps: what the tools use (:meth:`ToolDeps.of` takes it from the services).
        client_scope: when a conversation is about one client (a draft), the client tools refuse every
            other id, so a message asking for "C-2002's data" cannot make the model fetch it.
    """

    def in_scope(client_id: str) -> None:
        if client_scope is not None and client_id.strip().upper() != client_scope.upper():
            raise ClientOutOfScope(f"this conversation is about {client_scope}; other clients are not available")

    def lookup_client(client_id: str) -> dict[str, Any]:
        """Look up a client by id: tier (A/B/C), plan, tenure, monthly value, churn risk, account owner, language."""
        in_scope(client_id)
        return client_view(deps.crm.clients, client_id).model_dump(mode="json")

    def lookup_sla(
        tier: str, channel: str, priority: str = "normal", received_at: datetime | None = None, timezone: str = "UTC"
    ) -> dict[str, Any]:
        """First-response and resolution targets for a tier, channel and priority; with received_at, due times."""
        return sla_lookup(
            deps.sla, deps.retriever, tier=tier, channel=channel, priority=priority, received_at=received_at,
            timezone=timezone,
        ).model_dump(mode="json")

    def search_playbook(query: str, k: int = 4, language: str | None = None) -> tuple[str, list[ScoredChunk]]:
        """Search the CX playbook. Returns passages with their id, document, section and text; cite passages by id."""
        from assistant.text import detect_language

        results, _ = deps.retriever.retrieve(query, language=language or detect_language(query), k=k)
        passages = [
            {
                "id": r.chunk.id,
                "doc_id": r.chunk.doc_id,
                "title": r.chunk.title,
                "section": r.chunk.section,
                "source": r.chunk.source,
                "score": round(r.score, 4),
                "text": r.chunk.text,
            }
            for r in results
        ]
        return json.dumps(passages, ensure_ascii=False), results  # content for the model; artifact: what it may cite

    def record_interaction(
        client_id: str,
        channel: str,
        typification: str,
        summary: str,
        outcome: str = "open",
        amount: float | None = None,
        amount_kind: str | None = None,
    ) -> dict[str, Any]:
        """Record a typified interaction in the CRM (the only writing tool); top-approver amounts are refused.

        Refused: amounts above the tier's approver maximum or credit cap, which only the top approver grants.
        """
        in_scope(client_id)
        from assistant.crm.schemas import InteractionIn
        from assistant.drafting.policy import amount_kind as kind_of
        from assistant.policy.approval import approval_for

        client = deps.crm.clients.get(client_id)
        policy = deps.policy
        kind = "refund" if amount_kind == "refund" else "credit" if amount_kind == "credit" else kind_of(typification)
        approval = approval_for(
            policy, tier=client.tier, kind=kind, amount=amount, monthly_value=float(client.monthly_value),
            prior_refunds_12m=client.prior_refunds_12m,
        )
        if amount is not None and approval.approver == policy.above_approver:
            raise AmountAboveLimit(
                f"{kind} {amount:g} is {approval.why} for tier {client.tier}; the {policy.above_approver} must decide"
            )
        needs = amount is not None and approval.required
        record = deps.crm.interactions.record(
            InteractionIn(
                client_id=client.id,
                channel=channel,
                typification=typification,
                summary=summary,
                outcome=outcome,
                amount=amount,
                requires_approval=needs,
                escalate_to=approval.approver if needs else None,
                currency=policy.currency,
                created_by="assistant",
            )
        )
        return record.model_dump(mode="json")

    specs: list[tuple[Any, type[BaseModel]]] = [
        (lookup_client, ClientArgs),
        (lookup_sla, SlaArgs),
        (search_playbook, SearchArgs),
        (record_interaction, InteractionArgs),
    ]
    return [
        StructuredTool.from_function(
            func=_guard(fn),
            name=fn.__name__,
            description=re.sub(r"\s+", " ", fn.__doc__ or ""),
            args_schema=schema,
            handle_tool_error=True,
            response_format="content_and_artifact" if fn is search_playbook else "content",
        )
        for fn, schema in specs
    ]
