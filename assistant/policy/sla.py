"""SLA targets and clock states: pure functions over ``knowledge/data/sla.csv``.

Policy (knowledge/en/sla-targets.md): the first-response clock of a channel with business hours counts only
time inside those hours in the client's local zone (:mod:`assistant.policy.hours`); the resolution clock counts
calendar time. A clock is at risk once 80% of its target has elapsed and breached once its due time has passed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, field_validator

from assistant.errors import InvalidSlaRequest, SlaNotFound
from assistant.policy.durations import format_iso_duration, parse_iso_duration
from assistant.policy.hours import add_business_time, business_time_between, parse_business_hours, to_utc

State = Literal["ok", "at_risk", "breached"]

_COLUMNS = ("tier", "channel", "priority", "first_response", "resolution", "business_hours")
# How far from "now" a contact may have arrived: further is a typo, and would overflow the datetime range or walk
# business hours day by day for centuries.
MAX_CLOCK_SPAN = timedelta(days=3660)


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
    received, current = to_utc(received_at, "received_at"), to_utc(now, "now")
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
    current = to_utc(now, "now")
    if status.resolution_due > current:
        return status.resolution_due
    return add_business_time(current, target.first_response, parse_business_hours(target.business_hours), tz)
