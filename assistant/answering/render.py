"""Write the chosen pieces as well-formed Markdown: paragraphs, lists in order, tables as tables, each cited.

Pieces of one block stay together (sentences as one paragraph, list items as one list, rows as one table
under their header); the same sentence chosen from two sections is said once; emphasis markers a cut left
unbalanced and the source's own bracketed reference numbers ("[5 ] [ 6]") are removed, so the answer's "[n]"
markers are the only ones.
"""

from __future__ import annotations

import re
from itertools import groupby

from assistant.answering.units import LIST_ITEM, Unit

_SOURCE_REFS = re.compile(r"\s*\[\s*\d{1,3}\s*\](?!\()")
_SPACES = re.compile(r"[ \t]+")


def clean_piece(text: str) -> str:
    """One piece's text without unbalanced emphasis, source reference numbers or doubled spaces."""
    text = _SOURCE_REFS.sub("", text)
    for marker in ("**", "__"):
        if text.count(marker) % 2:
            text = text.replace(marker, "")
    if text.count("`") % 2:
        text = text.replace("`", "")
    text = re.sub(r"\s+([,.;:!?])(?=\s|$)", r"\1", text)  # "word , word" from extracted pages
    return _SPACES.sub(" ", text).strip()


def fingerprint(text: str) -> str:
    """What two pieces that say the same thing share (case, punctuation and markers ignored)."""
    return " ".join(re.findall(r"\w+", LIST_ITEM.sub("", clean_piece(text)).lower()))


def render(pieces: list[tuple[int, Unit]]) -> str:
    """Markdown for ``pieces`` (citation number, unit), kept in the given order and grouped by block."""
    seen: set[str] = set()
    kept: list[tuple[int, Unit, str]] = []
    for n, unit in pieces:
        text = clean_piece(unit.text)
        key = fingerprint(text)
        if not key or key in seen:
            continue
        seen.add(key)
        kept.append((n, unit, text))
    blocks = []
    for (n, _block, kind), group in groupby(kept, key=lambda p: (p[0], p[1].block, p[1].kind)):
        items = list(group)
        if kind == "row":
            blocks.append(_table(items, n))
        elif kind == "item":
            blocks.append("\n".join(f"{_item(text)} [{n}]" for _, _, text in items))
        else:
            blocks.append(" ".join(text for _, _, text in items) + f" [{n}]")
    return "\n\n".join(blocks)


def _item(text: str) -> str:
    return text if LIST_ITEM.match(text) else f"- {text}"


def _table(items: list[tuple[int, Unit, str]], n: int) -> str:
    header = items[0][1].header or ""
    columns = header.strip().strip("|").count("|") + 1
    separator = "|" + "---|" * columns
    rows = [clean_piece(u.raw or text) for _, u, text in items]
    return "\n".join([header, separator, *rows]) + f"\n\n[{n}]"
