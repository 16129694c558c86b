"""The one way in: :func:`answer` a question, :func:`draft` a reply. The CLI, HTTP, Slack and evals call these.

Both work the same way:

- **No chat model** (``PLAYBOOK_LLM`` unset): the deterministic result, full stop — ``ask`` composes a cited
  answer or abstains; ``plan_draft`` decides and ``template_draft`` words the decision.
- **A chat model**: the deterministic result is computed first, then the LLM room (:mod:`assistant.llm`) tries
  to do better with the same material — the agent's answer must cite passages its search returned, the agent's
  draft words the same plan and must pass the same policy checks. Whatever fails a check, or fails outright,
  gives way to the deterministic result (the reason is logged).
"""

from __future__ import annotations

from datetime import UTC, datetime

from assistant.answering.ask import ask, clean_question
from assistant.drafting.plan import plan_draft
from assistant.drafting.service import template_draft
from assistant.llm.agent import llm_answer, llm_draft
from assistant.llm.tools import ToolDeps
from assistant.models import Answer, Draft, DraftRequest
from assistant.questions import AskRequest
from assistant.services import Services


def answer(services: Services, request: AskRequest) -> Answer:
    """Answer from the playbook: the agent's cited answer when a model is set and its answer is valid, else ``ask``'s.

    Args:
        services: built by :func:`assistant.factory.build_services`.
        request: the question, its thread, and optional ``k``, language and metadata filters.

    Returns:
        The answer; ``abstained`` is true when the playbook does not cover the question (the agent never runs then).

    Raises:
        EmptyQuestion, QuestionTooLong: invalid question.
        IndexMissing: nothing has been ingested yet.
    """
    question = clean_question(request.question, services.settings.max_question_chars)
    earlier = [t.text for t in request.thread if t.role == "user"]
    replies = [t.text for t in request.thread if t.role == "assistant"]
    deterministic = ask(
        services, question, k=request.k, language=request.language, filters=request.filters, thread=earlier,
        replies=replies,
    )
    if services.chat_model is None or deterministic.abstained:
        return deterministic
    return llm_answer(services.chat_model, ToolDeps.of(services), question, request.thread, deterministic)


def draft(services: Services, request: DraftRequest, *, now: datetime | None = None) -> Draft:
    """Draft a refund or rescue reply for one client, following and checked against the policy.

    Args:
        services: built by :func:`assistant.factory.build_services`.
        request: kind, client id, the customer's message, channel, language...
        now: the current time (tests pass a fixed one).

    Returns:
        The template draft, or (with a chat model) the agent's wording of the same plan if it passes every check.

    Raises:
        ClientNotFound: unknown client id.
        InvalidInput: a charge of 0 or less, or a message received in the future.
        IndexMissing: no playbook index to cite.
        DraftFailedChecks: the rendered template broke a policy rule (a template bug).
    """
    crm = services.crm
    plan = plan_draft(
        request, clients=crm.clients, interactions=crm.interactions, policy=services.policy, sla=services.sla,
        now=now or datetime.now(UTC),
    )
    template = template_draft(plan, policy=services.policy, retriever=services.retriever)
    if services.chat_model is None:
        return template
    return llm_draft(services.chat_model, ToolDeps.of(services), plan, template)
