"""Ingest stays inside what it was given and does bounded work: links out of the root, hidden files, file names
that are not text, and files over a limit (bytes on disk, unpacked bytes of a DOCX or PDF, characters and chunks of
a document, chunks of an ingest) are skipped with a reason; the rest of the corpus is indexed."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from assistant.answering.ask import ask
from assistant.factory import build_services
from ingest.discovery import discover
from ingest.limits import IngestLimits
from ingest.loaders import UnreadableFile, load_document
from tests.conftest import hash_settings, make_pipeline


def _policy(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "refunds.md").write_text("# Refunds\n\n## Approval\n\nRefunds above 200 euros need a team lead.\n")
    return root


def _reasons(skipped: list) -> dict[str, str]:
    return {s.path if hasattr(s, "path") else s[0]: s.reason if hasattr(s, "reason") else s[1] for s in skipped}


def test_a_link_out_of_the_root_is_not_followed_and_never_answered(tmp_path: Path) -> None:
    """A failure means a symlink to /etc/passwd (or any file outside the folder) is indexed and served verbatim."""
    secret = tmp_path / "outside" / "passwd.txt"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    corpus = _policy(tmp_path / "corpus")
    (corpus / "accounts.txt").symlink_to(secret)
    (corpus / "shared").symlink_to(secret.parent, target_is_directory=True)
    (corpus / "dangling.md").symlink_to(tmp_path / "gone.md")
    (corpus / "alias.md").symlink_to(corpus / "refunds.md")  # inside the root: kept
    with build_services(hash_settings(tmp_path / "data", abstain_threshold=0.0)) as services:
        summary = make_pipeline(services).run([corpus])
        reasons = _reasons(summary.skipped)
        assert "outside the ingested folder" in reasons["corpus/accounts.txt"]
        assert "folder" in reasons["corpus/shared"]
        assert "broken" in reasons["corpus/dangling.md"]
        assert summary.documents == 2  # refunds.md and its alias
        answer = ask(services, "What is the root account password entry?")
        assert "root:x:0:0" not in answer.answer
        indexed = " ".join(r["document"] for r in services.store.open_active().iter_records())
        assert "root:x:0:0" not in indexed


def test_hidden_files_and_folders_are_never_read(tmp_path: Path) -> None:
    """A failure means .git, .env or other hidden files end up in the index."""
    corpus = _policy(tmp_path / "corpus")
    (corpus / ".env.md").write_text("# Secrets\n\nAPI_KEY=sk-live-123\n")
    (corpus / ".git").mkdir()
    (corpus / ".git" / "notes.md").write_text("# Commit\n\nsk-live-456\n")
    files, skipped = discover([corpus])
    assert [f.source for f in files] == ["corpus/refunds.md"] and skipped == []


@pytest.mark.skipif(os.uname().sysname != "Linux", reason="Linux file names may hold any byte")
def test_file_names_that_are_not_utf8_or_hold_control_characters_are_skipped(tmp_path: Path) -> None:
    """A failure means a file name with invalid UTF-8 or a newline crashes ingest or its JSON summary."""
    corpus = _policy(tmp_path / "corpus")
    (Path(os.fsdecode(bytes(corpus) + b"/bad\xff.md"))).write_text("# Bad\n\nText.\n")
    (corpus / "two\nlines.md").write_text("# Two\n\nText.\n")
    with build_services(hash_settings(tmp_path / "data")) as services:
        summary = make_pipeline(services).run([corpus])
    assert summary.documents == 1
    assert sorted(_reasons(summary.skipped)) == ["corpus/bad?.md", "corpus/two?lines.md"]
    summary.model_dump_json()  # encodable: no lone surrogate left in a path


def test_a_file_over_the_byte_limit_is_skipped_with_its_setting(tmp_path: Path) -> None:
    """A failure means a huge text file is loaded and chunked (it ran past 300 s at 50 MB)."""
    corpus = _policy(tmp_path / "corpus")
    (corpus / "dump.txt").write_text("Lorem ipsum dolor sit amet. " * 2000)
    with build_services(hash_settings(tmp_path / "data", ingest_max_file_bytes=20_000)) as services:
        summary = make_pipeline(services).run([corpus])
    assert summary.documents == 1
    assert "PLAYBOOK_INGEST_MAX_FILE_BYTES" in _reasons(summary.skipped)["corpus/dump.txt"]


def _docx_bomb(path: Path, unpacked: int) -> Path:
    """A DOCX-shaped zip whose document part inflates to ``unpacked`` bytes of zeros."""
    block = b"\0" * (1 << 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        with package.open("word/document.xml", "w") as part:
            for _ in range(unpacked // len(block)):
                part.write(block)
    return path


def test_a_docx_decompression_bomb_is_skipped_before_inflating(tmp_path: Path) -> None:
    """A failure means a small DOCX that unpacks to gigabytes is inflated whole (148.5 M characters were loaded)."""
    bomb = _docx_bomb(tmp_path / "bomb.docx", 8 << 20)
    assert bomb.stat().st_size < 100_000
    with pytest.raises(UnreadableFile, match="PLAYBOOK_INGEST_MAX_UNPACKED_BYTES"):
        load_document(bomb, IngestLimits(max_unpacked_bytes=4 << 20))


def test_a_pdf_whose_content_unpacks_past_the_limit_is_skipped(tmp_path: Path) -> None:
    """A failure means a PDF content stream of zeros is decompressed and extracted whole."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    stream = DecodedStreamObject()
    stream.set_data(b"BT /F1 12 Tf 72 720 Td (Refunds need approval.) Tj ET\n" + b" " * (3 << 20))
    stream = stream.flate_encode()
    page[NameObject("/Contents")] = writer._add_object(stream)
    path = tmp_path / "bomb.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    assert path.stat().st_size < 100_000
    with pytest.raises(UnreadableFile, match="PLAYBOOK_INGEST_MAX_UNPACKED_BYTES"):
        load_document(path, IngestLimits(max_unpacked_bytes=1 << 20))


def test_character_and_chunk_limits_skip_a_document_and_stop_an_ingest(tmp_path: Path) -> None:
    """A failure means one document (or one ingest) can make unbounded chunks to embed."""
    corpus = _policy(tmp_path / "corpus")
    sections = "".join(f"## Topic {n}\n\nFiller text about topic {n}, shipping and crates.\n\n" for n in range(60))
    (corpus / "long.md").write_text(f"# Long\n\n{sections}")
    (corpus / "wordy.md").write_text("# Wordy\n\n" + "word " * 5000)
    with build_services(hash_settings(
        tmp_path / "data", ingest_max_document_chunks=50, ingest_max_document_chars=20_000,
    )) as services:
        summary = make_pipeline(services).run([corpus])
        reasons = _reasons(summary.skipped)
        assert "PLAYBOOK_INGEST_MAX_DOCUMENT_CHUNKS" in reasons["corpus/long.md"]
        assert "PLAYBOOK_INGEST_MAX_DOCUMENT_CHARS" in reasons["corpus/wordy.md"]
        assert summary.documents == 1
    with build_services(hash_settings(tmp_path / "data2", ingest_max_chunks=30)) as services:
        summary = make_pipeline(services).run([corpus])
        assert summary.chunks <= 30
        assert any("PLAYBOOK_INGEST_MAX_CHUNKS" in r for r in _reasons(summary.skipped).values())
