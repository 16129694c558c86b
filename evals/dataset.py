"""Evaluation datasets: the YAML formats of ``evals/datasets/`` and a loader that names the bad line.

Two kinds of file (format and examples in ``evals/README.md``):

- ``kind: questions``: golden questions with a reference answer, where the answer lives (document and
  section, or chunk ids), the key facts a correct answer must contain, and tags; or ``answerable: false``
  for questions the assistant must abstain on.
- ``kind: drafts``: refund and rescue cases with the client, the message and what the policy expects.

A malformed item is rejected with ``file:line: item 'id': field: problem`` so a QA lead can fix it without
reading code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.errors import PlaybookError

BUNDLED_DATASETS = Path(__file__).parent / "datasets"
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,80}$"


class DatasetError(PlaybookError):
    """A dataset file is missing, not YAML, or has a malformed item."""

    code = "invalid_dataset"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """One piece of evidence an answer needs: a document (or alternatives) and optionally a section."""

    doc: list[str] = Field(min_length=1, description="doc_id, or alternative doc_ids (any counts)")
    section: str = Field("", description="a substring of the chunk's section path")

    @field_validator("doc", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    def matches(self, doc_id: str, section: str) -> bool:
        """True when a chunk of ``doc_id`` under ``section`` is this evidence."""
        return doc_id in self.doc and self.section in section


class ThreadTurn(_Strict):
    """One earlier message of the conversation a follow-up question belongs to."""

    role: Literal["user", "assistant"]
    text: str = Field(min_length=1, max_length=10_000)


class Question(_Strict):
    """One golden question (a follow-up carries the ``thread`` before it)."""

    id: str = Field(pattern=ID_PATTERN)
    question: str = Field(min_length=3, max_length=2000)
    language: Literal["en", "es"] = "en"
    thread: list[ThreadTurn] = Field(default_factory=list, max_length=50)
    answerable: bool = True
    reference: str = ""
    sources: list[Source] = Field(default_factory=list)
    chunks: list[str] = Field(default_factory=list, description="exact reference chunk ids (optional)")
    facts: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _answerable_needs_labels(self) -> Question:
        if self.answerable:
            missing = [name for name in ("reference", "facts") if not getattr(self, name)]
            if not (self.sources or self.chunks):
                missing.append("sources")
            if missing:
                raise ValueError(f"an answerable question needs {', '.join(missing)}")
        elif self.sources or self.chunks or self.facts:
            raise ValueError("an unanswerable question has no sources, chunks or facts")
        return self


class DraftExpectation(_Strict):
    """What the policy says a draft must do."""

    action: Literal["full_refund", "credit", "rescue_offer", "verify_charge"] | None = None
    error: str | None = Field(None, description="The error code the request must get instead of a draft.")
    requires_approval: bool = False
    escalate_to: str | None = None
    typification: str | None = None
    must_contain: list[str] = Field(default_factory=list)
    must_not_contain: list[str] = Field(default_factory=list)
    secondary_typifications: list[str] | None = None
    message_language: str | None = None

    @model_validator(mode="after")
    def _action_or_error(self) -> DraftExpectation:
        if (self.action is None) == (self.error is None):
            raise ValueError("expect either an action or an error")
        return self


class DraftCase(_Strict):
    """One drafting case."""

    id: str = Field(pattern=ID_PATTERN)
    kind: Literal["refund", "rescue"]
    client: str = Field(min_length=1, max_length=40)
    message: str = Field(min_length=1, max_length=5000)
    channel: Literal["email", "chat", "phone", "ticket", "video"] = "email"
    language: Literal["en", "es", "fr", "de"] | None = None
    received_at: str | None = None
    now: str | None = Field(None, description="The clock of this case (ISO 8601); default: the run's clock.")
    charge_amount: float | None = None
    days_since_charge: int | None = Field(None, ge=0)
    expect: DraftExpectation
    tags: list[str] = Field(default_factory=list)


class Dataset(BaseModel):
    """A loaded dataset file."""

    path: str
    name: str
    kind: Literal["questions", "drafts"]
    questions: list[Question] = Field(default_factory=list)
    drafts: list[DraftCase] = Field(default_factory=list)

    def __len__(self) -> int:
        return len(self.questions) + len(self.drafts)


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records each mapping's first line as ``__line__`` (PyYAML keeps marks only on nodes)."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = {str(k): v for k, v in loader.construct_mapping(node, deep=True).items()}
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def bundled_dataset(name: str) -> Path:
    """The file of a bundled dataset (``golden``, ``drafting``): the one place that knows where they live."""
    return BUNDLED_DATASETS / f"{name}.yaml"


def resolve(name_or_path: str | Path) -> Path:
    """A dataset path, or the name of a bundled dataset (``golden``, ``drafting``)."""
    path = Path(name_or_path)
    if path.exists() or path.suffix:
        return path
    return bundled_dataset(str(name_or_path))


def load_dataset(name_or_path: str | Path) -> Dataset:
    """Load and validate one dataset file.

    Args:
        name_or_path: a YAML file, or a bundled dataset's name.

    Returns:
        The dataset, every item validated.

    Raises:
        DatasetError: the file is missing or not YAML, the header is wrong, an item is malformed, or two
            items share an id. The message names the file and line.
    """
    path = resolve(name_or_path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read the dataset ({exc.strerror or exc})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise DatasetError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    if not isinstance(raw, dict) or raw.get("version") != 1 or raw.get("kind") not in ("questions", "drafts"):
        raise DatasetError(f"{path}:1: the file must start with 'version: 1' and 'kind: questions' or 'kind: drafts'")
    kind = raw["kind"]
    key, model = ("items", Question) if kind == "questions" else ("cases", DraftCase)
    entries = raw.get(key)
    if not isinstance(entries, list) or not entries:
        raise DatasetError(f"{path}:{raw['__line__']}: a '{kind}' dataset needs a non-empty '{key}' list")
    parsed: list[Any] = []
    seen: dict[str, int] = {}
    for entry in entries:
        parsed.append(_parse_item(path, entry, model, seen))
    dataset = Dataset(path=str(path), name=path.stem, kind=kind)
    if kind == "questions":
        dataset.questions = parsed
    else:
        dataset.drafts = parsed
    return dataset


def _parse_item(path: Path, entry: Any, model: type[Question] | type[DraftCase], seen: dict[str, int]) -> Any:
    if not isinstance(entry, dict):
        raise DatasetError(f"{path}: every item must be a mapping, found {type(entry).__name__}: {entry!r:.60}")
    line = entry.pop("__line__", 0)
    data = _strip_lines(entry)
    label = f"item {data.get('id')!r}" if data.get("id") else "item"
    try:
        item = model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "item"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise DatasetError(f"{path}:{line}: {label}: {field}: {message}") from exc
    if item.id in seen:
        raise DatasetError(f"{path}:{line}: {label}: duplicate id (first used on line {seen[item.id]})")
    seen[item.id] = line
    return item


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value
