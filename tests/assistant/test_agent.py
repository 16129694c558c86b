"""The agent path: a scripted chat model drives the REAL tools on the bundled knowledge base, and its output is
kept only when it is grounded (answers cite passages search_playbook returned) and follows the policy (drafts
pass the checks); otherwise the deterministic result comes back and the reason is logged.

The model is LangChain's GenericFakeChatModel, subclassed to accept tools and to replay a script whose steps may
read what the model was shown (so it can cite an id the search really returned), keeping that history.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from assistant.answering.ask import ask
from assistant.entry import answer, draft
from assistant.llm.prompts import AnswerPrompt
from assistant.models import Answer, Draft, DraftRequest
from assistant.questions import AskRequest
from assistant.services import Services

pytestmark = pytest.mark.slow

QUESTION = "How long is the refund window for tier B clients?"
NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
PROMISE = "Thursday 19 November 2026, 10:00 (America/New_York)"  # C-1001, tier A email normal: PT24H from NOW
REFUND_C1001 = DraftRequest(
    kind="refund", client_id="C-1001", message="Our team has not been able to get much out of the reporting module."
)
Step = AIMessage | Callable[[list[BaseMessage]], AIMessage]


class ScriptedChatModel(GenericFakeChatModel):
    """GenericFakeChatModel that accepts tools and replays ``script``; ``seen`` keeps every prompt it was given."""

    script: list[Any] = Field(default_factory=list)
    seen: list[list[BaseMessage]] = Field(default_factory=list)

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedChatModel:  # the base class raises NotImplementedError
        return self

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        self.seen.append(list(messages))
        step = self.script[len(self.seen) - 1]  # IndexError when the script runs out: a model failure
        reply = step(messages) if callable(step) else step
        return ChatResult(generations=[ChatGeneration(message=reply)])


def call(tool: str, **args: Any) -> AIMessage:
    """A model turn that calls one tool."""
    return AIMessage("", tool_calls=[{"name": tool, "args": args, "id": f"call-{tool}", "type": "tool_call"}])


def returned_ids(messages: list[BaseMessage]) -> list[str]:
    """The passage ids search_playbook returned, as the model read them (the JSON content)."""
    ids: list[str] = []
    for m in messages:
        if isinstance(m, ToolMessage) and m.name == "search_playbook":
            ids += [p["id"] for p in json.loads(m.content)]
    return ids


@pytest.fixture
def with_model(kb_services: Services) -> Callable[..., tuple[Services, ScriptedChatModel]]:
    """Build a copy of the shared services whose chat model plays a script (the shared services stay model-free)."""
    shared_crm = kb_services.crm  # open it first, so the copies share it rather than opening their own

    def build(*script: Step) -> tuple[Services, ScriptedChatModel]:
        fake = ScriptedChatModel(messages=iter(()), script=list(script))
        services = dataclasses.replace(kb_services, chat_model=fake)
        assert services.crm is shared_crm and kb_services.chat_model is None
        return services, fake

    return build


@pytest.fixture(scope="module")
def deterministic(kb_services: Services) -> Answer:
    """The deterministic answer to QUESTION (it must not abstain, or the agent would never run)."""
    result = ask(kb_services, QUESTION)
    assert not result.abstained, result
    return result


# --- answers ----------------------------------------------------------------------------------------


def test_cited_answer_from_the_agent_is_returned_with_its_citation(
    kb_services: Services, with_model: Callable, deterministic: Answer
) -> None:
    """A failure means a grounded agent answer is dropped, or its [id] citation is not mapped to the chunk it names."""
    cited: list[str] = []

    def cite_first(messages: list[BaseMessage]) -> AIMessage:
        cited.append(returned_ids(messages)[0])
        return AIMessage(f"Tier B clients have a 30-day refund window [{cited[0]}].")

    services, fake = with_model(call("search_playbook", query="refund window tier B"), cite_first)
    result = answer(services, AskRequest(question=QUESTION))

    assert result.answer == "Tier B clients have a 30-day refund window [1]."
    assert len(result.citations) == 1
    citation = result.citations[0]
    _, corpus = kb_services.retriever.snapshot()
    chunk = corpus.chunks[corpus.position[cited[0]]]
    assert (citation.n, citation.chunk_id) == (1, cited[0])
    assert (citation.doc_id, citation.title, citation.section, citation.source) == (
        chunk.doc_id,
        chunk.title,
        chunk.section,
        chunk.source,
    )
    assert result.abstained is False and result.confidence == deterministic.confidence
    # The model saw the answer prompt first, then the real tool's result.
    assert len(fake.seen) == 2
    assert isinstance(fake.seen[0][0], SystemMessage) and fake.seen[0][0].content == AnswerPrompt().system
    assert returned_ids(fake.seen[1])


def test_uncited_agent_answer_falls_back_to_the_deterministic_one(
    with_model: Callable, deterministic: Answer, caplog: pytest.LogCaptureFixture
) -> None:
    """A failure means an answer without a citation reaches the user (it could be invented)."""
    services, fake = with_model(call("search_playbook", query="refund window tier B"), AIMessage("It is 90 days."))
    with caplog.at_level(logging.WARNING, logger="assistant.llm.agent"):
        result = answer(services, AskRequest(question=QUESTION))
    assert len(fake.seen) == 2, "the agent did not run"
    assert result.answer == deterministic.answer
    assert [c.chunk_id for c in result.citations] == [c.chunk_id for c in deterministic.citations]
    assert "It is 90 days" not in result.answer
    assert any("agent answer rejected" in r.getMessage() for r in caplog.records), caplog.text


def test_citing_a_passage_the_search_did_not_return_falls_back(
    kb_services: Services, with_model: Callable, deterministic: Answer, caplog: pytest.LogCaptureFixture
) -> None:
    """A failure means the model can cite a real chunk it was never shown (a citation that proves nothing)."""
    _, corpus = kb_services.retriever.snapshot()
    picked: list[str] = []

    def cite_unseen(messages: list[BaseMessage]) -> AIMessage:
        shown = returned_ids(messages)
        other = next(c.id for c in corpus.chunks if c.doc_id == "crisis-communication" and c.id not in shown)
        picked.append(other)
        return AIMessage(f"Tier B clients have a 30-day refund window [{shown[0]}], as agreed [{other}].")

    services, fake = with_model(call("search_playbook", query="refund window tier B"), cite_unseen)
    with caplog.at_level(logging.WARNING, logger="assistant.llm.agent"):
        result = answer(services, AskRequest(question=QUESTION))
    assert len(fake.seen) == 2 and picked
    assert result.answer == deterministic.answer
    assert any("agent answer rejected" in r.getMessage() and picked[0] in r.getMessage() for r in caplog.records)


def test_model_failure_falls_back_to_the_deterministic_answer(
    with_model: Callable, deterministic: Answer, caplog: pytest.LogCaptureFixture
) -> None:
    """A failure means a crashing chat model takes the answer down with it instead of falling back."""
    services, fake = with_model()  # the first model call fails
    with caplog.at_level(logging.WARNING, logger="assistant.llm.agent"):
        result = answer(services, AskRequest(question=QUESTION))
    assert len(fake.seen) == 1
    assert result.answer == deterministic.answer
    assert any("agent failed" in r.getMessage() for r in caplog.records), caplog.text


# --- drafts -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template_draft(kb_services: Services) -> Draft:
    """The deterministic draft for C-1001's refund request at NOW."""
    return draft(kb_services, REFUND_C1001, now=NOW)


