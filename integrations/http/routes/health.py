"""``/healthz`` (process up), ``/readyz`` (index and database reachable), ``/metrics`` (Prometheus)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from assistant import __version__
from assistant.errors import IndexMissing
from integrations.http.deps import MetricsDep, ServicesDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up, and which version it runs."""
    return {"status": "ok", "version": __version__}


@router.get("/readyz")
def readyz(services: ServicesDep) -> JSONResponse:
    """Ready when the serving index and the database answer; ``index`` says what the index was built from."""
    from ingest.corpus import index_status

    checks: dict[str, str] = {}
    index: dict[str, Any] | None = None
    try:
        index = index_status(services.store, count_documents=False)
        checks["index"] = f"ok ({index['chunks']} chunks)"
    except IndexMissing as exc:
        checks["index"] = f"unavailable: {exc.message}"
    except Exception as exc:  # noqa: BLE001 - readiness reports, whatever failed
        checks["index"] = f"unavailable: {type(exc).__name__}"
    try:
        with services.crm.db.session() as session:
            session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - readiness reports, whatever failed
        checks["database"] = f"unavailable: {type(exc).__name__}"
    ready = all(v.startswith("ok") for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks, "index": index},
        status_code=200 if ready else 503,
    )


@router.get("/metrics")
def metrics(m: MetricsDep) -> Response:
    """Prometheus metrics."""
    return Response(generate_latest(m.registry), media_type=CONTENT_TYPE_LATEST)
