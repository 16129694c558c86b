"""Errors a user can see, each with a stable ``code`` that the CLI, HTTP and Slack edges map.

PlaybookError                      code
├── InvalidQuestion
│   ├── EmptyQuestion              empty_question
│   └── QuestionTooLong            question_too_long
├── IndexMissing                   index_missing
├── IngestLocked                   ingest_locked
├── SourceNotFound                 source_not_found
├── NoDocuments                    no_documents
├── ReplaceRequired                replace_required
├── PathNotAllowed                 path_not_allowed
├── InvalidInput                   invalid_input
├── ConfigError                    config_error
├── SlaNotFound                    sla_not_found
├── InvalidSlaRequest              invalid_sla_request
├── ClientNotFound                 client_not_found
├── InvalidClientData              invalid_client_data
├── ClientOutOfScope               client_out_of_scope
├── QuizNotFound                   quiz_not_found
├── InvalidQuizRequest             invalid_quiz_request
└── InvalidPolicyData              invalid_policy_data
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


class NoDocuments(PlaybookError):
    """An ingest path yields no document to index (no supported file, or every file was skipped)."""

    code = "no_documents"


class ReplaceRequired(PlaybookError):
    """An ingest would remove most of the indexed documents and was not confirmed with ``--replace``."""

    code = "replace_required"


class PathNotAllowed(PlaybookError):
    """An ingest path (over HTTP) is outside the configured allowed roots."""

    code = "path_not_allowed"


class InvalidInput(PlaybookError):
    """A value cannot be used as given (invalid text, conflicting options, a charge of 0, a future received time)."""

    code = "invalid_input"


class ConfigError(PlaybookError):
    """A setting is invalid (bad URL, unknown model path...)."""

    code = "config_error"


class SlaNotFound(PlaybookError):
    """The SLA table has no row for this tier, channel and priority."""

    code = "sla_not_found"


class InvalidSlaRequest(PlaybookError):
    """An SLA question names an unknown tier, channel or priority, or a time without a zone."""

    code = "invalid_sla_request"


class ClientNotFound(PlaybookError):
    """No client has this id (unknown or malformed); the message shows at most 40 characters of it."""

    code = "client_not_found"
    max_shown = 40

    def __init__(self, client_id: str) -> None:
        shown = client_id if len(client_id) <= self.max_shown else client_id[: self.max_shown] + "…"
        super().__init__(f"No client with id {shown!r}.")
        self.client_id = shown


class ClientOutOfScope(PlaybookError):
    """A tool was asked about a client other than the one the conversation is about."""

    code = "client_out_of_scope"


class InvalidClientData(PlaybookError):
    """CRM data failed validation (a client or SLA CSV row, an interaction); nothing was written."""

    code = "invalid_client_data"

    def __init__(self, message: str, *, line: int | None = None, column: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class QuizNotFound(PlaybookError):
    """No quiz has this id, or the quiz has no question with this id."""

    code = "quiz_not_found"


class InvalidQuizRequest(PlaybookError):
    """A quiz cannot be made as asked (unknown topic, nothing to ask) or answered by this trainee."""

    code = "invalid_quiz_request"


class InvalidPolicyData(PlaybookError):
    """A policy table of the knowledge base's data folder is missing or breaks its schema."""

    code = "invalid_policy_data"
