"""``create_app(settings)``: the FastAPI app. Long-lived objects are built once, in the lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.responses import Response
from starlette.types import Scope

from assistant import __version__
from assistant.errors import ConfigError, IndexMissing
from assistant.factory import build_services
from assistant.services import Services
from assistant.settings import Settings
from integrations.http import errors
from integrations.http.auth import KeyRing, load_keys
from integrations.http.metrics import Metrics
from integrations.http.middleware import RequestMiddleware
from integrations.http.routes import ask, drafts, feedback, health, ingest, lookups, quiz

CONSOLE = Path(__file__).parent / "console"
log = logging.getLogger("playbook.http")


class ConsoleFiles(StaticFiles):
    """The console's static files, revalidated on every load so an upgrade never runs stale JS."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        """Serve a file with ``Cache-Control: no-cache``."""
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = "no-cache"
        return response


def create_app(
    settings: Settings,
    *,
    services: Services | None = None,
    keys: KeyRing | None = None,
    slack_socket: bool = False,
    slack_process_before_response: bool = False,
) -> FastAPI:
    """Build the app for ``settings``.

    Args:
        settings: effective settings.
        services: already-built services (tests share one); default: built in the lifespan and closed after.
        keys: API keys (default: from settings, or a local admin key in the data dir).
        slack_socket: also connect the Slack app over Socket Mode (needs the bot and app tokens).
        slack_process_before_response: answer each Slack request only once its work is done (see
            :func:`integrations.slack.create_slack_app`); tests use it to know nothing more will be posted.

    Returns:
        The FastAPI application.

    Raises:
        ConfigError: malformed API keys, or Socket Mode without Slack tokens.
    """
    if slack_socket and (settings.slack_bot_token is None or settings.slack_app_token is None):
        raise ConfigError("--slack-socket needs PLAYBOOK_SLACK_BOT_TOKEN and PLAYBOOK_SLACK_APP_TOKEN")
    slack_on = settings.slack_enabled or slack_socket
    keyring = keys or load_keys(settings)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        app.state.services = services or build_services(settings)
        try:
            app.state.services.warm_up()
        except IndexMissing:
            log.warning("no index yet: answers fail with index_missing until `playbook ingest` runs")
        app.state.services.crm  # noqa: B018 - open (and seed) the database at start-up, not on a request
        app.state.slack = None
        if slack_on:
            from integrations.slack import start_slack

            app.state.slack = await start_slack(
                app.state.services, settings, socket_mode=slack_socket,
                process_before_response=slack_process_before_response,
            )
            log.info("Slack app on: %s", "Socket Mode" if slack_socket else "POST /slack/events")
        else:
            log.info("Slack app off: set PLAYBOOK_SLACK_BOT_TOKEN and PLAYBOOK_SLACK_SIGNING_SECRET to enable it")
        try:
            yield
        finally:
            if app.state.slack is not None:
                await app.state.slack.close()
            if owned:
                app.state.services.close()

    # /docs and /redoc serve Swagger UI and ReDoc from the fastapi-offline package, not a CDN: the product runs offline.
    app = FastAPIOffline(
        title="Playbook Assistant",
        version=__version__,
        lifespan=lifespan,
        description="Grounded answers from the CX playbook, client and SLA lookups, policy-checked reply drafts.",
    )
    app.state.keys = keyring
    app.state.metrics = metrics
    errors.install(app)
    for module in (ask, drafts, lookups, feedback, ingest, health, quiz):
        app.include_router(module.router)
    app.mount("/console", ConsoleFiles(directory=CONSOLE), name="console")

    if settings.slack_enabled:

        @app.post("/slack/events", include_in_schema=False)
        async def slack_events(request: Request) -> Response:
            """Slack's Events API, slash commands and interactivity (signed requests only)."""
            response: Response = await request.app.state.slack.handler.handle(request)
            return response

    @app.get("/", include_in_schema=False)
    def console() -> FileResponse:
        return FileResponse(CONSOLE / "index.html", headers={"Cache-Control": "no-cache"})

    app.add_middleware(RequestMiddleware, metrics=metrics, max_body_bytes=settings.max_body_bytes)
    return app
