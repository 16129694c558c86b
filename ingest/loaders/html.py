"""HTML to Markdown with markdownify (headings, lists and tables survive), scripts and styles dropped."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup
from markdownify import markdownify

from ingest.loaders.base import LoadedDocument, UnreadableFile
from ingest.loaders.decoding import decode_bytes
from ingest.screening import strip_hidden_html


def load_html(path: Path) -> LoadedDocument:
    """Load an HTML page: ``<title>`` and meta tags become metadata, the body becomes Markdown."""
    html = decode_bytes(path.read_bytes(), path=str(path))
    soup = BeautifulSoup(html, "lxml")
    for tag in soup(["script", "style", "noscript", "template", "iframe"]):
        tag.decompose()
    findings = strip_hidden_html(soup)
    meta: dict[str, str] = {}
    if soup.title and soup.title.string:
        meta["title"] = soup.title.string.strip()
    for tag in soup.find_all("meta"):
        name, content = tag.get("name"), tag.get("content")
        if name in ("author", "owner", "version", "language", "audience", "effective_date") and content:
            meta["owner" if name == "author" else name] = str(content)
    if soup.html and soup.html.get("lang"):
        meta.setdefault("language", str(soup.html.get("lang"))[:2])
    body = soup.body or soup
    text = markdownify(str(body), heading_style="ATX", bullets="-").strip()
    if not text:
        raise UnreadableFile("no text in HTML page")
    return LoadedDocument(text=text, format="html", metadata=meta, findings=findings)
