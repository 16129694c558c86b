"""One approval rule: the draft's decision and the record_interaction tool always agree (property test).

Each example writes one client (C-9001) with a random tier, monthly fee and refund history into a CRM of its own
(SQLite in a temp dir), drafts the policy decision for a random reason and charge, then records that decision's
amount and code through the real LangChain tool, as a model would.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.crm.seed import import_clients_csv
from assistant.drafting.plan import facts
from assistant.drafting.policy import FULL_REFUND_REASONS, decide_refund
from assistant.drafting.reasons import Reason
from assistant.factory import build_services
from assistant.llm.tools import ToolDeps, make_tools
from assistant.policy.approval import approval_for
from assistant.policy.tables import PolicyData
from assistant.services import Services
from assistant.settings import BUNDLED_KNOWLEDGE_DIR
from tests.conftest import hash_settings

HEADER = "id,name,tier,plan,tenure_months,monthly_value,churn_risk,account_owner,language,prior_refunds_12m,status,"
HEADER += "timezone,email\n"
REASONS = [Reason.BILLING_ERROR, Reason.DUPLICATE_CHARGE, Reason.DISSATISFACTION, Reason.COMPLAINT, Reason.CANCELLATION]
CENTS = st.integers(min_value=1, max_value=3_000_000).map(lambda cents: cents / 100)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Services, Any, Path]]:
    """Services over a CRM of their own (no index needed), the record_interaction tool, and a scratch folder."""
    folder = tmp_path_factory.mktemp("approval")
    services = build_services(hash_settings(folder / "data"))
    tool = next(t for t in make_tools(ToolDeps.of(services)) if t.name == "record_interaction")
    yield services, tool, folder
    services.close()


def _put_client(services: Services, folder: Path, tier: str, monthly: float, prior: int) -> None:
    path = folder / "client.csv"
    path.write_text(
        HEADER
        + f"C-9001,Property Client,{tier},Growth,12,{monthly:.2f},low,Owner,en,{prior},active,UTC,p@example.com\n",
        encoding="utf-8",
    )
    import_clients_csv(services.crm.db, path)


@settings(
    max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    tier=st.sampled_from(["A", "B", "C"]),
    monthly=CENTS,
    prior=st.integers(min_value=0, max_value=4),
    reason=st.sampled_from(REASONS),
    charge=CENTS,
)
def test_draft_and_record_interaction_always_agree(
    env: tuple[Services, Any, Path], tier: str, monthly: float, prior: int, reason: Reason, charge: float
) -> None:
    """A failure means the draft and the writing tool disagree on whether an amount needs approval or who approves
    it (for any tier, credit or refund, amount and refund history): the tool must record what the draft decided,
    and refuse exactly the amounts only the top approver may grant."""
    services, tool, folder = env
    _put_client(services, folder, tier, monthly, prior)
    client = services.crm.clients.get("C-9001")
    verified = charge if reason in FULL_REFUND_REASONS else None
    decision = decide_refund(facts(client), reason, services.policy, charge_amount=verified)
    result = tool.invoke(
        {"client_id": "C-9001", "channel": "email", "typification": decision.typification, "summary": "Property.",
         "amount": decision.amount}
    )
    if decision.approver == services.policy.above_approver:
        assert isinstance(result, str) and result.startswith("amount_above_limit"), result
        assert services.policy.above_approver in result
    else:
        assert (result["requires_approval"], result["escalate_to"]) == (decision.requires_approval, decision.approver)


@pytest.fixture(scope="module")
def policy() -> PolicyData:
    """The bundled policy tables."""
    return PolicyData.load(BUNDLED_KNOWLEDGE_DIR / "data")


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    tier=st.sampled_from(["A", "B", "C"]),
    monthly=CENTS,
    prior=st.integers(min_value=0, max_value=4),
    amount=CENTS,
)
def test_refund_approval_never_loosens_with_prior_refunds(
    policy: PolicyData, tier: str, monthly: float, prior: int, amount: float
) -> None:
    """A failure means a client with more refunds in the last 12 months needs less approval for the same refund."""
    fewer = approval_for(
        policy, tier=tier, kind="refund", amount=amount, monthly_value=monthly, prior_refunds_12m=prior
    )
    more = approval_for(
        policy, tier=tier, kind="refund", amount=amount, monthly_value=monthly, prior_refunds_12m=prior + 1
    )
    assert more.required >= fewer.required
    if fewer.approver == policy.above_approver:
        assert more.approver == policy.above_approver
