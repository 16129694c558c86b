"""Bytes to clean text: detect the encoding, refuse binaries, repair mojibake with ftfy."""

from __future__ import annotations

import re

import ftfy
from charset_normalizer import from_bytes

from ingest.loaders.base import UnreadableFile

# ftfy cannot restore a double-encoded "í" whose second byte (0xAD, a soft hyphen in cp1252) was
# stripped on the way: only a lone "Ã" is left before the next letter. Undefined cp1252 bytes
# (0x81 "Á", 0x8D "Í") vanish the same way. A lone "Ã" followed by a letter is never valid Spanish
# or English, so after ftfy has run we map it to the likeliest letter.
_LOST_LOWER = re.compile(r"Ã(?=[a-zñ])")
_LOST_UPPER = re.compile(r"Ã(?=[A-ZÑ])")


def decode_bytes(raw: bytes, *, path: str = "") -> str:
    """Decode a text file's bytes and repair mojibake.

    Args:
        raw: the file's bytes.
        path: shown in the error message.

    Returns:
        Clean Unicode text with normalised newlines.

    Raises:
        UnreadableFile: the bytes are binary, not text.
    """
    if b"\x00" in raw[:8192]:
        raise UnreadableFile("binary file (NUL bytes), not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        best = from_bytes(raw).best()
        if best is None:
            raise UnreadableFile("unknown text encoding") from None
        text = str(best)
    return repair_text(text)


def repair_text(text: str) -> str:
    """Fix mojibake (double-encoded UTF-8 and the like) and control characters."""
    fixed = ftfy.fix_text(text, normalization="NFC")
    if fixed != text or "Ã" in fixed:
        fixed = _LOST_UPPER.sub("Á", _LOST_LOWER.sub("í", fixed))
    # Zero-width and other invisible characters are left for ingest screening (ingest/screening.py), which
    # removes them and reports them: they hide text from people but not from retrieval.
    return fixed.replace("\r\n", "\n").replace("\r", "\n")
