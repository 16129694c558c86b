"""Third-party evaluation sets: a folder of documents and a ``dev.jsonl`` of questions with gold labels.

The format is the one of ``../shared/evaldata`` (its README): one Markdown file per document in ``docs/``
(the document id is the file stem) and one JSON object per line in ``dev.jsonl``::

    {"id", "q", "thread": [{"role": "user"|"assistant", "text"}], "gold": "<doc file stem>",
     "span": "<grounding text>" (doc2dial), "scenario", "answer" (OR-ShARC), "turn": 1-based}

The sets are read where they are at run time and never copied into this repository.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.errors import PlaybookError

KNOWN_SETS = ("doc2dial", "or-sharc")
SLICE_NAMES = {"first_turns": "first turns", "follow_ups": "follow-ups", "all": "all"}
EVALDATA_ENV = "PLAYBOOK_EVALDATA_DIR"
# A set whose questions carry a scenario (OR-ShARC: "I am an apprentice." + "Am I entitled to ...?") is asked twice:
# the question alone, like for like with the shared README's baselines (dense 0.520 / 0.820 exactly), and as a user
# tells it, the scenario first (``<name>+scenario``; the baselines of that run get the same text).
SCENARIO_SUFFIX = "+scenario"
_WORD = re.compile(r"\w+", re.UNICODE)


class ExternalSetError(PlaybookError):
    """An external evaluation set is missing or malformed."""

    code = "invalid_external_set"


@dataclass(frozen=True)
class ExternalQuestion:
    """One question of an external set, with its gold document and (doc2dial) grounding span."""

    id: str
    q: str
    gold: str
    thread: tuple[tuple[str, str], ...] = ()
    span: str = ""
    scenario: str = ""
    turn: int = 1

    @property
    def first_turn(self) -> bool:
        """A question with no conversation before it (follow-ups carry their thread)."""
        return not self.thread

    def asked(self, *, with_scenario: bool) -> str:
        """The question as the product is asked it: the scenario first when the set needs it."""
        if with_scenario and self.scenario:
            return f"{self.scenario.strip()} {self.q.strip()}"
        return self.q

    def search_text(self, *, with_scenario: bool) -> str:
        """The baselines' query: the question with the thread's last two user turns prepended."""
        users = [text for role, text in self.thread if role == "user"][-2:]
        return " ".join([*users, self.asked(with_scenario=with_scenario)])


@dataclass
class ExternalSet:
    """A loaded set: where its documents are and its questions, in file order."""

    name: str
    root: Path
    questions: list[ExternalQuestion] = field(default_factory=list)
    with_scenario: bool = False  # questions asked with their scenario in front

    @property
    def docs_dir(self) -> Path:
        """The folder of documents the set's questions are answered from."""
        return self.root / "docs"

    @property
    def index_label(self) -> str:
        """The name of the set's cached index: both ways of asking a set share one."""
        return self.name.removesuffix(SCENARIO_SUFFIX)

    def with_scenarios(self) -> ExternalSet | None:
        """The same set asked with each question's scenario in front, or None when no question has one."""
        if self.with_scenario or not any(q.scenario for q in self.questions):
            return None
        return replace(self, name=self.name + SCENARIO_SUFFIX, with_scenario=True)

    def documents(self) -> dict[str, str]:
        """Document id (file stem) -> text, for the baselines."""
        return {p.stem: p.read_text(encoding="utf-8") for p in sorted(self.docs_dir.glob("*.md"))}


def evaldata_candidates() -> list[Path]:
    """Where the shared sets may be: ``$PLAYBOOK_EVALDATA_DIR``, else ``../shared/evaldata`` from here or the repo."""
    if os.environ.get(EVALDATA_ENV):
        return [Path(os.environ[EVALDATA_ENV])]
    repo = Path(__file__).resolve().parents[1]
    return [Path.cwd() / ".." / "shared" / "evaldata", repo / ".." / "shared" / "evaldata"]


def find_evaldata() -> Path | None:
    """The first folder of external sets that exists, or None."""
    return next((p.resolve() for p in evaldata_candidates() if p.is_dir()), None)


def load_set(root: Path, name: str | None = None) -> ExternalSet:
    """Load one set folder (``docs/`` and ``dev.jsonl``).

    Args:
        root: the set's folder.
        name: its name (default: the folder's name); decides whether scenarios are prepended.

    Returns:
        The set with every question.

    Raises:
        ExternalSetError: the folder, its ``docs/`` or ``dev.jsonl`` is missing, or a line is malformed.
    """
    questions_file = root / "dev.jsonl"
    if not (root / "docs").is_dir() or not questions_file.is_file():
        raise ExternalSetError(f"{root}: an external set needs docs/ and dev.jsonl")
    questions = []
    for n, line in enumerate(questions_file.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            questions.append(_parse(questions_file, n, line))
    if not questions:
        raise ExternalSetError(f"{questions_file}: no questions")
    return ExternalSet(name=name or root.name, root=root, questions=questions)


def _parse(path: Path, n: int, line: str) -> ExternalQuestion:
    """One ``dev.jsonl`` line, or an error naming the file and line."""
    try:
        raw: dict[str, Any] = json.loads(line)
        thread = tuple((str(t["role"]), str(t["text"])) for t in raw.get("thread") or [])
        return ExternalQuestion(
            id=str(raw["id"]), q=str(raw["q"]), gold=str(raw["gold"]), thread=thread,
            span=str(raw.get("span") or ""), scenario=str(raw.get("scenario") or ""), turn=int(raw.get("turn", 1)),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ExternalSetError(f"{path}:{n}: malformed question ({type(exc).__name__}: {exc})") from exc


def sample(questions: list[ExternalQuestion], limit: int | None) -> list[ExternalQuestion]:
    """A deterministic spread-out sample: every k-th question, at most ``limit`` (all when None)."""
    if not limit or limit >= len(questions):
        return list(questions)
    step = len(questions) / limit
    return [questions[int(i * step)] for i in range(limit)]


def content_words(text: str) -> set[str]:
    """Lowercased word tokens minus English stopwords (bm25s' list, the one the BM25 baseline uses)."""
    stop = _stopwords()
    return {w for w in _WORD.findall(text.lower()) if w not in stop}


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    """bm25s' English stopwords, imported on first use (bm25s is slow to import)."""
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def span_recall(span: str, text: str) -> float | None:
    """Share of the span's content words that ``text`` carries (None when the span has none)."""
    wanted = content_words(span)
    if not wanted:
        return None
    return len(wanted & content_words(text)) / len(wanted)


def doc_stem(doc_id: str) -> str:
    """The file stem an ingested document id stands for (``docs/rule-001`` -> ``rule-001``)."""
    return doc_id.rsplit("/", 1)[-1]
