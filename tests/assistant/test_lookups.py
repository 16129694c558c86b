"""The typed lookups' JSON (``SlaLookup``) and the one client-id rule, strict, lenient and searched in free text."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from assistant.models import CLIENT_ID_PATTERN, CLIENT_ID_SEARCH, ClientId, ClientIdInput
from assistant.policy.lookups import SlaLookup

TARGETS = {"tier": "A", "channel": "email", "priority": "high", "first_response_target": "PT30M",
           "resolution_target": "PT8H", "business_hours": None}


def test_sla_lookup_without_a_clock_leaves_the_clock_fields_out() -> None:
    """A failure means the `sla` JSON without received_at gains null clock fields (PRODUCT.md: they are absent)."""
    assert SlaLookup(**TARGETS).model_dump(mode="json") == {**TARGETS, "citation": None}


def test_sla_lookup_writes_due_times_as_isoformat() -> None:
    """A failure means due times come out as pydantic's `...Z` instead of the `+00:00` the JSON always had."""
    due = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
    data = SlaLookup(**TARGETS, first_response_due=due, resolution_due=due, state="ok", resolution_state="ok",
                     first_response_left_seconds=60.0).model_dump(mode="json")
    assert list(data) == [*TARGETS, "first_response_due", "resolution_due", "state", "resolution_state",
                          "first_response_left_seconds", "citation"]
    assert data["first_response_due"] == data["resolution_due"] == "2026-11-20T10:30:00+00:00"
    assert SlaLookup.model_validate(data).first_response_due == due


def test_client_id_is_canonical_and_the_input_form_is_normalized() -> None:
    """A failure means the canonical id accepts variants, or a typed id (case, blanks) is refused by the tools."""
    strict = TypeAdapter(ClientId)
    assert strict.validate_python("C-1001") == "C-1001"
    with pytest.raises(ValidationError):
        strict.validate_python("c-1001")

    class Args(BaseModel):
        client_id: ClientIdInput

    assert Args(client_id=" c-1001 ").client_id == "C-1001"
    for bad in ("C-101", "C-10011", "X-1001", "C1001", ""):
        with pytest.raises(ValidationError):
            Args(client_id=bad)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Client C-2002 says the refund is late", "C-2002"),
        ("what about c-1001?", "c-1001"),
        ("(C-3003)", "C-3003"),
        ("C-123 is too short, C-12345 too long", None),
        ("ABC-1001 is another system's id", None),
        ("order C-123 then client C-1001", "C-1001"),
    ],
)
def test_free_text_search_is_the_one_rule_unanchored(text: str, found: str | None) -> None:
    """A failure means Slack finds a client id the CRM would refuse, or misses one it would accept."""
    match = CLIENT_ID_SEARCH.search(text)
    assert (match.group(0) if match else None) == found
    if match:
        assert re.fullmatch(CLIENT_ID_PATTERN, match.group(0).upper())
