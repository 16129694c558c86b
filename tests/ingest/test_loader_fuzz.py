"""Property-based fuzzing of the ingest loaders (hypothesis): random bytes, and valid Markdown, text, HTML, PDF and
DOCX files truncated or with bytes flipped, under every supported extension. A loader either returns a document
(which screening then accepts) or raises ``UnreadableFile`` (a skip with a reason), never any other exception.

CI runs PLAYBOOK_FUZZ_EXAMPLES (default 25) examples per test, derandomized; ``make fuzz`` runs many more, random."""

from __future__ import annotations

import io
import logging
import os
import tempfile
from functools import cache
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reportlab.pdfgen import canvas

from ingest.loaders import LOADERS, UnreadableFile, load_document
from ingest.screening import screen_document

EXAMPLES = int(os.environ.get("PLAYBOOK_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 50, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
EXTENSIONS = sorted(LOADERS)


@pytest.fixture(autouse=True)
def _quiet_pypdf() -> None:
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)


@cache
def valid_files() -> dict[str, bytes]:
    """One small valid file per format (built once)."""
    pdf = io.BytesIO()
    page = canvas.Canvas(pdf)
    page.setTitle("Refunds")
    page.drawString(72, 720, "Refunds are possible within thirty days.")
    page.showPage()
    page.drawString(72, 720, "Credits come before refunds.")
    page.save()
    word = docx.Document()
    word.add_heading("Refunds", level=1)
    word.add_paragraph("Refunds are possible within thirty days.")
    table = word.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(1, 1).text = "Tier", "30 days"
    docx_bytes = io.BytesIO()
    word.save(docx_bytes)
    markdown = "---\ntitle: Refunds\nowner: CX\n---\n# Refunds\n\n## Window\n\n- Política: **30 días**\n| a | b |\n"
    html = ("<html lang='es'><head><title>Refunds</title><meta name='author' content='CX'></head><body><h1>Refunds</h1>"
            "<p style='display:none'>hidden</p><!-- c --><table><tr><td>A</td></tr></table></body></html>")
    return {".pdf": pdf.getvalue(), ".docx": docx_bytes.getvalue(), ".md": markdown.encode(),
            ".txt": "Refunds\n\nPolítica de reembolsos.\n".encode(), ".html": html.encode()}


def _load(raw: bytes, extension: str) -> None:
    """Write ``raw`` under ``extension`` and load it: a document, or UnreadableFile (anything else fails the test)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzzed{extension}"
        path.write_bytes(raw)
        try:
            doc = load_document(path)
        except UnreadableFile as exc:
            assert str(exc), "a skip needs a reason"
            return
        assert doc.text.strip()
        cleaned, found = screen_document(doc)
        assert isinstance(cleaned.text, str) and all(isinstance(f, str) for f in found)


@FUZZ
@given(raw=st.binary(max_size=4096), extension=st.sampled_from(EXTENSIONS))
def test_random_bytes_load_or_are_unreadable(raw: bytes, extension: str) -> None:
    """A failure means some bytes under some extension crash a loader with an exception other than UnreadableFile."""
    _load(raw, extension)


@FUZZ
@given(data=st.data(), kind=st.sampled_from([".pdf", ".docx", ".md", ".txt", ".html"]),
       extension=st.sampled_from(EXTENSIONS))
def test_truncated_or_corrupted_valid_files_load_or_are_unreadable(data: st.DataObject, kind: str,
                                                                   extension: str) -> None:
    """A failure means a truncated or bit-flipped real file crashes its loader (or another extension's loader)."""
    raw = bytearray(valid_files()[kind])
    cut = data.draw(st.integers(min_value=1, max_value=len(raw)), label="cut")
    raw = raw[:cut]
    for position in data.draw(st.lists(st.integers(min_value=0, max_value=len(raw) - 1), max_size=8), label="flips"):
        raw[position] ^= data.draw(st.integers(min_value=1, max_value=255), label="xor")
    _load(bytes(raw), data.draw(st.sampled_from([kind, extension]), label="extension"))


@FUZZ
@given(text=st.text(max_size=2000), extension=st.sampled_from([".md", ".txt", ".html"]))
def test_random_text_loads_or_is_unreadable(text: str, extension: str) -> None:
    """A failure means some Unicode text (surrogates aside) crashes a text loader or the screening of its result."""
    _load(text.encode("utf-8", errors="surrogatepass"), extension)
