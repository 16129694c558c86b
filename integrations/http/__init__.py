"""The HTTP API (FastAPI): ``create_app(settings)``."""

from integrations.http.app import create_app

__all__ = ["create_app"]
