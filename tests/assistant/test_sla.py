"""SLA targets and clock states: the real table, lookups, due times of its rows, at-risk and breached states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.errors import InvalidSlaRequest, SlaNotFound
from assistant.policy.hours import add_business_time
from assistant.policy.sla import SlaTable, SlaTarget, compute_status
from assistant.settings import BUNDLED_KNOWLEDGE_DIR
from tests.assistant.clock import BERLIN, CHAT, MEXICO, VIDEO, at

SLA_CSV = BUNDLED_KNOWLEDGE_DIR / "data" / "sla.csv"


@pytest.fixture(scope="module")
def table() -> SlaTable:
    return SlaTable.load(SLA_CSV)


# --- targets and their due times --------------------------------------------------------------------------


def test_sla_target_refuses_unreadable_hours() -> None:
    """A failure means a broken row would load and only fail later, when a clock is computed."""
    with pytest.raises(ValidationError):
        SlaTarget(tier="A", channel="chat", priority="low", first_response=timedelta(seconds=30),
                  resolution=timedelta(days=3), business_hours="sometimes")


def test_policy_example_video_friday_to_monday(table: SlaTable) -> None:
    """A failure means the policy's own example (tier C video, Friday 16:50, 1 hour) is not due Monday 09:50."""
    target = table.get("C", "video", "high")
    due = add_business_time(at(MEXICO, 2026, 9, 4, 16, 50), target.first_response, VIDEO, MEXICO)
    assert due.tzinfo is UTC
    assert due.astimezone(MEXICO) == at(MEXICO, 2026, 9, 7, 9, 50)


def test_email_runs_around_the_clock(table: SlaTable) -> None:
    """A failure means a 24/7 clock pauses at night, so email due times come out too late."""
    target = table.get("B", "email", "normal")
    assert target.business_hours is None
    start = at(MEXICO, 2026, 9, 5, 23, 30)
    assert add_business_time(start, target.first_response, None, MEXICO) == start + timedelta(hours=2)


# --- states -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("percent", "state"), [(0, "ok"), (79, "ok"), (80, "at_risk"), (100, "at_risk"), (101, "breached")]
)
def test_first_response_state_boundaries(table: SlaTable, percent: int, state: str) -> None:
    """A failure means the at-risk (80%) or breach (past due) threshold is off, so the CRM flags the wrong cases."""
    target = table.get("A", "email", "low")  # PT2H, 24/7
    received = at(MEXICO, 2026, 9, 8, 10, 0)
    status = compute_status(target, received, now=received + target.first_response * percent / 100, tz=MEXICO)
    assert status.state == state
    assert status.first_response_left == (target.first_response * (100 - percent) / 100).total_seconds()
    assert status.resolution_state == "ok"


@pytest.mark.parametrize(("percent", "state"), [(79, "ok"), (80, "at_risk"), (100, "at_risk"), (101, "breached")])
def test_resolution_state_boundaries(table: SlaTable, percent: int, state: str) -> None:
    """A failure means the resolution clock's at-risk or breach threshold is off."""
    target = table.get("C", "chat", "low")  # P7D calendar time
    received = at(MEXICO, 2026, 9, 8, 10, 0)
    status = compute_status(target, received, now=received + target.resolution * percent / 100, tz=MEXICO)
    assert status.resolution_state == state


def test_resolution_counts_calendar_time_over_the_weekend(table: SlaTable) -> None:
    """A failure means the resolution clock pauses like a first-response clock (policy: Friday 18:00 → Sunday 18:00)."""
    target = table.get("B", "email", "normal")
    status = compute_status(target, at(MEXICO, 2026, 9, 4, 18, 0), now=at(MEXICO, 2026, 9, 5, 9, 0), tz=MEXICO)
    assert status.resolution_target == "P2D"
    assert status.resolution_due.astimezone(MEXICO) == at(MEXICO, 2026, 9, 6, 18, 0)
    video = compute_status(table.get("B", "video", "normal"), at(MEXICO, 2026, 9, 4, 18, 0),
                           now=at(MEXICO, 2026, 9, 5, 9, 0), tz=MEXICO)
    assert video.resolution_due == status.resolution_due


