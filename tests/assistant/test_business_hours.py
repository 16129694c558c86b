"""Business hours and business time: opening windows, due times across nights, weekends and DST."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.policy.hours import BusinessHours, add_business_time, business_time_between, parse_business_hours
from tests.assistant.clock import BERLIN, CHAT, MEXICO, VIDEO, at

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


# --- due times --------------------------------------------------------------------------------------------


def test_chat_minute_crosses_the_night_to_the_second() -> None:
    """A failure means seconds are lost or rounded when a chat clock pauses at 20:00 and restarts at 08:00."""
    due = add_business_time(at(MEXICO, 2026, 9, 8, 19, 59, 30), timedelta(minutes=1), CHAT, MEXICO)
    assert due.astimezone(MEXICO) == at(MEXICO, 2026, 9, 9, 8, 0, 30)


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
