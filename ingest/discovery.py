"""Find the files to ingest under the given roots, staying inside them.

Hidden files and folders (a name starting with ``.``) are never read, nor is anything a ``.playbookignore`` file
lists. A symbolic link is indexed only when it points to a file inside the same root; anything else it points to is
skipped with a reason (a link to ``/etc/passwd`` must not end up in answers). File names that are not valid UTF-8
or hold control characters are skipped too: they could not be shown or cited.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pathspec

from assistant.errors import SourceNotFound
from ingest.loaders import LOADERS, is_supported

IGNORE_FILE = ".playbookignore"
_BAD_NAME = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


@dataclass(frozen=True)
class SourceFile:
    """A file to ingest: where it is, its stable key in the index, its content hash and the root it came from."""

    path: Path
    source: str
    sha256: str
    root: str = ""


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _ignore_spec(root: Path) -> pathspec.PathSpec[pathspec.Pattern]:
    ignore = root / IGNORE_FILE
    lines = ignore.read_text(encoding="utf-8").splitlines() if ignore.is_file() else []
    return pathspec.PathSpec.from_lines("gitwildmatch", lines)


def check_root(path: Path) -> Path:
    """The absolute, resolved form of an ingest root that exists and is a folder or a supported file.

    Raises:
        SourceNotFound: the path does not exist, or is neither a folder nor a supported file.
    """
    try:
        resolved = path.expanduser().resolve()
        exists, is_dir, is_file = resolved.exists(), resolved.is_dir(), resolved.is_file()
    except (OSError, ValueError, RuntimeError):
        exists = is_dir = is_file = False
        resolved = path
    shown = _shown(str(path))
    if not exists:
        raise SourceNotFound(f"no such file or folder: {shown}")
    if is_dir or (is_file and is_supported(resolved)):
        return resolved
    kinds = ", ".join(sorted(LOADERS))
    raise SourceNotFound(f"not a folder or a supported file ({kinds}): {shown}")


def _shown(text: str) -> str:
    """A path as it can be printed (undecodable bytes and control characters replaced)."""
    return _BAD_NAME.sub("?", text)[:300]


def _walk(root: Path) -> list[tuple[Path, str]]:
    """Every non-hidden entry under ``root`` (files and links), sorted, with its path relative to the root."""
    entries: list[tuple[Path, str]] = []
    for folder, dirs, names in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") or os.path.islink(os.path.join(folder, d)))
        here = Path(folder)
        for name in [*names, *(d for d in dirs if os.path.islink(os.path.join(folder, d)))]:
            if not name.startswith("."):
                path = here / name
                entries.append((path, path.relative_to(root).as_posix()))
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
    return sorted(entries, key=lambda e: e[1])


def _skip_reason(path: Path, rel: str, root: Path) -> str | None:
    """Why a listed entry is not read, or None when it is a regular file (or a link to one inside the root)."""
    if _BAD_NAME.search(rel):
        return "file name is not valid UTF-8 or holds control characters (rename it)"
    if path.is_symlink():
        target = path.resolve()
        if not target.exists():
            return "broken symbolic link"
        if not target.is_relative_to(root):
            return "symbolic link to a path outside the ingested folder (not followed)"
        if not target.is_file():
            return "symbolic link to a folder (not followed)"
        return None
    return None if path.is_file() else "not a regular file"


def discover(paths: list[Path]) -> tuple[list[SourceFile], list[tuple[str, str]]]:
    """List supported files (sorted) and the others with a reason.

    A file's ``source`` is ``<root folder name>/<path inside it>`` (or its name when a file is given),
    so the same corpus gets the same keys on any machine.

    Raises:
        SourceNotFound: a path does not exist or is neither a folder nor a supported file.
    """
    files: list[SourceFile] = []
    skipped: list[tuple[str, str]] = []
    for given in paths:
        root = check_root(given)
        if root.is_file():
            files.append(SourceFile(path=root, source=root.name, sha256=file_hash(root), root=str(root)))
            continue
        spec = _ignore_spec(root)
        for path, rel in _walk(root):
            source = f"{root.name}/{_shown(rel)}"
            if spec.match_file(rel):
                continue
            reason = _skip_reason(path, rel, root)
            if reason is None and not is_supported(path):
                reason = f"unsupported file type {path.suffix or '(none)'}"
            if reason is not None:
                skipped.append((source, reason))
                continue
            files.append(SourceFile(path=path, source=source, sha256=file_hash(path), root=str(root)))
    return files, skipped
