"""What the reliability tests share: the backend under test, versioned corpora, subprocess environments."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from assistant.factory import build_services
from assistant.retrieval.embedder import HashEmbedder
from assistant.services import Services
from assistant.settings import Settings

MAIN_DIR = Path(__file__).resolve().parents[2]
RETURN_QUESTION = "How many days do customers have to return items?"
REGIONS = ("north", "south", "east", "west", "central", "coast")


@dataclass(frozen=True)
class Backend:
    """Where the index lives: embedded Chroma in the data dir, or a Chroma server at ``chroma_url``."""

    name: str
    chroma_url: str | None
    prefix: str

    def settings(self, data_dir: Path, **overrides: object) -> Settings:
        """Settings on ``data_dir`` for this backend: hash embedder, never abstain, ``POST /v1/ingest`` may read the
        folder around the data dir (unless overridden)."""
        values: dict[str, object] = {
            "embedding_model": "hash", "abstain_threshold": 0.0, "ingest_roots": [data_dir.parent], **overrides,
        }
        return Settings(data_dir=data_dir, chroma_url=self.chroma_url, collection_prefix=self.prefix, **values)  # type: ignore[arg-type]

    def services(self, data_dir: Path, **overrides: object) -> Services:
        """Services (close them) for this backend on ``data_dir``."""
        return build_services(self.settings(data_dir, **overrides))

    def env(self, data_dir: Path) -> dict[str, str]:
        """Environment of a ``playbook`` subprocess using this backend on ``data_dir``."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLAYBOOK_")}
        env.update(
            PLAYBOOK_DATA_DIR=str(data_dir), PLAYBOOK_EMBEDDING_MODEL="hash", PLAYBOOK_COLLECTION_PREFIX=self.prefix,
            PYTHONPATH=str(MAIN_DIR), HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False",
        )
        if self.chroma_url:
            env["PLAYBOOK_CHROMA_URL"] = self.chroma_url
        return env


def stray_collections(services: Services) -> list[str]:
    """Collections of this prefix that belong to neither the active nor the kept previous generation (orphans).

    Listed from the Chroma client itself, so a generation stored as several collections is checked whole.
    """
    store = services.store
    keep = [v for k, v in store.pointer().items() if k in ("active", "previous") and v]
    names = [c if isinstance(c, str) else c.name for c in store.client.list_collections()]
    mine = [n for n in names if n.startswith(f"{store.prefix}_") and n != store.pointer_name]
    return sorted(n for n in mine if not any(n == g or n.startswith(f"{g}__") for g in keep))


def write_return_corpus(root: Path, days: int, *, extra_docs: int = 0, sections: int = 8) -> Path:
    """One returns policy per region, each stating the window as ``days`` (old and new versions differ only there).

    ``extra_docs`` adds filler documents (``sections`` sections each) so an ingest has real work to do.
    """
    root.mkdir(parents=True, exist_ok=True)
    for region in REGIONS:
        (root / f"returns-{region}.md").write_text(
            f"---\ntitle: Returns {region}\naudience: agents\n---\n# Returns in the {region} region\n\n"
            f"## Return window\n\nCustomers in the {region} region may return items within {days} days "
            f"of delivery.\n",
            encoding="utf-8",
        )
    for n in range(extra_docs):
        body = "".join(
            f"\n## Topic {n}.{s}\n\nFiller note {n}.{s} on shipping crates, pallets and warehouse slot {s}.\n"
            for s in range(sections)
        )
        (root / f"filler-{n:04d}.md").write_text(f"# Warehouse notes {n}\n{body}", encoding="utf-8")
    return root


def days_in(text: str) -> set[int]:
    """Which return windows (30 or 45 days) a text states."""
    return {d for d in (30, 45) if f"{d} days" in text}


class CountingEmbedder(HashEmbedder):
    """The hash embedder, remembering every text it was asked to embed as a document."""

    def __init__(self, dim: int = 256) -> None:
        super().__init__(dim)
        self.embedded: list[str] = []

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        """Record, then embed."""
        self.embedded.extend(texts)
        return super().embed_documents(texts)


def slow_cli(backend: Backend, data_dir: Path, marker: Path, *args: str, delay: float = 0.3) -> subprocess.Popen[str]:
    """Start ``playbook <args>`` in a subprocess whose embedder logs each batch to ``marker`` and sleeps ``delay``."""
    cmd = [sys.executable, "-m", "tests.reliability.slow_cli", str(marker), str(delay), *args]
    return subprocess.Popen(
        cmd, cwd=data_dir.parent, env=backend.env(data_dir), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
    )


def wait_until(condition: Callable[[], bool], proc: subprocess.Popen[str], *, timeout: float = 60.0) -> None:
    """Poll ``condition`` while ``proc`` runs; fail with its output if it exits first or time runs out."""
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"subprocess exited {proc.returncode} too early:\n{out}\n{err}")
        if time.monotonic() > deadline:
            kill(proc)
            raise AssertionError("timed out waiting for the subprocess")
        time.sleep(0.05)


def batches(marker: Path) -> int:
    """How many embedding batches the slow subprocess has started."""
    return len(marker.read_text().splitlines()) if marker.exists() else 0


def kill(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """SIGKILL ``proc`` (if still running) and return its output."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    return proc.communicate(timeout=30)


@contextmanager
def pg_schema(base_url: str) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a new, empty schema; the schema is dropped afterwards."""
    schema = f"reliability_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(base_url).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
