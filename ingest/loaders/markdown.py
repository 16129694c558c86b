"""Markdown (and Markdown-looking text) with optional YAML front matter."""

from __future__ import annotations

import re
from pathlib import Path

import frontmatter
import yaml

from ingest.loaders.base import LoadedDocument, UnreadableFile
from ingest.loaders.decoding import decode_bytes

_HEADING = re.compile(r"^#{1,6}\s+\S", re.MULTILINE)


def looks_like_markdown(text: str) -> bool:
    """True when the text has front matter or Markdown headings."""
    return text.startswith("---\n") or bool(_HEADING.search(text))


def parse_markdown(text: str, fmt: str = "markdown") -> LoadedDocument:
    """Split front matter from the body.

    Raises:
        UnreadableFile: the front matter is not valid YAML.
    """
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        raise UnreadableFile(f"invalid front matter: {str(exc).splitlines()[0]}") from exc
    meta = {k: v for k, v in post.metadata.items() if v is not None}
    return LoadedDocument(text=post.content, format=fmt, metadata=meta)


def load_markdown(path: Path) -> LoadedDocument:
    """Load a Markdown file."""
    return parse_markdown(decode_bytes(path.read_bytes(), path=str(path)))