def test_agent_draft_that_passes_the_checks_is_returned(with_model: Callable, template_draft: Draft) -> None:
    """A failure means a policy-compliant model draft is discarded, or the model is not told the decision or promise."""
    assert PROMISE in template_draft.draft
    reworded = template_draft.draft.replace(
        "I am sorry for the frustration this has caused.", "We are sorry, and we will make it right."
    ).replace("Kind regards,", "Best wishes,")
    assert reworded != template_draft.draft
    services, fake = with_model(call("lookup_client", client_id="C-1001"), AIMessage(reworded))

    result = draft(services, REFUND_C1001, now=NOW)

    assert (result.author, result.draft) == ("llm", reworded)
    keep = (
        "recommended_action",
        "amount",
        "requires_approval",
        "escalate_to",
        "typification",
        "sla",
        "policy_citations",
    )
    assert {k: getattr(result, k) for k in keep} == {k: getattr(template_draft, k) for k in keep}
    system = fake.seen[0][0].content
    assert "Client: Altavista Hospitality Group (tier A)." in system
    assert "Decision: credit of USD 1,850.00, subject to approval by the Subdirector de Cuentas Clave." in system
    assert f"Promise exactly this time for the next reply: {PROMISE}." in system
    tool_result = next(m for m in fake.seen[1] if isinstance(m, ToolMessage))
    assert tool_result.name == "lookup_client" and '"tier": "A"' in str(tool_result.content)


def test_agent_draft_that_breaks_the_policy_falls_back_to_the_template(
    with_model: Callable, template_draft: Draft, caplog: pytest.LogCaptureFixture
) -> None:
    """A failure means a model draft promising "$10,000 today" reaches the agent instead of the template."""
    bad = (
        "Dear Altavista Hospitality Group,\n\nWe will refund you $10,000 today.\n\n"
        f"You will hear back from us by {PROMISE} at the latest.\n\nCustomer Experience Team"
    )
    services, fake = with_model(AIMessage(bad))
    with caplog.at_level(logging.WARNING, logger="assistant.llm.agent"):
        result = draft(services, REFUND_C1001, now=NOW)
    assert len(fake.seen) == 1
    assert (result.author, result.draft) == ("template", template_draft.draft)
    assert "10,000" not in result.draft
    rejected = [r.getMessage() for r in caplog.records if "agent draft rejected" in r.getMessage()]
    assert rejected and all(
        code in rejected[0] for code in ("amount_above_policy", "refund_before_credit", "sla_promise_mismatch")
    )


