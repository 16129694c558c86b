"""Malformed files at ingest: a truncated PDF, binary garbage named .md, invalid UTF-8 noise, an empty file, a DOCX that
is not a zip, a zip that is not a DOCX, an HTML page of garbage. Expected: ingest completes, each bad file is listed in
``skipped`` with a reason, and every good file is indexed."""

from __future__ import annotations

import io
import logging
import random
import zipfile
from pathlib import Path

import pytest
from reportlab.pdfgen import canvas

from assistant.factory import build_services
from tests.conftest import hash_settings, make_pipeline

GOOD = {"refunds.md": "# Refunds\n\n## Window\n\nRefunds are possible within thirty days.\n",
        "greeting.txt": "Greeting\n\nGreet every customer by name.\n"}


def _pdf() -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 720, "A complete first page.")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _zip_without_docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a word document")
    return buffer.getvalue()


BAD = {
    "truncated.pdf": (_pdf()[:400], "corrupt PDF"),
    "garbage.md": (b"\x89PNG\r\n\x1a\n\x00\x00" + random.Random(1).randbytes(4000), "binary"),
    "noise.md": (bytes(random.Random(2).randrange(0x80, 0x100) for _ in range(4000)), "no known text encoding"),
    "empty.md": (b"", "empty file"),
    "blank.txt": (b" \n\t\n", "no text"),
    "notazip.docx": (b"This is plain text pretending to be a Word document.", "corrupt DOCX"),
    "zipnotdocx.docx": (_zip_without_docx(), "corrupt DOCX"),
    "garbage.html": (random.Random(3).randbytes(3000), "binary"),
    "controls.md": (bytes(range(1, 32)) * 50, "no text"),
}


@pytest.fixture(autouse=True)
def _quiet_pypdf() -> None:
    logging.getLogger("pypdf").setLevel(logging.ERROR)


def test_ingest_skips_each_malformed_file_with_a_reason_and_indexes_the_rest(tmp_path: Path) -> None:
    """A failure means one bad file stops an ingest, is indexed as garbage, or is dropped without a reason."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in GOOD.items():
        (corpus / name).write_text(text, encoding="utf-8")
    for name, (raw, _) in BAD.items():
        (corpus / name).write_bytes(raw)
    services = build_services(hash_settings(tmp_path / "data"))
    try:
        summary = make_pipeline(services).run([corpus])
    finally:
        services.close()
    reasons = {s.path.removeprefix("corpus/"): s.reason for s in summary.skipped}
    assert set(reasons) == set(BAD), reasons
    for name, (_, reason) in BAD.items():
        assert reason in reasons[name], (name, reasons[name])
    assert summary.documents == summary.added == len(GOOD), summary
    assert summary.chunks >= len(GOOD)


def test_cli_ingest_of_malformed_files_exits_zero_with_one_line_per_skip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure means `playbook ingest` crashes or prints a traceback on a folder with broken files."""
    from tests.integrations.cli.helpers import run

    monkeypatch.setenv("PLAYBOOK_EMBEDDING_MODEL", "hash")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "refunds.md").write_text(GOOD["refunds.md"], encoding="utf-8")
    for name, (raw, _) in BAD.items():
        (corpus / name).write_bytes(raw)
    result = run("ingest", str(corpus))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert len([ln for ln in result.stderr.splitlines() if ln.startswith("skipped ")]) == len(BAD), result.stderr
