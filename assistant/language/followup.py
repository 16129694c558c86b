"""Follow-up questions read with their thread: "and for tier C?" after a tier B question is a tier C question.

Two cases. A short follow-up that names a domain word of the same kind as the previous question's (another tier,
level or channel) is the previous question with that word replaced. Any other follow-up is searched together
with the thread's last user turns (the words of "Yes" or "what's the deadline?" alone find nothing), while the
follow-up's own words keep the most weight when the answer is composed.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.language.vocabulary import DomainVocabulary

CONTEXT_TURNS = 2
SHORT_FOLLOWUP_WORDS = 8


@dataclass(frozen=True)
class Query:
    """What to search for, and the user's own question (whose words matter most when answering)."""

    search: str
    focus: str
    rewritten: bool = False
    context: str = ""  # the earlier turns' words the search carries, if any

    @property
    def has_context(self) -> bool:
        """True when the search text carries words from earlier turns."""
        return self.search != self.focus


def contextual_query(question: str, user_turns: list[str], vocabulary: DomainVocabulary) -> Query:
    """The query for ``question`` asked after ``user_turns`` (the thread's earlier user messages, oldest first)."""
    previous = [t.strip() for t in user_turns if t.strip()]
    if not previous:
        return Query(question, question)
    rewritten = _substitute(question, previous[-1], vocabulary)
    if rewritten is not None:
        return Query(rewritten, rewritten, rewritten=True)
    context = " ".join(previous[-CONTEXT_TURNS:])
    return Query(f"{context} {question}", question, context=context)


def _substitute(question: str, previous: str, vocabulary: DomainVocabulary) -> str | None:
    """``previous`` with its domain words replaced by the follow-up's, when the follow-up is short and names some."""
    if len(question.split()) > SHORT_FOLLOWUP_WORDS:
        return None
    new = vocabulary.mentions(question)
    old = vocabulary.mentions(previous)
    groups = {m.group for m in new} & {m.group for m in old}
    if not groups:
        return None
    text = previous
    for group in groups:
        replacement = " and ".join(dict.fromkeys(question[m.span[0]:m.span[1]] for m in new if m.group == group))
        olds = [m for m in old if m.group == group]
        if {m.token for m in olds} == {m.token for m in new if m.group == group}:
            continue
        for n, m in enumerate(sorted(olds, key=lambda m: -m.span[0])):  # right to left keeps earlier spans valid
            text = text[: m.span[0]] + (replacement if n == len(olds) - 1 else "") + text[m.span[1]:]
    return text if text != previous else None
