"""A question as it comes in (``POST /v1/ask``, ``playbook ask``, Slack, evals): the text and its thread."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from assistant.clean import CleanText


class Turn(BaseModel):
    """One earlier message of a thread."""

    role: Literal["user", "assistant"]
    text: CleanText = Field(max_length=10_000)


class AskRequest(BaseModel):
    """A question (``POST /v1/ask``)."""

    question: CleanText
    k: int | None = Field(None, ge=1, le=50)
    thread: list[Turn] = Field(default_factory=list, max_length=50)
    language: Literal["en", "es"] | None = None
    # Keys are metadata field names: a "$"-prefixed key would reach Chroma as an operator (a 500, not a filter).
    filters: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)], str] | None = None
