"""The corpus an index is built from: its roots, remembered in the index, and the guards that keep it whole.

The roots (absolute paths of the folders and files given to ingest) are written into the index pointer with
every generation, so a bare ``playbook ingest`` re-ingests exactly them; the bundled knowledge base is the
corpus only of a data dir that has never been ingested. ``--add`` and ``--remove`` change the recorded roots.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from assistant.errors import InvalidInput, NoDocuments, ReplaceRequired, SourceNotFound
from assistant.retrieval.chroma.store import ChromaStore
from ingest.discovery import check_root

ROOTS_KEY = "roots"
SHOWN_REMOVALS = 5


def recorded_roots(pointer: dict[str, Any]) -> list[str]:
    """The roots the serving generation was built from ([] for an index from before roots were recorded)."""
    try:
        roots = json.loads(str(pointer.get(ROOTS_KEY) or "[]"))
    except json.JSONDecodeError:
        return []
    return [str(r) for r in roots] if isinstance(roots, list) else []


def encode_roots(roots: Iterable[str]) -> str:
    """The roots as the pointer stores them (Chroma metadata holds scalars only)."""
    return json.dumps(list(roots), ensure_ascii=False)


def choose_roots(
    pointer: dict[str, Any], *, paths: Sequence[Path], add: Sequence[Path] = (), remove: Sequence[Path] = (),
    default: Path,
) -> list[Path]:
    """The roots an ingest request stands for.

    Args:
        pointer: the index pointer (its recorded roots).
        paths: given paths: they become the corpus.
        add: folders or files to add to the recorded roots.
        remove: recorded roots to drop.
        default: the corpus of a data dir never ingested (the knowledge dir).

    Returns:
        The roots, in order, without duplicates.

    Raises:
        InvalidInput: paths given together with ``--add``/``--remove``, or removing a path that is not a root.
        SourceNotFound: an added path does not exist or is not a folder or supported file.
        NoDocuments: the removals would leave no root.
        SourceNotFound: a recorded root (re-ingested by a bare request) no longer exists.
    """
    if paths and (add or remove):
        raise InvalidInput("give the corpus as paths, or change it with --add/--remove, not both")
    if paths:
        return _unique(paths)
    recorded = [Path(r) for r in recorded_roots(pointer)] or [default]
    if not (add or remove):
        for root in recorded:
            if not root.exists():
                raise SourceNotFound(
                    f"the corpus folder {root} no longer exists: restore it, or drop it from the corpus with "
                    f"`playbook ingest --remove {root}`"
                )
        return recorded
    roots = _unique([*recorded, *(check_root(p) for p in add)])
    for path in remove:
        match = _find_root(roots, path)
        if match is None:
            listed = ", ".join(str(r) for r in roots)
            raise InvalidInput(f"{str(path)[:200]} is not one of the ingested roots ({listed})")
        roots.remove(match)
    if not roots:
        raise NoDocuments("removing every root would leave the index empty; ingest another folder instead")
    return roots


def _unique(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p not in out:
            out.append(p)
    return out


def _find_root(roots: list[Path], path: Path) -> Path | None:
    """The recorded root ``path`` names: the same absolute path (it may no longer exist) or, failing that, name."""
    try:
        absolute = path.expanduser().resolve()
    except (OSError, RuntimeError, ValueError):
        absolute = path
    for root in roots:
        if root == absolute or root == path:
            return root
    named = [r for r in roots if r.name == str(path)]
    return named[0] if len(named) == 1 else None


def guard_removals(removed: Sequence[str], indexed: int, *, replace: bool) -> None:
    """Refuse an unconfirmed ingest that would remove most (over half) of the indexed documents.

    Raises:
        ReplaceRequired: what would be removed, and how to confirm.
    """
    if replace or not removed or len(removed) * 2 <= indexed:
        return
    shown = ", ".join(removed[:SHOWN_REMOVALS]) + (", …" if len(removed) > SHOWN_REMOVALS else "")
    raise ReplaceRequired(
        f"this ingest would remove {len(removed)} of the {indexed} indexed documents ({shown}); "
        "nothing was changed. Run it again with --replace to confirm, or use --add to add a folder"
    )


def index_status(store: ChromaStore, *, count_documents: bool = True) -> dict[str, Any]:
    """What the serving index is: roots, documents, chunks, generation, when it was built.

    Args:
        store: the index store.
        count_documents: for an index from before the counts were recorded, count its documents (reads every
            record's metadata; readiness probes pass False and get None).

    Raises:
        IndexMissing: nothing has been ingested, or the serving index is empty.
    """
    pointer = store.pointer()
    index = store.open_active()
    chunks = index.count()
    documents = pointer.get("documents")
    if documents is None and count_documents:  # an index from before the counts were recorded
        documents = len({str((r["metadata"] or {}).get("source")) for r in index.iter_records(include=("metadatas",))})
    built = pointer.get("switched_at")
    return {
        "roots": recorded_roots(pointer), "documents": None if documents is None else int(documents), "chunks": chunks,
        "generation": int(pointer.get("generation") or 1), "collection": index.name,
        "built_at": dt.datetime.fromtimestamp(float(built), dt.UTC).isoformat(timespec="seconds") if built else None,
        "embedding_model": pointer.get("embedding_model"),
    }


__all__ = ["choose_roots", "encode_roots", "guard_removals", "index_status", "recorded_roots"]
