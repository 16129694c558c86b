"""The tool-calling agent, and the two things it may write: an answer and the wording of a draft, each checked.

- :func:`llm_answer`: the agent answers with the search tool; the answer must cite, by id, passages that
  ``search_playbook`` returned in this run. Its citations are those passages (``Citation.of``).
- :func:`llm_draft`: the agent words a :class:`~assistant.drafting.plan.DraftPlan` (the decision and the promise
  are given, not asked for); the text must pass the same policy checks as the template and name no other client.

Each returns the deterministic result it was given when the model fails or its output is rejected, with the
reason logged. Nothing here decides again what the deterministic core decided.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import TYPE_CHECKING, Any

from assistant.drafting.checks import Violation, check_text
from assistant.drafting.plan import DraftPlan
from assistant.llm.prompts import CITATION, AnswerPrompt, DraftPrompt
from assistant.llm.tools import ToolDeps, make_tools
from assistant.models import Answer, Citation, Draft, ScoredChunk
from assistant.questions import Turn
from assistant.text import detect_language

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger(__name__)


def llm_answer(model: BaseChatModel, deps: ToolDeps, question: str, thread: list[Turn], fallback: Answer) -> Answer:
    """The agent's answer to ``question`` if every sentence cites a passage it was shown, else ``fallback``.

    Args:
        model: the configured chat model.
        deps: what the tools use.
        question: the cleaned question.
        thread: the earlier turns, oldest first.
        fallback: the deterministic answer (its confidence is kept; it comes back on any failure).

    Returns:
        The agent's answer with its citations renumbered 1..n, or ``fallback``.
    """
    started = time.perf_counter()
    try:
        messages, passages = run_agent(model, deps, AnswerPrompt().system, question, thread, ("search_playbook",))
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
        text = text.replace(f"[{ref}]", f"[{n}]")
        citations.append(Citation.of(n, passages[ref]))
    return Answer(
        id=uuid.uuid4().hex,
        answer=text,
        abstained=False,
        confidence=fallback.confidence,
        citations=citations,
        latency_ms=round((time.perf_counter() - started) * 1000 + fallback.latency_ms, 2),
        language=detect_language(question),
    )


def llm_draft(model: BaseChatModel, deps: ToolDeps, plan: DraftPlan, template: Draft) -> Draft:
    """The agent's wording of ``plan`` if it passes every policy check, else the ``template`` draft.

    Args:
        model: the configured chat model.
        deps: what the tools use (the client tools are scoped to the plan's client).
        plan: the decision, language and promise, from :func:`assistant.drafting.plan.plan_draft`.
        template: the template rendering of the same plan; every field but the text is kept from it.

    Returns:
        ``template`` with the agent's text and ``author="llm"``, or ``template`` itself.
    """
    decision, client, language = plan.decision, plan.client, plan.language
    policy = deps.policy
    amount = f" of {decision.currency} {decision.amount:,.2f}" if decision.amount is not None else ""
    approval = f", subject to approval by the {decision.approver}" if decision.requires_approval else ""
    system = DraftPrompt().render(
        company=policy.company_name,
        sign_off=policy.sign_off(language),
        name=client.name,
        tier=client.tier,
        language=language,
        action=decision.recommended_action,
        amount=amount,
        approval=approval,
        offer=f"Offer exactly: {plan.offer}.\n" if plan.offer else "",
        promise=plan.promise,
    )
    try:
        messages, _ = run_agent(
            model, deps, system, plan.request.message, [], ("search_playbook", "lookup_client"), client_scope=client.id
        )
    except Exception as exc:  # noqa: BLE001 - any model failure falls back, with the reason logged
        log.warning("agent failed, template draft returned: %s", type(exc).__name__)
        return template
    text = str(messages[-1].content if messages else "").strip()
    violations = check_text(
        text, decision, client_name=client.name, sla_promise=plan.promise, allowed_times=plan.allowed_times
    )
    violations += _other_clients_named(deps, text, client.id)
    if not text or violations:
        log.warning("agent draft rejected (%s); template draft returned", ", ".join(v.code for v in violations))
        return template
    return template.model_copy(update={"draft": text, "author": "llm"})


def _other_clients_named(deps: ToolDeps, text: str, own_id: str) -> list[Violation]:
    """A draft goes to one client: naming another client's id or name leaks their data."""
    folded = text.casefold()
    return [
        Violation("other_client_named", f"the draft names client {other.id}")
        for other in deps.crm.clients.list()
        if other.id != own_id and (other.id.casefold() in folded or other.name.casefold() in folded)
    ]


def run_agent(
    model: BaseChatModel, deps: ToolDeps, system: str, user_text: str, thread: list[Turn], tool_names: tuple[str, ...],
    *, client_scope: str | None = None,
) -> tuple[list[Any], dict[str, ScoredChunk]]:
    """Run the tool-calling agent with the named tools.

    Returns:
        Its messages, and every passage ``search_playbook`` returned in this run, by chunk id.
    """
    from langchain.agents import create_agent
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

    tools = [t for t in make_tools(deps, client_scope=client_scope) if t.name in tool_names]
    agent = create_agent(model, tools=tools, system_prompt=system)
    history = [HumanMessage(t.text) if t.role == "user" else AIMessage(t.text) for t in thread]
    result = agent.invoke({"messages": [*history, HumanMessage(user_text)]}, {"recursion_limit": 12})
    messages = result["messages"]
    passages: dict[str, ScoredChunk] = {}
    for message in messages:
        if isinstance(message, ToolMessage) and message.name == "search_playbook" and message.artifact:
            for item in message.artifact:
                passages[item.chunk.id] = item
    return messages, passages
