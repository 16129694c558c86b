"""Business hours and business time: when a clock that pauses outside opening hours runs out, and how much ran.

Business windows are built from local wall-clock times and every sum or difference is taken on UTC
instants, so a DST day keeps its 08:00-20:00 window (12 real hours) and nothing drifts by an hour.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from assistant.errors import InvalidSlaRequest

_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"(?P<days>[a-z,\-]+)\s+(?P<start>\d{2}:\d{2})\s*-\s*(?P<end>\d{2}:\d{2})")
_MIDNIGHT = time(0)


@dataclass(frozen=True)
class BusinessHours:
    """The same opening window on each of ``days`` (0 = Monday), in the client's local time.

    ``end == time(0)`` means the window closes at midnight ("24:00"); windows across midnight are not supported.
    """

    days: frozenset[int]
    start: time
    end: time

    def __post_init__(self) -> None:
        object.__setattr__(self, "days", frozenset(self.days))
        if not self.days or not self.days <= set(range(7)):
            raise ValueError(f"Business days must be a non-empty set of weekdays 0-6, got {sorted(self.days)}")
        if self.start.tzinfo or self.end.tzinfo:
            raise ValueError("Business hours are local wall-clock times, without a zone")
        if self.end != _MIDNIGHT and self.end <= self.start:
            raise ValueError(f"A window must close after it opens: {self.start}-{self.end}")

    def window(self, day: date, tz: ZoneInfo) -> tuple[datetime, datetime] | None:
        """Return the UTC opening and closing instants of the local ``day``, or None when closed that day."""
        if day.weekday() not in self.days:
            return None
        # A window edge inside a DST gap (none in the table) takes PEP 495's default, the pre-transition offset.
        opens = datetime.combine(day, self.start, tzinfo=tz)
        closes = datetime.combine(day + timedelta(days=1) if self.end == _MIDNIGHT else day, self.end, tzinfo=tz)
        return opens.astimezone(UTC), closes.astimezone(UTC)


def parse_business_hours(text: str | None) -> BusinessHours | None:
    """Read business hours such as ``daily 08:00-20:00``, ``mon-fri 09:00-17:00`` or ``sat,sun 10:00-24:00``.

    Args:
        text: The hours as written in ``sla.csv``; None, empty or ``24/7`` mean the clock never pauses.

    Returns:
        The hours, or None for 24/7.

    Raises:
        ValueError: The text cannot be read.
    """
    cleaned = (text or "").strip().lower()
    if cleaned in ("", "24/7"):
        return None
    match = _HOURS.fullmatch(cleaned)
    if match is None:
        example = "'daily 08:00-20:00' or 'mon-fri 09:00-17:00'"
        raise ValueError(f"Cannot read business hours {text!r}; expected e.g. {example}")
    return BusinessHours(_parse_days(match["days"]), _parse_clock(match["start"]), _parse_clock(match["end"], end=True))


def _parse_days(text: str) -> frozenset[int]:
    """Weekday numbers of ``daily``, ``sat``, ``mon-fri`` or a comma list of those."""
    if text == "daily":
        return frozenset(range(7))
    days: set[int] = set()
    for part in text.split(","):
        first, _, last = part.partition("-")
        if first not in _DAY_NAMES or (last or first) not in _DAY_NAMES:
            raise ValueError(f"Unknown business days {part!r}; use 'daily' or days like 'mon-fri', 'sat,sun'")
        low, span = _DAY_NAMES.index(first), (_DAY_NAMES.index(last or first) - _DAY_NAMES.index(first)) % 7
        days.update((low + offset) % 7 for offset in range(span + 1))
    return frozenset(days)


def _parse_clock(text: str, *, end: bool = False) -> time:
    """A local ``HH:MM`` time; ``24:00`` is accepted as a closing time (midnight)."""
    hours, minutes = (int(part) for part in text.split(":"))
    if end and (hours, minutes) == (24, 0):
        return _MIDNIGHT
    if hours > 23 or minutes > 59:
        raise ValueError(f"Not a time of day: {text!r}")
    return time(hours, minutes)


def to_utc(moment: datetime, name: str) -> datetime:
    """Return ``moment`` as a UTC instant, refusing naive datetimes (their zone would be a guess).

    Args:
        moment: A timezone-aware datetime.
        name: What it is, for the error message (e.g. ``"received_at"``).

    Returns:
        The same instant in UTC.

    Raises:
        InvalidSlaRequest: ``moment`` is naive or outside the supported date range.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidSlaRequest(f"{name} has no time zone; attach the client's zone (e.g. America/Mexico_City)")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InvalidSlaRequest(f"{name} is outside the supported date range") from None


def _windows(since: datetime, hours: BusinessHours, tz: ZoneInfo) -> Iterator[tuple[datetime, datetime]]:
    """Business windows in time order, endlessly, starting with the first one still open after ``since``."""
    day = since.astimezone(tz).date()  # a window never outlives its local day, so earlier days are closed
    while True:
        window = hours.window(day, tz)
        if window is not None and window[1] > since:
            yield window
        day += timedelta(days=1)


def add_business_time(start: datetime, duration: timedelta, hours: BusinessHours | None, tz: ZoneInfo) -> datetime:
    """Find when ``duration`` of business time has run from ``start``.

    Args:
        start: When the clock starts, in any zone; outside business hours it starts at the next opening.
        duration: Business time to count (non-negative).
        hours: The local business hours, or None for 24/7 (calendar time).
        tz: The client's zone, in which ``hours`` are read.

    Returns:
        The due instant, in UTC. A clock that runs out exactly at closing time is due at closing time.

    Raises:
        InvalidSlaRequest: ``start`` has no time zone.
        ValueError: ``duration`` is negative.
    """
    cursor = to_utc(start, "start")
    if duration < timedelta(0):
        raise ValueError(f"A duration cannot be negative: {duration}")
    if hours is None:
        return cursor + duration
    remaining = duration
    for opens, closes in _windows(cursor, hours, tz):
        begin = max(opens, cursor)
        if remaining <= closes - begin:
            return begin + remaining
        remaining -= closes - begin
    raise AssertionError("unreachable: business windows never run out")


def business_time_between(start: datetime, end: datetime, hours: BusinessHours | None, tz: ZoneInfo) -> timedelta:
    """Measure the business time elapsed from ``start`` to ``end``.

    Args:
        start: When the clock started, in any zone.
        end: When it is read, in any zone.
        hours: The local business hours, or None for 24/7 (calendar time).
        tz: The client's zone, in which ``hours`` are read.

    Returns:
        The elapsed business time; zero when ``end`` is not after ``start``.

    Raises:
        InvalidSlaRequest: ``start`` or ``end`` has no time zone.
    """
    begin, finish = to_utc(start, "start"), to_utc(end, "end")
    if finish <= begin:
        return timedelta(0)
    if hours is None:
        return finish - begin
    elapsed = timedelta(0)
    for opens, closes in _windows(begin, hours, tz):
        if opens >= finish:
            break
        elapsed += min(closes, finish) - max(opens, begin)
    return elapsed
