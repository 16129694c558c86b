"""A question told with its situation ("I work part time. Am I entitled to the minimum wage?").

People often say who they are or what happened before they ask. The statements help retrieval (they name the
case), but a word of the situation that the knowledge base never uses ("McDonald's", "my cousin") says nothing
about whether it covers the question: the question itself is the sentence that asks, at the end.

Sentences are split with a pattern rather than a sentence tokenizer on purpose: only the boundary before the
closing question matters, and NLTK's punkt needs a model download that an offline install does not have.
"""

from __future__ import annotations

import re

# A sentence boundary: after . ! ? (and before a Spanish opening ¿), or before a capitalised question opener
# run on without a full stop ("I'm the qualifying patient Can I consume it?").
_BOUNDARY = re.compile(
    r"(?<=[.!?])\s+|\s*(?=¿)|\s+(?=(?:Can|Could|May|Might|Am|Is|Are|Do|Does|Did|Will|Would|Should|Shall|Must|Have"
    r"|Has|What|How|When|Where|Who|Whom|Whose|Which|Why)\b[^.!?]*\?\s*$)"
)
_WORD = re.compile(r"\w+")
MIN_SITUATION_WORDS = 3  # "So. Can I …?" is not a situation


def question_part(text: str) -> str | None:
    """The closing question of a message that states a situation first, or None when there is no such split.

    >>> question_part("I work part time. Am I entitled to the minimum wage?")
    'Am I entitled to the minimum wage?'
    >>> question_part("What is the refund window for tier B?") is None
    True
    """
    sentences = [s.strip() for s in _BOUNDARY.split(text.strip()) if s and s.strip()]
    if len(sentences) < 2 or not sentences[-1].endswith("?"):
        return None
    start = len(sentences) - 1
    while start > 0 and sentences[start - 1].endswith("?"):  # "Can I? And how soon?": both ask
        start -= 1
    situation = " ".join(sentences[:start])
    if len(_WORD.findall(situation)) < MIN_SITUATION_WORDS:
        return None
    return " ".join(sentences[start:])
