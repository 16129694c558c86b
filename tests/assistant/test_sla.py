"""SLA engine: durations, business hours, due times across nights/weekends/DST, clock states, the real table."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from assistant.errors import InvalidSlaRequest, SlaNotFound
from assistant.policy.sla import (
    BusinessHours,
    SlaTable,
    SlaTarget,
    add_business_time,
    business_time_between,
    compute_status,
    format_iso_duration,
    humanize,
    parse_business_hours,
    parse_iso_duration,
)
from assistant.settings import BUNDLED_KNOWLEDGE_DIR

SLA_CSV = BUNDLED_KNOWLEDGE_DIR / "data" / "sla.csv"
MEXICO = ZoneInfo("America/Mexico_City")
BERLIN = ZoneInfo("Europe/Berlin")
CHAT = parse_business_hours("daily 08:00-20:00")
VIDEO = parse_business_hours("mon-fri 09:00-17:00")


def at(tz: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """A local wall-clock moment in ``tz``."""
    return datetime(year, month, day, hour, minute, second, tzinfo=tz)


@pytest.fixture(scope="module")
def table() -> SlaTable:
    return SlaTable.load(SLA_CSV)


# --- durations --------------------------------------------------------------------------------------------


def test_every_duration_in_the_table_round_trips() -> None:
    """A failure means a target read from sla.csv would be shown or stored differently from how it is written."""
    with SLA_CSV.open(encoding="utf-8", newline="") as handle:
        texts = {row[column] for row in csv.DictReader(handle) for column in ("first_response", "resolution")}
    assert {"PT20S", "PT15M", "PT24H", "P2D", "P7D"} <= texts
    for text in texts:
        assert format_iso_duration(parse_iso_duration(text)) == text


def test_durations_parse_to_exact_values() -> None:
    """A failure means the parser misreads units, so every due time built on it is wrong."""
    assert parse_iso_duration("PT30S") == timedelta(seconds=30)
    assert parse_iso_duration("PT2H") == timedelta(hours=2)
    assert parse_iso_duration("P2D") == timedelta(days=2)
    assert parse_iso_duration("P1DT2H3M4S") == timedelta(days=1, hours=2, minutes=3, seconds=4)
    assert format_iso_duration(timedelta(hours=1, minutes=30)) == "PT1H30M"
    assert format_iso_duration(timedelta(0)) == "PT0S"


@pytest.mark.parametrize("text", ["", "P", "PT", "2H", "PT2", "P1W", "P1Y", "P1M", "PT1.5H", "pt2h", "-PT1H", "PT1HT"])
def test_durations_outside_the_subset_are_refused(text: str) -> None:
    """A failure means a malformed or ambiguous duration (weeks, months, fractions) would be guessed at."""
    with pytest.raises(ValueError):
        parse_iso_duration(text)


@pytest.mark.parametrize(
    ("duration", "english", "spanish"),
    [
        (timedelta(seconds=30), "30 seconds", "30 segundos"),
        (timedelta(minutes=1), "1 minute", "1 minuto"),
        (timedelta(hours=1), "1 hour", "1 hora"),
        (timedelta(hours=2), "2 hours", "2 horas"),
        (timedelta(hours=24), "24 hours", "24 horas"),
        (timedelta(days=2), "2 days", "2 días"),
        (timedelta(hours=1, minutes=30), "1 hour and 30 minutes", "1 hora y 30 minutos"),
        (timedelta(days=3, hours=1, seconds=5), "3 days, 1 hour and 5 seconds", "3 días, 1 hora y 5 segundos"),
    ],
)
def test_humanize_in_english_and_spanish(duration: timedelta, english: str, spanish: str) -> None:
    """A failure means agents would read targets with wrong units, plurals or wording."""
    assert humanize(duration) == english
    assert humanize(duration, language="es") == spanish


def test_humanize_refuses_unknown_language() -> None:
    """A failure means an unsupported language would silently get English."""
    with pytest.raises(ValueError, match="en, es"):
        humanize(timedelta(hours=1), language="fr")


# --- business hours ---------------------------------------------------------------------------------------


def test_business_hours_are_read_from_the_table_forms() -> None:
    """A failure means a channel's opening days or hours are misread, so its clock pauses at the wrong times."""
    assert CHAT == BusinessHours(frozenset(range(7)), time(8), time(20))
    assert VIDEO == BusinessHours(frozenset({0, 1, 2, 3, 4}), time(9), time(17))
    assert parse_business_hours("sat,sun 10:00-24:00") == BusinessHours(frozenset({5, 6}), time(10), time(0))
    assert parse_business_hours("fri-mon 09:00-17:00") == BusinessHours(frozenset({4, 5, 6, 0}), time(9), time(17))
    for always_open in (None, "", "  ", "24/7"):
        assert parse_business_hours(always_open) is None