# --- without a model ------------------------------------------------------------------------------


def test_entry_without_a_model_gives_the_deterministic_results(
    kb_services: Services, deterministic: Answer, template_draft: Draft
) -> None:
    """A failure means answer() or draft() does something else than the deterministic flows when no LLM is set."""
    assert kb_services.chat_model is None
    answered = answer(kb_services, AskRequest(question=QUESTION))
    assert answered.answer == deterministic.answer
    assert [c.chunk_id for c in answered.citations] == [c.chunk_id for c in deterministic.citations]

    drafted = draft(kb_services, REFUND_C1001, now=NOW)
    assert drafted.model_dump() == template_draft.model_dump()
    assert drafted.author == "template"


def test_draft_agent_cannot_fetch_or_name_another_client(
    with_model: Callable, template_draft: Draft, kb_services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    """A failure means a message asking for "C-2002's data" can make the model fetch or leak another client's data.

    The draft is for C-1001: the client tools are scoped to it, and a draft naming another client is rejected.
    """
    other = kb_services.crm.clients.get("C-2002")
    leaky = template_draft.draft.replace("Kind regards,", f"PS: {other.name} pays more than you.\n\nKind regards,")
    services, fake = with_model(call("lookup_client", client_id="C-2002"), AIMessage(leaky))
    with caplog.at_level(logging.WARNING, logger="assistant.llm.agent"):
        result = draft(services, REFUND_C1001, now=NOW)
    tool_result = next(m for m in fake.seen[1] if isinstance(m, ToolMessage))
    assert "client_out_of_scope" in str(tool_result.content)
    assert other.name not in str(tool_result.content)  # no record of the other client came back
    assert (result.author, result.draft) == ("template", template_draft.draft)
    assert any("other_client_named" in r.getMessage() for r in caplog.records)


def test_agent_draft_words_the_plan_without_deciding_again(
    with_model: Callable, template_draft: Draft, kb_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure means the LLM draft path fetches the client or runs the policy decision a second time.

    The decision and the client are the plan's: one CRM lookup and one decision per draft, whoever words it.
    """
    from assistant.drafting import plan as plan_module

    decisions: list[str] = []
    real_decide = plan_module.decide

    def counting_decide(*args: Any, **kwargs: Any) -> Any:
        decisions.append("decide")
        return real_decide(*args, **kwargs)

    monkeypatch.setattr(plan_module, "decide", counting_decide)
    reworded = template_draft.draft.replace("Kind regards,", "Best wishes,")
    services, fake = with_model(AIMessage(reworded))
    lookups: list[str] = []
    real_get = services.crm.clients.get
    monkeypatch.setattr(services.crm.clients, "get", lambda client_id: lookups.append(client_id) or real_get(client_id))

    result = draft(services, REFUND_C1001, now=NOW)

    assert (result.author, result.draft) == ("llm", reworded)
    assert decisions == ["decide"] and lookups == ["C-1001"]
    assert f"Promise exactly this time for the next reply: {PROMISE}." in fake.seen[0][0].content


# --- the command line -------------------------------------------------------------------------------


def test_playbook_ask_answers_through_the_entry_point(
    kb_services: Services, deterministic: Answer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure means `playbook ask` bypasses assistant.entry.answer: with a chat model set, its answer is not the
    agent's (the CLI would answer differently from HTTP and Slack)."""
    from assistant import factory
    from tests.integrations.cli.helpers import one_json, run

    cited: list[str] = []

    def cite_first(messages: list[BaseMessage]) -> AIMessage:
        cited.append(returned_ids(messages)[0])
        return AIMessage(f"Tier B clients have a 30-day refund window [{cited[0]}].")

    script = [call("search_playbook", query="refund window tier B"), cite_first]
    fake = ScriptedChatModel(messages=iter(()), script=script)
    monkeypatch.setattr(factory, "make_chat_model", lambda settings: fake)
    monkeypatch.setenv("PLAYBOOK_DATA_DIR", str(kb_services.settings.data_dir))  # read-only: ask writes no index

    result = run("ask", QUESTION, "--json")

    assert result.exit_code == 0, result.output
    data = one_json(result)
    assert data["answer"] == "Tier B clients have a 30-day refund window [1]." != deterministic.answer
    assert [c["chunk_id"] for c in data["citations"]] == cited
    assert len(fake.seen) == 2
