"""The four LangChain tools, invoked the way a tool-calling model invokes them, on the bundled knowledge base.

record_interaction writes to the shared CRM: it only ever touches C-2005 (Harborview Dental Group, tier B:
L1 credit max USD 300, approver max USD 2,000), a client no other test drafts for, and never with an RSC code.
"""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool
from pydantic import ValidationError

from assistant.llm.tools import ToolDeps, make_tools
from assistant.services import Services

pytestmark = pytest.mark.slow

SEC = "Subdirector de Experiencia del Cliente (SEC)"
CXO = "Gerente de Experiencia del Cliente (CXO)"
WRITES_TO = "C-2005"


@pytest.fixture(scope="module")
def tools(kb_services: Services) -> dict[str, BaseTool]:
    """The tools bound to the shared services, by name."""
    return {tool.name: tool for tool in make_tools(ToolDeps.of(kb_services))}


@pytest.fixture
def writing_tools(own_crm: Services) -> dict[str, BaseTool]:
    """The tools bound to services with their own CRM (what they record is not seen by other tests)."""
    return {tool.name: tool for tool in make_tools(ToolDeps.of(own_crm))}


def test_make_tools_builds_the_four_tools(tools: dict[str, BaseTool]) -> None:
    """A failure means a tool is missing or renamed, and every prompt that names it breaks."""
    assert sorted(tools) == ["lookup_client", "lookup_sla", "record_interaction", "search_playbook"]


def test_lookup_client_returns_the_client_json(tools: dict[str, BaseTool]) -> None:
    """A failure means the agent sees other client facts than clients.csv holds for C-1001."""
    data = tools["lookup_client"].invoke({"client_id": "c-1001 "})
    assert data == {
        "id": "C-1001",
        "name": "Altavista Hospitality Group",
        "tier": "A",
        "plan": "Enterprise",
        "tenure_months": 48,
        "monthly_value": 18500.0,
        "churn_risk": "low",
        "account_owner": "Valeria Montes",
        "language": "en",
        "prior_refunds_12m": 0,
        "status": "active",
        "timezone": "America/New_York",
        "email": "altavista-hospitality@example.com",
    }


@pytest.mark.parametrize("bad_id", ["1001", "C-10011", "C-1001; DROP TABLE clients", ""])
def test_lookup_client_schema_refuses_a_malformed_id(tools: dict[str, BaseTool], bad_id: str) -> None:
    """A failure means a malformed client id from a model reaches the CRM instead of being refused by the schema."""
    with pytest.raises(ValidationError, match="client_id"):
        tools["lookup_client"].invoke({"client_id": bad_id})


def test_lookup_client_unknown_id_is_a_message_for_the_model(tools: dict[str, BaseTool]) -> None:
    """A failure means an unknown client crashes the agent instead of telling the model."""
    assert tools["lookup_client"].invoke({"client_id": "C-9999"}) == "client_not_found: No client with id 'C-9999'."


def test_lookup_sla_returns_iso_targets(tools: dict[str, BaseTool]) -> None:
    """A failure means the SLA tool disagrees with sla.csv (B, chat, urgent: PT1M / PT8H, daily 08:00-20:00)."""
    data = tools["lookup_sla"].invoke({"tier": "B", "channel": "chat", "priority": "urgent"})
    assert (data["tier"], data["channel"], data["priority"]) == ("B", "chat", "urgent")
    assert (data["first_response_target"], data["resolution_target"]) == ("PT1M", "PT8H")
    assert data["business_hours"] == "daily 08:00-20:00"
    assert data["citation"]["doc_id"] == "sla-targets"


