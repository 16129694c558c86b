"""Find the files to ingest under the given paths, honouring ``.playbookignore`` files."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pathspec

from assistant.errors import SourceNotFound
from ingest.loaders import is_supported

IGNORE_FILE = ".playbookignore"


@dataclass(frozen=True)
class SourceFile:
    """A file to ingest: where it is, its stable key in the index, and its content hash."""

    path: Path
    source: str
    sha256: str


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _ignore_spec(root: Path) -> pathspec.PathSpec:
    ignore = root / IGNORE_FILE
    lines = ignore.read_text(encoding="utf-8").splitlines() if ignore.is_file() else []
    return pathspec.PathSpec.from_lines("gitwildmatch", lines)


def discover(paths: list[Path]) -> tuple[list[SourceFile], list[tuple[str, str]]]:
    """List supported files (sorted) and the unsupported ones with a reason.

    A file's ``source`` is ``<root folder name>/<path inside it>`` (or its name when a file is given),
    so the same corpus gets the same keys on any machine.

    Raises:
        SourceNotFound: a path does not exist.
    """
    files: list[SourceFile] = []
    unsupported: list[tuple[str, str]] = []
    for root in paths:
        if not root.exists():
            raise SourceNotFound(f"no such file or folder: {root}")
        if root.is_file():
            candidates = [(root, root.name)]
        else:
            spec = _ignore_spec(root)
            candidates = []
            for path in sorted(root.rglob("*")):
                rel = path.relative_to(root).as_posix()
                if any(part.startswith(".") for part in path.relative_to(root).parts):
                    continue
                if not path.is_file() or spec.match_file(rel):
                    continue
                candidates.append((path, f"{root.resolve().name}/{rel}"))
        for path, source in candidates:
            if is_supported(path):
                files.append(SourceFile(path=path, source=source, sha256=file_hash(path)))
            else:
                unsupported.append((source, f"unsupported file type {path.suffix or '(none)'}"))
    return files, unsupported
