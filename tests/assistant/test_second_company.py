"""Bring your own playbook: a second company's knowledge base, built in a temp dir, drives every answer.

The company is evals/fixtures/second-company (Corvina Cloud): its own documents and tables, other tier names
(Platinum, Gold, Silver), other SLA figures, limits and approvers, euros, its own sign-off and its own person to
ask. Nothing it produces may name the bundled company or use its currency.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.answering.ask import ask
from assistant.entry import draft
from assistant.factory import build_services
from assistant.models import Draft, DraftRequest
from assistant.policy.lookups import sla_lookup
from assistant.policy.tables import PolicyData
from assistant.quiz.models import QuizRequest
from assistant.quiz.service import create_quiz
from assistant.services import Services
from assistant.settings import BUNDLED_KNOWLEDGE_DIR, Settings
from ingest.pipeline import pipeline_for

pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).resolve().parents[2] / "evals" / "fixtures" / "second-company"
NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # a Wednesday


_BUNDLED = PolicyData.load(BUNDLED_KNOWLEDGE_DIR / "data")
# The bundled company's words: its name, currency, approvers, escalation channels.
BUNDLED_WORDS = (_BUNDLED.company_name, _BUNDLED.currency, _BUNDLED.above_approver, *_BUNDLED.who_to_ask(), "#cx-",
                 *(limits.approver for limits in _BUNDLED.refund_limits.values()))


def foreign(payload: object) -> list[str]:
    """Words of the bundled company found in any output."""
    text = json.dumps(payload, ensure_ascii=False, default=str).lower()
    return sorted({w for w in BUNDLED_WORDS if w and w.lower() in text})


# The company's own English rescue template (the bundled one serves every other kind and language).
RESCUE_EN = """Hi {{ name }},

{% if offer_after_fix %}We are fixing the problem first.{% else %}We can offer you: {{ offer }}.{% endif %}
{% if reason == "cancellation" %}If you still want to leave, we close your account within \
{{ cancellation_hours }} hours.{% endif %}

Expect our next message by {{ sla_promise }}.

{{ sign_off }}
"""


@pytest.fixture(scope="module")
def corvina(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    """The second company's knowledge base, copied to a temp dir and ingested (real model, real Chroma)."""
    root = tmp_path_factory.mktemp("corvina")
    shutil.copytree(FIXTURE, root / "kb")
    (root / "kb" / "data" / "templates").mkdir()
    (root / "kb" / "data" / "templates" / "rescue_en.j2").write_text(RESCUE_EN, encoding="utf-8")
    services = build_services(Settings(data_dir=root / "data", knowledge_dir=root / "kb"))
    pipeline_for(services).run([root / "kb"])
    yield services
    services.close()


def make(services: Services, client_id: str, message: str, kind: str = "refund", **extra: object) -> Draft:
    """A draft at NOW."""
    return draft(services, DraftRequest(kind=kind, client_id=client_id, message=message, **extra), now=NOW)


def test_policy_accessors_read_the_second_company(corvina: Services) -> None:
    """A failure means the company name, currency, tiers or who-to-ask still come from the bundled playbook."""
    policy = corvina.policy
    assert (policy.company_name, policy.currency) == ("Corvina Cloud", "EUR")
    assert policy.tier_names() == {"A": "Platinum", "B": "Gold", "C": "Silver"}
    assert policy.who_to_ask() == ("Head of Customer Care", "#care-questions")
    assert policy.sign_off("en") == "The Corvina Cloud Care Team"


def test_refund_draft_uses_its_limits_currency_and_sign_off(corvina: Services) -> None:
    """A failure means a draft for another company uses the bundled company's name, currency, ladder or sign-off
    (Gold client, EUR 1,000 a month: goodwill credit 15% = EUR 150, under the agent credit limit of EUR 200)."""
    result = make(corvina, "C-7002", "The dashboards were down all week, I want my money back.")
    assert (result.recommended_action, result.amount, result.currency) == ("credit", 150.0, "EUR")
    assert (result.requires_approval, result.escalate_to) == (False, None)
    assert "EUR 150.00" in result.draft and "Corvina Cloud" in result.draft
    assert result.draft.rstrip().endswith("The Corvina Cloud Care Team")
    # Gold, email, normal: P3D resolution → Saturday 21 November 15:00 UTC, 15:00 in London.
    assert "by Saturday 21 November 2026, 15:00 (Europe/London) at the latest" in result.draft
    assert {c.doc_id for c in result.policy_citations} <= {"refund-rules", "service-levels", "care-team"}
    assert foreign(result.model_dump(mode="json")) == []


