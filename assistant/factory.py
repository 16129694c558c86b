"""The composition root: the one place that creates clients and models from settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.language.vocabulary import DomainVocabulary
from assistant.policy.sla import SlaTable
from assistant.policy.tables import PolicyData
from assistant.retrieval.chroma.client import make_chroma_client
from assistant.retrieval.chroma.store import ChromaStore
from assistant.retrieval.embedder import HashEmbedder, SentenceTransformerEmbedder
from assistant.retrieval.hybrid import HybridRetriever
from assistant.retrieval.ports import Embedder
from assistant.services import Crm, Services
from assistant.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from pydantic import SecretStr



def make_embedder(settings: Settings) -> Embedder:
    """The configured embedder; ``hash`` or ``hash-<dim>`` selects the deterministic fake."""
    name = settings.embedding_model
    if name == "hash" or name.startswith("hash-"):
        dim = int(name.split("-", 1)[1]) if "-" in name else 256
        return HashEmbedder(dim)
    return SentenceTransformerEmbedder(
        name, device=settings.embedding_device, batch_size=settings.embedding_batch_size,
        onnx_cache=settings.data_dir / "models" if settings.onnx_query_encoder else None,
    )


def make_crm(settings: Settings) -> Crm:
    """Open the CRM database (SQLite in the data dir by default), seeding it on first use."""
    from assistant.crm.repository import ClientRepository, InteractionRepository
    from assistant.crm.seed import ensure_seeded, read_typification_codes
    from assistant.storage.engine import Database
    from assistant.storage.feedback import FeedbackRepository
    from assistant.storage.jobs import IngestJobRepository

    db = Database.from_settings(settings)
    ensure_seeded(db, settings.policy_data_dir)
    codes = read_typification_codes(settings.policy_data_dir / "typification.csv")
    return Crm(
        db=db,
        clients=ClientRepository(db),
        interactions=InteractionRepository(db, codes),
        feedback=FeedbackRepository(db),
        jobs=IngestJobRepository(db),
    )


def make_chat_model(settings: Settings) -> BaseChatModel | None:
    """The configured chat model (``PLAYBOOK_LLM``, a LangChain ``init_chat_model`` string), or None."""
    if not settings.llm:
        return None
    return init_model(settings.llm, base_url=settings.llm_base_url, api_key=settings.llm_api_key)


def init_model(spec: str, *, base_url: str | None = None, api_key: SecretStr | None = None) -> BaseChatModel:
    """A chat model from an ``init_chat_model`` string (``openai:gpt-4o-mini``), temperature 0."""
    from langchain.chat_models import init_chat_model

    kwargs: dict[str, Any] = {"temperature": 0}
    if base_url:
        kwargs["base_url"] = base_url
    if api_key is not None:
        kwargs["api_key"] = api_key.get_secret_value()
    model: BaseChatModel = init_chat_model(spec, **kwargs)
    return model


def build_services(settings: Settings, *, embedder: Embedder | None = None) -> Services:
    """Create the embedder and the Chroma store (both load or connect on first use) and the retriever."""
    embedder = embedder or make_embedder(settings)
    store = ChromaStore(
        None, embedder, prefix=settings.collection_prefix, connect=lambda: make_chroma_client(settings)
    )
    return Services(
        settings=settings,
        embedder=embedder,
        store=store,
        retriever=HybridRetriever(store, embedder, mode=settings.retrieval_mode),
        policy=PolicyData.load(settings.policy_data_dir),
        sla=SlaTable.load(settings.policy_data_dir / "sla.csv"),
        chat_model=make_chat_model(settings),
        vocabulary=DomainVocabulary.load(settings.policy_data_dir),
        open_crm=make_crm,
    )
