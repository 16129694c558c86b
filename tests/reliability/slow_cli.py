"""``python -m tests.reliability.slow_cli MARKER DELAY ARGS...``: the real ``playbook`` CLI with a slow embedder.

Every embedding batch appends a line to MARKER and sleeps DELAY seconds, so a test can SIGKILL the process at a
known point of an ingest (or start a second ingest while the first holds the lock).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

import assistant.factory
import ingest.pipeline
from assistant.retrieval.embedder import HashEmbedder
from assistant.retrieval.ports import Embedder
from assistant.settings import Settings
from integrations.cli import app


class SlowEmbedder(HashEmbedder):
    """The hash embedder, slowed down and logging each batch."""

    def __init__(self, marker: Path, delay: float) -> None:
        super().__init__(256)
        self.marker = marker
        self.delay = delay

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        """Log the batch, wait, embed."""
        with self.marker.open("a") as fh:
            fh.write(f"{len(texts)}\n")
        time.sleep(self.delay)
        return super().embed_documents(texts)


def main() -> None:
    """Patch the embedder factory and the embedding step, then run the CLI."""
    marker, delay, args = Path(sys.argv[1]), float(sys.argv[2]), sys.argv[3:]

    def make_embedder(settings: Settings) -> Embedder:
        return SlowEmbedder(marker, delay)

    assistant.factory.make_embedder = make_embedder
    ingest.pipeline.EMBED_STEP = 16
    app(args, prog_name="playbook")


if __name__ == "__main__":
    main()
