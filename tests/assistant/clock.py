"""Time zones, business-hours rows and wall-clock moments shared by the SLA and business-hours tests."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from assistant.policy.hours import parse_business_hours

MEXICO = ZoneInfo("America/Mexico_City")
BERLIN = ZoneInfo("Europe/Berlin")
CHAT = parse_business_hours("daily 08:00-20:00")
VIDEO = parse_business_hours("mon-fri 09:00-17:00")


def at(tz: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """A local wall-clock moment in ``tz``."""
    return datetime(year, month, day, hour, minute, second, tzinfo=tz)