def test_lookup_sla_with_received_at_gives_due_times(tools: dict[str, BaseTool]) -> None:
    """A failure means due times from a timestamp are wrong (A, email, high: PT30M / PT8H round the clock)."""
    data = tools["lookup_sla"].invoke(
        {"tier": "A", "channel": "email", "priority": "high", "received_at": "2026-11-20T10:00:00+00:00"}
    )
    assert (data["first_response_target"], data["resolution_target"], data["business_hours"]) == ("PT30M", "PT8H", None)
    assert data["first_response_due"] == "2026-11-20T10:30:00+00:00"
    assert data["resolution_due"] == "2026-11-20T18:00:00+00:00"


def test_lookup_sla_schema_refuses_an_unknown_tier(tools: dict[str, BaseTool]) -> None:
    """A failure means a tier that does not exist reaches the SLA table."""
    with pytest.raises(ValidationError, match="tier"):
        tools["lookup_sla"].invoke({"tier": "D", "channel": "chat"})


def test_search_playbook_returns_json_content_and_an_artifact_from_the_corpus(
    kb_services: Services, tools: dict[str, BaseTool]
) -> None:
    """A failure means the model and the citation check see different passages, or passages not in the index."""
    message = tools["search_playbook"].invoke(
        {
            "name": "search_playbook",
            "args": {"query": "refund window for tier B", "k": 3},
            "id": "1",
            "type": "tool_call",
        }
    )
    assert isinstance(message, ToolMessage)
    assert message.tool_call_id == "1" and message.name == "search_playbook"
    content = json.loads(message.content)
    assert isinstance(message.artifact, list) and len(message.artifact) == 3
    assert [p["id"] for p in content] == [r.chunk.id for r in message.artifact]  # the model cites what was found
    _, corpus = kb_services.retriever.snapshot()
    for passage, found in zip(content, message.artifact, strict=True):
        assert {"id", "doc_id", "title", "section", "source", "score", "text"} <= set(passage)
        chunk = corpus.chunks[corpus.position[passage["id"]]]
        assert (passage["doc_id"], passage["section"], passage["text"]) == (chunk.doc_id, chunk.section, chunk.text)
        assert found.chunk.id == chunk.id and passage["score"] == round(found.score, 4)
    assert all(r.chunk.doc_id in {"refund-policy", "refund-procedure-r1"} for r in message.artifact), content


def test_search_playbook_in_spanish_returns_spanish_passages(tools: dict[str, BaseTool]) -> None:
    """A failure means a Spanish query is searched in the English documents."""
    message = tools["search_playbook"].invoke(
        {
            "name": "search_playbook",
            "args": {"query": "¿Cuál es la ventana de reembolso?"},
            "id": "2",
            "type": "tool_call",
        }
    )
    assert message.artifact and all(r.chunk.source.startswith("knowledge/es/") for r in message.artifact)


def test_record_interaction_writes_a_typified_row(own_crm: Services, writing_tools: dict[str, BaseTool]) -> None:
    """A failure means the one writing tool does not store the interaction, or stores the wrong approval."""
    before = len(own_crm.crm.interactions.for_client(WRITES_TO, limit=200))
    record = writing_tools["record_interaction"].invoke(
        {
            "client_id": WRITES_TO,
            "channel": "email",
            "typification": "CRD-01",
            "summary": "Goodwill credit offered after a reporting outage.",
            "amount": 500,
        }
    )
    assert (record["client_id"], record["typification"], record["amount"], record["created_by"]) == (
        WRITES_TO,
        "CRD-01",
        500.0,
        "assistant",
    )
    # 500 is above tier B's L1 credit max (300) and within its approver max (2,000): the SEC approves.
    assert (record["requires_approval"], record["escalate_to"]) == (True, SEC)
    history = own_crm.crm.interactions.for_client(WRITES_TO, limit=200)
    assert len(history) == before + 1
    assert history[0].id == record["id"]
    assert history[0].summary == "Goodwill credit offered after a reporting outage."


