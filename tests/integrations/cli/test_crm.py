"""The `playbook client`, `sla`, `draft` and `seed` commands against the PRODUCT.md contract: `--json` prints
exactly one JSON object on stdout; errors exit non-zero with one clear line on stderr (and a JSON error with
--json). Expected values come from knowledge/data (clients.csv, sla.csv, refund_limits.yaml)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.contract import CITATION_KEYS, CLIENT_KEYS, DRAFT_KEYS

from .helpers import assert_clean_error, one_json, run

SEC = "Subdirector de Experiencia del Cliente (SEC)"


@pytest.fixture(autouse=True)
def _hash_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every CLI call uses the deterministic hash embedder, never the real model."""
    monkeypatch.setenv("PLAYBOOK_EMBEDDING_MODEL", "hash")


# --- client -----------------------------------------------------------------------------------------


def test_client_json_shape() -> None:
    """A failure means `playbook client --json` breaks the PRODUCT.md shape or shows other facts than clients.csv."""
    result = run("client", "C-1001", "--json")
    assert result.exit_code == 0, result.output
    data = one_json(result)
    assert CLIENT_KEYS <= set(data)
    assert {k: data[k] for k in CLIENT_KEYS} == {
        "id": "C-1001",
        "name": "Altavista Hospitality Group",
        "tier": "A",
        "plan": "Enterprise",
        "tenure_months": 48,
        "monthly_value": 18500,
        "churn_risk": "low",
        "account_owner": "Valeria Montes",
        "language": "en",
    }


def test_client_human_output_lists_the_fields() -> None:
    """A failure means the terminal view of a client lost its fields."""
    result = run("client", "c-2002")
    assert result.exit_code == 0, result.output
    assert "Brightfield Logistics" in result.stdout and "Owen Gallagher" in result.stdout


def test_unknown_client_is_a_clean_error() -> None:
    """A failure means an unknown client id crashes, or the error does not name the id and its stable code."""
    result = run("client", "C-9999", "--json")
    line = assert_clean_error(result)
    assert result.exit_code == 1
    assert "C-9999" in line
    error = one_json(result)["error"]
    assert error["code"] == "client_not_found" and "C-9999" in error["message"]


# --- sla --------------------------------------------------------------------------------------------


def test_sla_json_targets_per_sla_csv() -> None:
    """A failure means `playbook sla` disagrees with sla.csv (B, chat, urgent: PT1M / PT8H, daily 08:00-20:00)."""
    result = run("sla", "--tier", "B", "--channel", "chat", "--priority", "urgent", "--json")
    assert result.exit_code == 0, result.output
    data = one_json(result)
    assert {k: data[k] for k in ("tier", "channel", "priority", "first_response_target", "resolution_target")} == {
        "tier": "B",
        "channel": "chat",
        "priority": "urgent",
        "first_response_target": "PT1M",
        "resolution_target": "PT8H",
    }
    assert data["business_hours"] == "daily 08:00-20:00"
    assert "first_response_due" not in data and "resolution_due" not in data