@pytest.mark.parametrize(
    "text", ["weekdays 9-5", "mon-fri 17:00-09:00", "xyz 08:00-20:00", "daily 25:00-26:00", "daily 08:00", "mon-"]
)
def test_unreadable_business_hours_are_refused(text: str) -> None:
    """A failure means garbage in the hours column would be treated as some guessed schedule."""
    with pytest.raises(ValueError):
        parse_business_hours(text)


def test_sla_target_refuses_unreadable_hours() -> None:
    """A failure means a broken row would load and only fail later, when a clock is computed."""
    with pytest.raises(ValidationError):
        SlaTarget(tier="A", channel="chat", priority="low", first_response=timedelta(seconds=30),
                  resolution=timedelta(days=3), business_hours="sometimes")


# --- due times --------------------------------------------------------------------------------------------


def test_policy_example_video_friday_to_monday(table: SlaTable) -> None:
    """A failure means the policy's own example (tier C video, Friday 16:50, 1 hour) is not due Monday 09:50."""
    target = table.get("C", "video", "high")
    due = add_business_time(at(MEXICO, 2026, 9, 4, 16, 50), target.first_response, VIDEO, MEXICO)
    assert due.tzinfo is UTC
    assert due.astimezone(MEXICO) == at(MEXICO, 2026, 9, 7, 9, 50)


def test_chat_minute_crosses_the_night_to_the_second() -> None:
    """A failure means seconds are lost or rounded when a chat clock pauses at 20:00 and restarts at 08:00."""
    due = add_business_time(at(MEXICO, 2026, 9, 8, 19, 59, 30), timedelta(minutes=1), CHAT, MEXICO)
    assert due.astimezone(MEXICO) == at(MEXICO, 2026, 9, 9, 8, 0, 30)


def test_email_runs_around_the_clock(table: SlaTable) -> None:
    """A failure means a 24/7 clock pauses at night, so email due times come out too late."""
    target = table.get("B", "email", "normal")
    assert target.business_hours is None
    start = at(MEXICO, 2026, 9, 5, 23, 30)
    assert add_business_time(start, target.first_response, None, MEXICO) == start + timedelta(hours=2)


def test_clock_started_before_opening_counts_from_opening() -> None:
    """A failure means time before opening counts, so early-morning chats look late before anyone could answer."""
    start = at(MEXICO, 2026, 9, 8, 7, 0)
    opening = at(MEXICO, 2026, 9, 8, 8, 0)
    assert add_business_time(start, timedelta(minutes=1), CHAT, MEXICO) == opening + timedelta(minutes=1)
    assert add_business_time(start, timedelta(0), CHAT, MEXICO) == opening
    assert business_time_between(start, at(MEXICO, 2026, 9, 8, 8, 30), CHAT, MEXICO) == timedelta(minutes=30)


def test_saturday_video_request_waits_for_monday() -> None:
    """A failure means weekend time counts on a Monday-to-Friday channel."""
    due = add_business_time(at(MEXICO, 2026, 9, 5, 11, 0), timedelta(minutes=30), VIDEO, MEXICO)
    assert due.astimezone(MEXICO) == at(MEXICO, 2026, 9, 7, 9, 30)


def test_clock_running_out_at_closing_is_due_at_closing() -> None:
    """A failure means a clock that ends exactly at 17:00 is pushed to the next opening."""
    due = add_business_time(at(MEXICO, 2026, 9, 4, 16, 0), timedelta(hours=1), VIDEO, MEXICO)
    assert due.astimezone(MEXICO) == at(MEXICO, 2026, 9, 4, 17, 0)


def test_long_durations_span_many_windows() -> None:
    """A failure means business time spanning days is counted wrongly (or only the first window counts)."""
    monday = at(MEXICO, 2026, 9, 7, 8, 0)
    assert add_business_time(monday, timedelta(hours=20), CHAT, MEXICO).astimezone(MEXICO) == at(
        MEXICO, 2026, 9, 8, 16, 0
    )
    ten_working_days = add_business_time(at(MEXICO, 2026, 9, 7, 9, 0), timedelta(hours=80), VIDEO, MEXICO)
    assert ten_working_days.astimezone(MEXICO) == at(MEXICO, 2026, 9, 18, 17, 0)
    year = business_time_between(at(MEXICO, 2026, 1, 1, 0, 0), at(MEXICO, 2027, 1, 1, 0, 0), CHAT, MEXICO)
    assert year == timedelta(hours=12 * 365)


