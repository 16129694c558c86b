"""DOCX with python-docx: heading styles become Markdown headings, lists and tables are kept."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from ingest.limits import IngestLimits, size_text
from ingest.loaders.base import LoadedDocument, UnreadableFile
from ingest.loaders.decoding import repair_text


def _paragraph_markdown(par: Paragraph) -> str:
    text = par.text.strip()
    if not text:
        return ""
    style = (par.style.name if par.style is not None else "") or ""
    if style == "Title":
        return f"# {text}"
    if style.startswith("Heading"):
        level = style.removeprefix("Heading").strip()
        depth = int(level) if level.isdigit() else 1
        return f"{'#' * min(depth + 1, 6)} {text}"
    if style.startswith("List Number"):
        return f"1. {text}"
    if style.startswith("List"):
        return f"- {text}"
    return text


def _table_markdown(table: Table) -> str:
    rows = [[cell.text.strip().replace("|", "/") for cell in row.cells] for row in table.rows]
    if not rows:
        return ""
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)


# What python-docx lets through on a damaged package: a bad zip or CRC, a deflate stream cut or bit-flipped
# (zlib.error, EOFError), an unknown compression method, a missing part, or XML that does not parse.
_CORRUPT = (
    PackageNotFoundError, zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, KeyError, ValueError,
    etree.LxmlError, SyntaxError,
)


def check_docx_size(path: Path, limits: IngestLimits) -> None:
    """Refuse a package whose parts unpack to more than the limit, before python-docx inflates any of them.

    The sizes come from the zip's central directory; :mod:`zipfile` never inflates a part past its declared size
    (a part that lies fails its CRC check), so the check also holds for a crafted archive.

    Raises:
        UnreadableFile: not a zip package, or a decompression bomb.
    """
    try:
        with zipfile.ZipFile(path) as package:
            unpacked = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableFile(f"corrupt DOCX: {type(exc).__name__}") from exc
    if unpacked > limits.max_unpacked_bytes:
        raise UnreadableFile(
            f"DOCX unpacks to {size_text(unpacked)}, over the limit of {size_text(limits.max_unpacked_bytes)} "
            "(PLAYBOOK_INGEST_MAX_UNPACKED_BYTES; a decompression bomb?)"
        )


def load_docx(path: Path) -> LoadedDocument:
    """Load a Word document in body order (paragraphs and tables interleaved).

    Raises:
        UnreadableFile: not a valid DOCX package.
    """
    try:
        document = docx.Document(str(path))
    except _CORRUPT as exc:
        raise UnreadableFile(f"corrupt DOCX: {type(exc).__name__}") from exc
    blocks: list[str] = []
    for item in document.iter_inner_content():
        block = _paragraph_markdown(item) if isinstance(item, Paragraph) else _table_markdown(item)
        if block:
            blocks.append(block)
    if not blocks:
        raise UnreadableFile("DOCX has no text")
    props = document.core_properties
    meta = {k: v for k, v in {"title": props.title, "owner": props.author, "version": props.version}.items() if v}
    return LoadedDocument(text=repair_text("\n\n".join(blocks)), format="docx", metadata=meta)
