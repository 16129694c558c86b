"""Metadata filters: how an audience is written into chunk metadata at ingest, and how a request's filters match it.

Chroma metadata holds scalars only, so a document's audience list is stored as one boolean flag per value::

    audience: [agents, leads]   ->   audience_agents: True, audience_leads: True

A request's ``filters`` are equalities on stored metadata; the one exception is ``audience``, which names a
flag: ``{"audience": "agents", "doc_id": "x"}`` is matched as ``{"audience_agents": True, "doc_id": "x"}``.
The same filters go to Chroma as a ``where`` (dense side, :func:`chroma_where`) and are checked against each
chunk's metadata for BM25 (:func:`matches`). The keys written here are in every existing index: changing
them means re-ingesting.
"""

from __future__ import annotations

import re
from typing import Any

AUDIENCE = "audience"
_FLAG_PREFIX = "audience_"


def _flag_value(text: str) -> str:
    """An audience value as it appears in its flag's key: lower case, runs of non-word characters as ``-``.

    The same rule as chunk-id slugs (``ingest.chunking.slug``) but kept apart: existing indexes fix this one.
    """
    text = re.sub(r"[^\w]+", "-", text.lower(), flags=re.UNICODE).strip("-")
    return text[:100].strip("-") or "section"


def audience_flags(audience: Any) -> dict[str, bool]:
    """The metadata flags of a document's ``audience`` (one value or a list of them), for every chunk of it.

    Args:
        audience: the document's ``audience`` front matter: a string, a list of strings, or empty.

    Returns:
        ``{"audience_<value>": True}`` for each value (``{}`` when there is none).
    """
    values = audience or []
    return {f"{_FLAG_PREFIX}{_flag_value(str(v))}": True for v in ([values] if isinstance(values, str) else values)}


def stored_filters(filters: dict[str, Any] | None) -> dict[str, Any] | None:
    """A request's filters as equalities on stored metadata (``audience`` becomes its flag), or None for none.

    The audience value is used as given (``{"audience": "agents"}`` becomes ``{"audience_agents": True}``).
    """
    if not filters:
        return None
    out: dict[str, Any] = {}
    for key, value in filters.items():
        if key == AUDIENCE:
            out[f"{_FLAG_PREFIX}{value}"] = True
        else:
            out[key] = value
    return out


def chroma_where(language: str, filters: dict[str, Any] | None) -> dict[str, Any]:
    """The Chroma ``where`` of a dense query: the language, and each stored filter (from :func:`stored_filters`)."""
    where: dict[str, Any] = {"language": language}
    if filters:
        where = {"$and": [where, *({key: value} for key, value in filters.items())]}
    return where


def matches(metadata: dict[str, Any], filters: dict[str, Any]) -> bool:
    """Whether a chunk's metadata satisfies every stored filter (from :func:`stored_filters`): the BM25 side."""
    return all(metadata.get(key) == value for key, value in filters.items())