def test_sla_with_received_at_and_timezone_gives_due_times() -> None:
    """A failure means due times ignore the client's zone or business hours (chat opens 08:00-20:00 local)."""
    # Thursday 19:59:30 in Mexico City (UTC-6): 30 s of first response left today, 30 s from Friday 08:00.
    result = run(
        "sla",
        "--tier",
        "B",
        "--channel",
        "chat",
        "--priority",
        "urgent",
        "--received-at",
        "2025-11-20T19:59:30",
        "--timezone",
        "America/Mexico_City",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = one_json(result)
    assert datetime.fromisoformat(data["first_response_due"]) == datetime(2025, 11, 21, 14, 0, 30, tzinfo=UTC)
    # The resolution clock (PT8H) counts calendar time: 03:59:30 local.
    assert datetime.fromisoformat(data["resolution_due"]) == datetime(2025, 11, 21, 9, 59, 30, tzinfo=UTC)
    assert data["state"] == "breached"  # received a year ago


def test_sla_invalid_tier_is_a_clean_error() -> None:
    """A failure means an unknown tier crashes or is not reported on one line with the allowed tiers."""
    result = run("sla", "--tier", "D", "--channel", "chat", "--json")
    line = assert_clean_error(result)
    assert "'D'" in line and "A, B, C" in line
    assert one_json(result)["error"]["code"] == "invalid_sla_request"


def test_sla_bad_received_at_is_a_clean_error() -> None:
    """A failure means a malformed --received-at crashes instead of one line naming the flag."""
    result = run("sla", "--tier", "A", "--channel", "email", "--received-at", "yesterday at noon")
    line = assert_clean_error(result)
    assert "--received-at" in line and "ISO 8601" in line


def test_sla_unknown_timezone_is_a_clean_error() -> None:
    """A failure means an unknown --timezone crashes instead of one clear line."""
    result = run(
        "sla", "--tier", "A", "--channel", "email", "--received-at", "2025-11-20T10:00", "--timezone", "Mars/Olympus"
    )
    line = assert_clean_error(result)
    assert "Mars/Olympus" in line


# --- draft ------------------------------------------------------------------------------------------


@pytest.mark.slow  # ingests the whole bundled knowledge base
def test_draft_refund_json_shape() -> None:
    """A failure means `playbook draft --json` breaks the PRODUCT.md draft shape or the policy decision for C-2002."""
    assert run("ingest", "--json").exit_code == 0  # the bundled knowledge, hash-embedded, in this test's data dir
    result = run(
        "draft", "refund", "--client", "C-2002", "--message", "We were charged twice for November.",
        "--charge-amount", "1200", "--json",
    )
    assert result.exit_code == 0, result.output
    data = one_json(result)
    assert DRAFT_KEYS <= set(data)
    assert (data["kind"], data["language"], data["recommended_action"], data["typification"]) == (
        "refund",
        "en",
        "full_refund",
        "REF-03",
    )
    # The verified charge (USD 1,200) is above tier B's L1 refund max (150): the SEC approves.
    assert (data["amount"], data["requires_approval"], data["escalate_to"]) == (1200.0, True, SEC)
    assert (data["client"]["id"], data["client"]["name"], data["client"]["tier"]) == (
        "C-2002",
        "Brightfield Logistics",
        "B",
    )
    assert data["draft"].startswith("Dear Brightfield Logistics,")
    sla = data["sla"]
    assert (sla["channel"], sla["priority"], sla["first_response_target"], sla["resolution_target"]) == (
        "email",
        "high",
        "PT1H",
        "PT24H",
    )
    first, due = datetime.fromisoformat(sla["first_response_due"]), datetime.fromisoformat(sla["resolution_due"])
    assert due - first == datetime(2000, 1, 2) - datetime(2000, 1, 1, 1)  # PT24H - PT1H, round the clock
    assert data["policy_citations"]
    for n, citation in enumerate(data["policy_citations"], start=1):
        assert CITATION_KEYS <= set(citation) and citation["n"] == n


def test_draft_without_index_reports_index_missing() -> None:
    """A failure means drafting before any ingest crashes instead of telling the user to ingest."""
    result = run("draft", "refund", "--client", "C-2002", "--message", "Charged twice.", "--json")
    line = assert_clean_error(result)
    assert "playbook ingest" in line
    assert one_json(result)["error"]["code"] == "index_missing"


def test_draft_bad_channel_is_a_clean_error() -> None:
    """A failure means an unknown --channel crashes or is accepted instead of one clear line."""
    result = run("draft", "refund", "--client", "C-2002", "--message", "Charged twice.", "--channel", "fax", "--json")
    line = assert_clean_error(result)
    assert "channel" in line
    assert one_json(result)["error"]["code"] == "invalid_input"


@pytest.mark.parametrize(
    "flags",
    [("--charge-amount", "0"), ("--charge-amount", "-5"), ("--received-at", "2099-01-01T10:00:00+00:00")],
)
def test_draft_zero_amount_or_future_time_is_invalid_input(flags: tuple[str, str]) -> None:
    """A failure means a charge of 0 ("we will refund USD 0.00"), a negative one, or a message received in the
    future is drafted instead of refused with one clear invalid_input line (before any index is needed)."""
    result = run("draft", "refund", "--client", "C-2002", "--message", "Charged twice.", *flags, "--json")
    line = assert_clean_error(result)
    assert one_json(result)["error"]["code"] == "invalid_input"
    assert ("charge_amount" if flags[0] == "--charge-amount" else "received_at") in line


def test_draft_unknown_client_is_a_clean_error() -> None:
    """A failure means a draft for an unknown client crashes instead of one line naming the id."""
    result = run("draft", "rescue", "--client", "C-9999", "--message", "I want to cancel.")
    line = assert_clean_error(result)
    assert "C-9999" in line


# --- seed -------------------------------------------------------------------------------------------


def test_seed_twice_second_run_reports_zeros() -> None:
    """A failure means seeding is not idempotent (48 clients in clients.csv; the SLA is read, not stored)."""
    first = run("seed", "--json")
    assert first.exit_code == 0, first.output
    assert one_json(first) == {"clients_added": 48, "clients_updated": 0, "sla_rows": 0}
    second = run("seed", "--json")
    assert second.exit_code == 0, second.output
    assert one_json(second) == {"clients_added": 0, "clients_updated": 0, "sla_rows": 0}
