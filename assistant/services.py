"""The ``Services`` type: the long-lived objects of one process, built by :func:`assistant.factory.build_services`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.language.vocabulary import DomainVocabulary
from assistant.policy.sla import SlaTable
from assistant.policy.tables import PolicyData
from assistant.retrieval.chroma.store import ChromaStore
from assistant.retrieval.hybrid import HybridRetriever
from assistant.retrieval.ports import Embedder
from assistant.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.crm.repository import ClientRepository, InteractionRepository
    from assistant.storage.engine import Database
    from assistant.storage.feedback import FeedbackRepository
    from assistant.storage.jobs import IngestJobRepository


@dataclass
class Crm:
    """The embedded CRM: database and repositories."""

    db: Database
    clients: ClientRepository
    interactions: InteractionRepository
    feedback: FeedbackRepository
    jobs: IngestJobRepository


@dataclass
class Services:
    """Long-lived objects of one process; build with :func:`build_services`, close when done."""

    settings: Settings
    embedder: Embedder
    store: ChromaStore
    retriever: HybridRetriever
    policy: PolicyData
    sla: SlaTable
    chat_model: BaseChatModel | None = None
    vocabulary: DomainVocabulary = field(default_factory=DomainVocabulary)
    open_crm: Callable[[Settings], Crm] | None = field(default=None, repr=False)
    _crm: Crm | None = field(default=None, repr=False)
    _crm_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def crm(self) -> Crm:
        """The CRM, opened (and seeded if empty) on first use."""
        if self._crm is None:
            with self._crm_lock:
                if self._crm is None:
                    if self.open_crm is None:
                        raise RuntimeError("these services were built without a CRM")
                    self._crm = self.open_crm(self.settings)
        return self._crm

    def warm_up(self, *, queries_only: bool = False) -> None:
        """Load the embedding model and the serving corpus now rather than on the first request.

        Args:
            queries_only: load only what encoding questions needs (the ONNX query encoder when it exists, see
                :class:`~assistant.retrieval.embedder.SentenceTransformerEmbedder`); a one-shot CLI ``ask`` does.
        """
        warm = getattr(self.embedder, "warm_up_queries" if queries_only else "warm_up", None)
        warm = warm or getattr(self.embedder, "warm_up", None)
        if warm:
            warm()
        self.retriever.snapshot()

    def close(self) -> None:
        """Release clients: the CRM's connection pool, and Chroma's HTTP pool if any."""
        if self._crm is not None:
            self._crm.db.close()
        closer = getattr(self.store.client, "close", None) if self.store.connected else None
        if callable(closer):
            try:
                closer()
            except Exception:  # noqa: BLE001, S110 - closing is best effort
                pass

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