@pytest.mark.parametrize(("month", "day"), [(3, 29), (10, 25)], ids=["march", "october"])  # last Sundays, 2026
def test_dst_days_keep_twelve_hour_local_windows(month: int, day: int) -> None:
    """A failure means a DST change moves the 08:00-20:00 window by an hour or makes it 11 or 13 hours long."""
    midnight, next_midnight = at(BERLIN, 2026, month, day, 0, 0), at(BERLIN, 2026, month, day + 1, 0, 0)
    assert business_time_between(midnight, next_midnight, CHAT, BERLIN) == timedelta(hours=12)
    due = add_business_time(midnight, timedelta(hours=12), CHAT, BERLIN)
    assert due.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, month, day, 20, 0)
    evening = add_business_time(at(BERLIN, 2026, month, day - 1, 19, 0), timedelta(hours=2), CHAT, BERLIN)
    assert evening.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, month, day, 9, 0)


def test_window_ending_at_midnight_and_dst_day_lengths() -> None:
    """A failure means a window closing at 24:00 is misread, or a whole-day window ignores the real 23/25 hours."""
    late = parse_business_hours("daily 20:00-24:00")
    due = add_business_time(at(BERLIN, 2026, 9, 8, 23, 0), timedelta(hours=2), late, BERLIN)
    assert due.astimezone(BERLIN) == at(BERLIN, 2026, 9, 9, 21, 0)
    whole_day = parse_business_hours("daily 00:00-24:00")
    for day, hours in ((29, 23), (30, 24)):
        start, end = at(BERLIN, 2026, 3, day, 0, 0), at(BERLIN, 2026, 3, day + 1, 0, 0)
        assert business_time_between(start, end, whole_day, BERLIN) == timedelta(hours=hours)
    fall_back = business_time_between(at(BERLIN, 2026, 10, 25, 0, 0), at(BERLIN, 2026, 10, 26, 0, 0), whole_day, BERLIN)
    assert fall_back == timedelta(hours=25)


def test_start_in_another_zone_is_read_in_the_client_zone() -> None:
    """A failure means the server's or caller's zone decides the business hours instead of the client's."""
    start = datetime(2026, 9, 8, 1, 59, 30, tzinfo=UTC)  # 19:59:30 the day before in Mexico City
    assert add_business_time(start, timedelta(minutes=1), CHAT, MEXICO).astimezone(MEXICO) == at(
        MEXICO, 2026, 9, 8, 8, 0, 30
    )


ZONES = st.sampled_from([MEXICO, BERLIN, ZoneInfo("America/New_York"), ZoneInfo("Australia/Lord_Howe")])
HOURS = st.sampled_from(
    [None, CHAT, VIDEO, parse_business_hours("sat,sun 00:00-24:00"), parse_business_hours("daily 20:00-24:00")]
)
MOMENTS = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC))


@settings(max_examples=300, deadline=None)
@given(start=MOMENTS, duration=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)), hours=HOURS,
       tz=ZONES)
def test_elapsed_business_time_inverts_adding_it(
    start: datetime, duration: timedelta, hours: BusinessHours | None, tz: ZoneInfo
) -> None:
    """A failure means due times and at-risk states disagree: the clock reads a different elapsed time at due."""
    due = add_business_time(start, duration, hours, tz)
    assert due >= start
    assert business_time_between(start, due, hours, tz) == duration


@settings(max_examples=300, deadline=None)
@given(start=MOMENTS, gap=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)), hours=HOURS, tz=ZONES)
def test_adding_elapsed_time_lands_no_later_than_the_end(
    start: datetime, gap: timedelta, hours: BusinessHours | None, tz: ZoneInfo
) -> None:
    """A failure means elapsed business time overcounts, so a clock would look further along than it is."""
    end = start + gap
    elapsed = business_time_between(start, end, hours, tz)
    assert elapsed <= gap
    reached = add_business_time(start, elapsed, hours, tz)
    assert reached <= end or elapsed == timedelta(0)  # with nothing elapsed, the clock waits for the next opening
    assert business_time_between(reached, end, hours, tz) == timedelta(0)


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
