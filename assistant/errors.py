"""Errors a user can see, each with a stable ``code`` that the CLI, HTTP and Slack edges map.

PlaybookError                      code
├── InvalidQuestion
│   ├── EmptyQuestion              empty_question
│   └── QuestionTooLong            question_too_long
├── IndexMissing                   index_missing
├── IngestLocked                   ingest_locked
├── SourceNotFound                 source_not_found
└── ConfigError                    config_error
"""

from __future__ import annotations


class PlaybookError(Exception):
    """Base of every error meant for a user: one clear line, a stable code."""

    code = "playbook_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, dict[str, str]]:
        """Return the JSON error body shared by every interface."""
        return {"error": {"code": self.code, "message": self.message}}


class InvalidQuestion(PlaybookError):
    """The question cannot be answered as written."""

    code = "invalid_question"


class EmptyQuestion(InvalidQuestion):
    """The question is empty or only whitespace."""

    code = "empty_question"


class QuestionTooLong(InvalidQuestion):
    """The question is longer than the configured limit."""

    code = "question_too_long"


class IndexMissing(PlaybookError):
    """No index has been built yet in this data dir (or Chroma server)."""

    code = "index_missing"


class IngestLocked(PlaybookError):
    """Another ingest holds the data dir's lock."""

    code = "ingest_locked"


class SourceNotFound(PlaybookError):
    """A path given to ingest does not exist."""

    code = "source_not_found"


class ConfigError(PlaybookError):
    """A setting is invalid (bad URL, unknown model path...)."""

    code = "config_error"