def test_business_hours_state_uses_business_time_and_due(table: SlaTable) -> None:
    """A failure means closed hours count toward the video clock, or a clock past due while closed is not breached."""
    target = table.get("C", "video", "high")  # PT1H, mon-fri 09:00-17:00
    friday = at(MEXICO, 2026, 9, 4, 16, 50)
    evening = compute_status(target, friday, now=at(MEXICO, 2026, 9, 5, 12, 0), tz=MEXICO)
    assert (evening.state, evening.first_response_due.astimezone(MEXICO)) == ("ok", at(MEXICO, 2026, 9, 7, 9, 50))
    assert evening.first_response_target == "PT1H" and evening.business_hours == "mon-fri 09:00-17:00"
    assert compute_status(target, friday, now=at(MEXICO, 2026, 9, 7, 9, 38), tz=MEXICO).state == "at_risk"
    assert compute_status(target, friday, now=at(MEXICO, 2026, 9, 7, 9, 50), tz=MEXICO).state == "at_risk"
    late = compute_status(target, friday, now=at(MEXICO, 2026, 9, 7, 9, 51), tz=MEXICO)
    assert (late.state, late.first_response_left) == ("breached", -60.0)
    closed_after_due = compute_status(target, at(MEXICO, 2026, 9, 4, 16, 0), now=at(MEXICO, 2026, 9, 4, 18), tz=MEXICO)
    assert closed_after_due.state == "breached"
    assert closed_after_due.first_response_left == -3600.0


def test_status_times_are_utc(table: SlaTable) -> None:
    """A failure means callers get local or mixed zones back and compare due times wrongly."""
    status = compute_status(table.get("A", "chat"), at(BERLIN, 2026, 9, 8, 10, 0), now=at(BERLIN, 2026, 9, 8, 10, 0),
                            tz=BERLIN)
    assert {status.received_at.tzinfo, status.first_response_due.tzinfo, status.resolution_due.tzinfo} == {UTC}
    assert status.received_at == datetime(2026, 9, 8, 8, 0, tzinfo=UTC)
    assert status.model_dump(mode="json")["state"] == "ok"


def test_naive_datetimes_are_refused(table: SlaTable) -> None:
    """A failure means a time without a zone would be silently read in the server's zone."""
    target = table.get("A", "email", "urgent")
    aware, naive = at(MEXICO, 2026, 9, 8, 10, 0), datetime(2026, 9, 8, 10, 0)
    with pytest.raises(InvalidSlaRequest, match="received_at"):
        compute_status(target, naive, now=aware, tz=MEXICO)
    with pytest.raises(InvalidSlaRequest, match="now") as caught:
        compute_status(target, aware, now=naive, tz=MEXICO)
    assert caught.value.code == "invalid_sla_request"
    with pytest.raises(InvalidSlaRequest):
        add_business_time(naive, timedelta(hours=1), CHAT, MEXICO)


# --- the table --------------------------------------------------------------------------------------------


def test_real_table_loads_all_rows(table: SlaTable) -> None:
    """A failure means sla.csv and the loader disagree: rows lost, or lookups not case-insensitive."""
    assert len(table) == 60
    assert table.tiers == ("A", "B", "C")
    assert set(table.channels) == {"phone", "chat", "email", "ticket", "video"}
    assert set(table.priorities) == {"urgent", "high", "normal", "low"}
    assert table.get("a", "EMAIL", "urgent").first_response == timedelta(minutes=15)
    assert table.get("C", "video").priority == "normal"
    assert table.get("B", "phone", "high").business_hours == "daily 08:00-20:00"
    assert table.get("A", "phone", "high").business_hours is None


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        (("D", "email", "high"), "A, B, C"),
        (("A", "fax", "high"), "phone, chat, email, ticket, video"),
        (("A", "email", "critical"), "urgent, high, normal, low"),
    ],
)
def test_unknown_values_list_the_allowed_ones(table: SlaTable, args: tuple[str, str, str], allowed: str) -> None:
    """A failure means a typo gets a vague error instead of the list of values the user can pick from."""
    with pytest.raises(InvalidSlaRequest, match=allowed) as caught:
        table.get(*args)
    assert caught.value.code == "invalid_sla_request"


def test_missing_combination_is_sla_not_found() -> None:
    """A failure means a known tier/channel/priority missing from a table is confused with a typo or crashes."""
    row = {"first_response": timedelta(minutes=5), "resolution": timedelta(hours=4)}
    partial = SlaTable([SlaTarget(tier="A", channel="email", priority="urgent", **row),
                        SlaTarget(tier="B", channel="chat", priority="low", **row)])
    with pytest.raises(SlaNotFound) as caught:
        partial.get("A", "chat", "low")
    assert caught.value.code == "sla_not_found"


def test_broken_csv_names_the_line(tmp_path: Path) -> None:
    """A failure means a bad edit to sla.csv fails without saying where."""
    broken = tmp_path / "sla.csv"
    broken.write_text(
        "tier,channel,priority,first_response,resolution,business_hours\nA,chat,low,PT30S,P3D,\nA,email,low,2h,P3D,\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="line 3"):
        SlaTable.load(broken)
