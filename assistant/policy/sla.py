"""SLA due times and clock states: pure functions over ``knowledge/data/sla.csv``.

Policy (knowledge/en/sla-targets.md): the first-response clock of a channel with business hours counts only
time inside those hours in the client's local zone; the resolution clock counts calendar time. A clock is at
risk once 80% of its target has elapsed and breached once its due time has passed.

Business windows are built from local wall-clock times and every sum or difference is taken on UTC
instants, so a DST day keeps its 08:00-20:00 window (12 real hours) and nothing drifts by an hour.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, field_validator

from assistant.errors import InvalidSlaRequest, SlaNotFound
from assistant.policy.durations import format_iso_duration, humanize, parse_iso_duration  # noqa: F401 - re-exported

State = Literal["ok", "at_risk", "breached"]

_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"(?P<days>[a-z,\-]+)\s+(?P<start>\d{2}:\d{2})\s*-\s*(?P<end>\d{2}:\d{2})")
_COLUMNS = ("tier", "channel", "priority", "first_response", "resolution", "business_hours")
_MIDNIGHT = time(0)
# How far from "now" a contact may have arrived: further is a typo, and would overflow the datetime range or walk
# business hours day by day for centuries.
MAX_CLOCK_SPAN = timedelta(days=3660)


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


def _utc(moment: datetime, name: str) -> datetime:
    """The instant in UTC, refusing naive datetimes (their zone would be a guess)."""
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
    cursor = _utc(start, "start")
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
    begin, finish = _utc(start, "start"), _utc(end, "end")
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


class SlaTarget(BaseModel):
    """One row of ``sla.csv``: the two targets of a tier, channel and priority."""

    model_config = ConfigDict(frozen=True)

    tier: str
    channel: str
    priority: str
    first_response: timedelta
    resolution: timedelta
    business_hours: str | None = None

    @field_validator("business_hours")
    @classmethod
    def _readable_hours(cls, value: str | None) -> str | None:
        """Refuse hours the clock could not count; empty means 24/7."""
        hours = parse_business_hours(value)
        return value.strip() if hours is not None and value is not None else None


class SlaStatus(BaseModel):
    """Where the two clocks of one contact stand at a given moment (no first response sent yet)."""

    tier: str
    channel: str
    priority: str
    first_response_target: str
    resolution_target: str
    business_hours: str | None
    received_at: datetime
    first_response_due: datetime
    resolution_due: datetime
    state: State
    resolution_state: State
    first_response_left: float


class SlaTable:
    """The SLA rows, looked up case-insensitively by tier, channel and priority."""

    def __init__(self, targets: Iterable[SlaTarget]) -> None:
        self._rows: dict[tuple[str, str, str], SlaTarget] = {}
        for target in targets:
            key = _key(target.tier, target.channel, target.priority)
            if key in self._rows:
                raise ValueError(f"Duplicate SLA row for {', '.join(key)}")
            self._rows[key] = target

    @classmethod
    def load(cls, path: str | Path) -> SlaTable:
        """Read ``sla.csv``.

        Args:
            path: The CSV file, with the columns tier, channel, priority, first_response, resolution,
                business_hours.

        Returns:
            The table.

        Raises:
            FileNotFoundError: The file does not exist.
            ValueError: A column is missing or a row cannot be read (the message names the line).
        """
        with Path(path).open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = sorted(set(_COLUMNS) - set(reader.fieldnames or ()))
            if missing:
                raise ValueError(f"{path}: missing columns {', '.join(missing)}")
            try:
                return cls(_row_target(row) for row in reader)
            except ValueError as exc:
                raise ValueError(f"{path}, line {reader.line_num}: {exc}") from exc

    def get(self, tier: str, channel: str, priority: str = "normal") -> SlaTarget:
        """Look up the targets of a contact.

        Args:
            tier: Client tier, e.g. ``"A"`` (any case).
            channel: Channel the client used first, e.g. ``"email"``.
            priority: ``urgent``, ``high``, ``normal`` or ``low``.

        Returns:
            The matching row.

        Raises:
            InvalidSlaRequest: A value is unknown; the message lists the allowed ones.
            SlaNotFound: Every value is known but the table has no row for the combination.
        """
        asked = (tier, channel, priority)
        for value, name, allowed in zip(asked, _COLUMNS[:3], (self.tiers, self.channels, self.priorities), strict=True):
            if value.strip().lower() not in {option.lower() for option in allowed}:
                raise InvalidSlaRequest(f"Unknown {name} {value!r}; expected one of: {', '.join(allowed)}")
        try:
            return self._rows[_key(*asked)]
        except KeyError:
            raise SlaNotFound(f"No SLA for tier {tier}, channel {channel}, priority {priority}") from None

    @property
    def tiers(self) -> tuple[str, ...]:
        """Tiers in table order."""
        return self._distinct("tier")

    @property
    def channels(self) -> tuple[str, ...]:
        """Channels in table order."""
        return self._distinct("channel")

    @property
    def priorities(self) -> tuple[str, ...]:
        """Priorities in table order."""
        return self._distinct("priority")

    def _distinct(self, field: str) -> tuple[str, ...]:
        """Distinct values of one column, first seen first."""
        return tuple(dict.fromkeys(getattr(target, field) for target in self._rows.values()))

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[SlaTarget]:
        return iter(self._rows.values())


def _key(tier: str, channel: str, priority: str) -> tuple[str, str, str]:
    """The case-insensitive lookup key."""
    return tier.strip().lower(), channel.strip().lower(), priority.strip().lower()


def _row_target(row: dict[str, str]) -> SlaTarget:
    """One CSV row as a target."""
    return SlaTarget(
        tier=row["tier"].strip(), channel=row["channel"].strip(), priority=row["priority"].strip(),
        first_response=parse_iso_duration(row["first_response"]), resolution=parse_iso_duration(row["resolution"]),
        business_hours=row["business_hours"] or None,
    )


def _state(elapsed: timedelta, target: timedelta, *, overdue: bool) -> State:
    """Breached once past due; at risk from 80% elapsed (compared exactly, in whole microseconds)."""
    if overdue:
        return "breached"
    return "at_risk" if elapsed * 5 >= target * 4 else "ok"


def compute_status(target: SlaTarget, received_at: datetime, *, now: datetime, tz: ZoneInfo) -> SlaStatus:
    """Compute the due times and states of a contact's two clocks, assuming no first response yet.

    Args:
        target: The contact's SLA row.
        received_at: The client's first message, timezone-aware.
        now: The moment the clocks are read, timezone-aware.
        tz: The client's zone (from the CRM), in which business hours are read.

    Returns:
        Due times in UTC, the first-response state (business time elapsed, breached once past due), the
        resolution state (calendar time) and the seconds of wall-clock time until first response is due.

    Raises:
        InvalidSlaRequest: ``received_at`` or ``now`` is naive, or they are more than ``MAX_CLOCK_SPAN`` apart.
    """
    received, current = _utc(received_at, "received_at"), _utc(now, "now")
    if abs(current - received) > MAX_CLOCK_SPAN:
        raise InvalidSlaRequest(f"received_at must be within {MAX_CLOCK_SPAN.days // 366} years of now")
    hours = parse_business_hours(target.business_hours)
    first_due = add_business_time(received, target.first_response, hours, tz)
    resolution_due = received + target.resolution
    first_elapsed = business_time_between(received, current, hours, tz)
    return SlaStatus(
        tier=target.tier, channel=target.channel, priority=target.priority,
        first_response_target=format_iso_duration(target.first_response),
        resolution_target=format_iso_duration(target.resolution),
        business_hours=target.business_hours, received_at=received,
        first_response_due=first_due, resolution_due=resolution_due,
        state=_state(first_elapsed, target.first_response, overdue=current > first_due),
        resolution_state=_state(current - received, target.resolution, overdue=current > resolution_due),
        first_response_left=(first_due - current).total_seconds(),
    )


def promised_time(target: SlaTarget, status: SlaStatus, *, now: datetime, tz: ZoneInfo) -> datetime:
    """The time a reply may promise: the resolution due time, or the next update once that has passed.

    Policy (SLA targets, "When a clock is breached"): a breached clock is said as such, with an apology and a
    concrete time for the next update, never a date already past. The next update is due one first-response
    target from now (counted in the channel's business hours).

    Args:
        target: The contact's SLA row.
        status: Its clocks, from :func:`compute_status` at ``now``.
        now: The current time, timezone-aware.
        tz: The client's zone.

    Returns:
        The instant to promise, in UTC, never before ``now``.
    """
    current = _utc(now, "now")
    if status.resolution_due > current:
        return status.resolution_due
    return add_business_time(current, target.first_response, parse_business_hours(target.business_hours), tz)
