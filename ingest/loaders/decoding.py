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
STRAY_BYTES_MAX = 0.005  # share of undecodable bytes in UTF-8 text that are dropped rather than re-guessed
ASCII_MIN = 0.75  # share of ASCII a legacy-encoded file must decode to (Spanish text: ~95 %; random bytes: ~0)


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
        text = _legacy_text(raw)
    return repair_text(text)


def _legacy_text(raw: bytes) -> str:
    """Text that is not valid UTF-8: UTF-8 with a few stray bytes, or a legacy encoding of Latin-script text.

    charset-normalizer always finds *some* code page, so random bytes would come out as Thai or Arabic: the result
    must be mostly ASCII, as English and Spanish text in any legacy encoding is, to count as text.
    """
    lenient = raw.decode("utf-8-sig", errors="replace")
    if lenient.count("\ufffd") <= len(lenient) * STRAY_BYTES_MAX:
        return lenient.replace("\ufffd", "")
    candidates = []
    try:
        # Windows-1252 first: the playbook's legacy files are Spanish, and the guesser reads a short one as cp1006
        # or its "ñ" as cp1250's "ń".
        candidates.append(raw.decode("cp1252"))
    except UnicodeDecodeError:
        pass
    best = from_bytes(raw).best()
    candidates += [str(best)] if best is not None else []
    for text in candidates:
        ascii_text = sum(ch.isspace() or " " <= ch <= "~" for ch in text)
        if text and ascii_text >= len(text) * ASCII_MIN:
            return text
    raise UnreadableFile("not valid UTF-8, and no known text encoding fits (binary or corrupt?)")


def repair_text(text: str) -> str:
    """Fix mojibake (double-encoded UTF-8 and the like) and control characters."""
    fixed = ftfy.fix_text(text, normalization="NFC")
    if fixed != text or "Ã" in fixed:
        fixed = _LOST_UPPER.sub("Á", _LOST_LOWER.sub("í", fixed))
    # Zero-width and other invisible characters are left for ingest screening (ingest/screening.py), which
    # removes them and reports them: they hide text from people but not from retrieval.
    return fixed.replace("\r\n", "\n").replace("\r", "\n")