def test_record_interaction_under_l1_limit_needs_no_approval(writing_tools: dict[str, BaseTool]) -> None:
    """A failure means a USD 100 credit for tier B (L1 max 300) is stored as needing approval."""
    record = writing_tools["record_interaction"].invoke(
        {
            "client_id": WRITES_TO,
            "channel": "chat",
            "typification": "INF-01",
            "summary": "Asked about credits.",
            "amount": 100,
        }
    )
    assert (record["requires_approval"], record["escalate_to"]) == (False, None)


@pytest.mark.parametrize(
    ("typification", "amount", "kind", "needs"),
    [
        ("REF-02", 200, None, False),  # a goodwill credit typified REF-02, as the draft makes it: credit limit 300
        ("REF-02", 200, "refund", True),  # the same code for a refund the agent says is one: refund limit 150
        ("REF-03", 150.01, None, True),  # a duplicate charge is refunded: above the refund limit of 150
        ("REF-01", 150, None, False),
        ("CRD-01", 200, None, False),
        ("CRD-01", 300.01, None, True),
    ],
)
def test_record_interaction_decides_approval_as_the_draft_does(
    writing_tools: dict[str, BaseTool], typification: str, amount: float, kind: str | None, needs: bool
) -> None:
    """A failure means the tool and the draft disagree: a tier B goodwill credit of USD 200 typified REF-02 needs no
    approval in the draft (below the L1 credit limit of 300), so the tool must not send it to the SEC."""
    args = {"client_id": WRITES_TO, "channel": "email", "typification": typification, "summary": "Limit check.",
            "amount": amount}
    record = writing_tools["record_interaction"].invoke(args | ({"amount_kind": kind} if kind else {}))
    assert record["requires_approval"] is needs
    assert record["escalate_to"] == (SEC if needs else None)


def test_record_interaction_refuses_a_credit_above_the_tier_cap(
    own_crm: Services, writing_tools: dict[str, BaseTool]
) -> None:
    """A failure means a credit above the tier's cap (C-2002: 50% of USD 1,200 = 600) is sent to the SEC, where the
    refund policy says only the CXO may exceed the cap."""
    before = len(own_crm.crm.interactions.for_client("C-2002", limit=200))
    result = writing_tools["record_interaction"].invoke(
        {"client_id": "C-2002", "channel": "email", "typification": "CRD-01", "summary": "Cap.", "amount": 600.01}
    )
    assert isinstance(result, str)
    assert "amount_above_limit: credit 600.01 is above the tier B credit cap of 600 (50%)" in result
    assert CXO in result
    assert len(own_crm.crm.interactions.for_client("C-2002", limit=200)) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"typification": "XXX-99"}, "invalid_client_data: Unknown typification code 'XXX-99'."),
        (
            {"typification": "CRD-01", "amount": 2000.01},
            f"amount_above_limit: credit 2000.01 is above the {SEC} maximum of 2000 for tier B; the {CXO} must decide",
        ),
        ({"client_id": "C-9999", "typification": "CRD-01"}, "client_not_found: No client with id 'C-9999'."),
    ],
)
def test_record_interaction_refusals_write_nothing(
    own_crm: Services, writing_tools: dict[str, BaseTool], args: dict, message: str
) -> None:
    """A failure means the writing tool stores an unknown code or an amount only the CXO may grant, or crashes."""
    before = len(own_crm.crm.interactions.for_client(WRITES_TO, limit=200))
    payload = {"client_id": WRITES_TO, "channel": "email", "summary": "Refused write.", **args}
    result = writing_tools["record_interaction"].invoke(payload)
    assert isinstance(result, str) and message in result
    assert len(own_crm.crm.interactions.for_client(WRITES_TO, limit=200)) == before


def test_record_interaction_schema_refuses_a_negative_amount(tools: dict[str, BaseTool]) -> None:
    """A failure means a negative amount from a model reaches the CRM."""
    with pytest.raises(ValidationError, match="amount"):
        tools["record_interaction"].invoke(
            {"client_id": WRITES_TO, "channel": "email", "typification": "CRD-01", "summary": "x", "amount": -5}
        )