def test_approvals_and_owners_are_the_second_company_roles(corvina: Services) -> None:
    """A failure means approvers or cancellation owners are the bundled company's (Platinum: EUR 900 credit is
    above the agent limit of EUR 800, so the Care Director approves; a cancellation goes to the Retention Desk)."""
    platinum = make(corvina, "C-7001", "Nothing has worked since the migration.")
    assert (platinum.amount, platinum.requires_approval, platinum.escalate_to) == (900.0, True, "Care Director")
    cancel = make(corvina, "C-7002", "We want to cancel and get our money back.", days_since_charge=3)
    assert (cancel.typification, cancel.escalate_to) == ("RSC-02", "Retention Desk")
    assert "within 48 hours" in cancel.draft
    spanish = make(corvina, "C-7003", "No estamos contentos con el servicio.")
    assert spanish.language == "es" and "El equipo de Atención de Corvina Cloud" in spanish.draft
    for result in (platinum, cancel, spanish):
        assert foreign(result.model_dump(mode="json")) == []


def test_sla_lookup_uses_its_figures_and_cites_the_section_that_states_them(corvina: Services) -> None:
    """A failure means the SLA tool answers with the bundled figures, cites a section that does not state the row,
    or cites something for a row no document states (Gold video low is only in sla.csv)."""
    gold = sla_lookup(corvina.sla, corvina.retriever, tier="B", channel="email", priority="normal").model_dump(
        mode="json"
    )
    assert (gold["first_response_target"], gold["resolution_target"]) == ("PT6H", "P3D")
    assert gold["citation"]["doc_id"] == "service-levels"
    assert sla_lookup(corvina.sla, corvina.retriever, tier="B", channel="video", priority="low").citation is None
    assert foreign(gold) == []


def test_ask_and_abstention_use_the_second_company(corvina: Services) -> None:
    """A failure means an answer or the abstention message sends people to the bundled company's SEC in #cx-policy
    instead of this company's own contact."""
    answered = ask(corvina, "What is the agent refund limit for Silver clients?")
    assert not answered.abstained and answered.citations
    assert {c.doc_id for c in answered.citations} <= {"refund-rules", "service-levels", "care-team"}
    silent = ask(corvina, "How many vacation days do new hires get in their first year?")
    assert silent.abstained
    assert "Head of Customer Care" in silent.answer and "#care-questions" in silent.answer
    assert foreign(answered.model_dump(mode="json")) == [] and foreign(silent.model_dump(mode="json")) == []


def test_quiz_questions_come_from_the_second_company(corvina: Services) -> None:
    """A failure means quiz questions are drawn from, or mention, the bundled playbook."""
    quiz = create_quiz(corvina, QuizRequest(n=3))
    assert quiz.questions
    assert foreign(quiz.model_dump(mode="json")) == []


def test_the_company_can_bring_its_own_draft_template(corvina: Services) -> None:
    """A failure means a template in the knowledge base's data/templates folder is ignored (the bundled wording is
    used), or a kind or language it does not bring no longer falls back to the bundled template."""
    rescue = make(corvina, "C-7002", "Hello, we have not logged in for a while.", kind="rescue")
    assert rescue.draft.startswith("Hi Marlowe Studios,")
    assert "We can offer you: A free onboarding workshop." in rescue.draft
    assert rescue.draft.rstrip().endswith("The Corvina Cloud Care Team")
    refund = make(corvina, "C-7002", "The dashboards were down all week.")
    assert refund.draft.startswith("Dear Marlowe Studios,")
