"""The pieces answers are made of: sentences, list items and table rows of a section, in document order.

Each piece keeps what it needs to be shown well again: the block it came from (sentences of one block are one
paragraph), whether it is a list item (and of which numbered list), and for a table row its header and raw
Markdown line (rows are shown as a table again, not as flattened strings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text import table_rows

LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
NUMBERED = re.compile(r"^\s*\d+[.)]\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÁÉÍÓÚÑ¿¡\d])")
_TABLE_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")


@dataclass
class Unit:
    """A sentence, list item or table row of a section, in document order."""

    text: str
    order: int
    numbered_group: int | None = None
    listed: bool = False  # a list item or a table row
    block: int = 0  # the blank-line block (or table, or list) it belongs to
    header: str | None = None  # a table row: the table's header line ...
    raw: str | None = None  # ... and the row's own Markdown line

    @property
    def kind(self) -> str:
        """``row``, ``item`` or ``sentence``."""
        if self.header is not None:
            return "row"
        return "item" if self.listed else "sentence"


def _blocks(section_text: str) -> list[tuple[str, list[str]]]:
    """Blank-line blocks, with runs of table lines split from the text around them."""
    out: list[tuple[str, list[str]]] = []
    for block in re.split(r"\n\s*\n", section_text):
        previous = None
        for line in (ln for ln in block.splitlines() if ln.strip()):
            kind = "table" if line.lstrip().startswith("|") else "text"
            if kind == previous:
                out[-1][1].append(line)
            else:
                out.append((kind, [line]))
            previous = kind
    return out


def _table_units(lines: list[str], start: int, block: int) -> list[Unit]:
    body = [ln.strip() for ln in lines[1:] if not _TABLE_SEPARATOR.match(ln.strip())]
    rows = table_rows(lines)
    return [
        Unit(row, start + n, listed=True, block=block, header=lines[0].strip(), raw=raw)
        for n, (row, raw) in enumerate(zip(rows, body, strict=False))
    ]


def split_units(section_text: str) -> list[Unit]:
    """Split a section into sentences, list items (numbered ones grouped) and table rows."""
    units: list[Unit] = []
    order = 0
    group = 0
    for block, (kind, lines) in enumerate(_blocks(section_text)):
        if kind == "table" and len(lines) >= 2:
            table = _table_units(lines, order, block)
            units += table
            order += len(table)
            continue
        if any(LIST_ITEM.match(ln) for ln in lines):
            group += 1
            for ln in lines:
                if LIST_ITEM.match(ln) or not units:
                    numbered = group if NUMBERED.match(ln) else None
                    units.append(Unit(ln.strip(), order, numbered, listed=True, block=block))
                elif units[-1].block == block:  # continuation line of the previous item
                    units[-1].text += " " + ln.strip()
                else:  # the sentence that introduces the list, in the same block
                    units.append(Unit(ln.strip(), order, block=block))
                order += 1
            continue
        for sentence in _SENTENCE_END.split(" ".join(ln.strip() for ln in lines)):
            if re.search(r"\w", sentence):
                units.append(Unit(sentence.strip(), order, block=block))
                order += 1
    return units
