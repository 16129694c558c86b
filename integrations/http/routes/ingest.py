"""``POST /v1/ingest`` (admin): re-index in the background; ``GET /v1/ingest/{job}`` reports its status."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field

from assistant.errors import PathNotAllowed, PlaybookError
from assistant.services import Services
from assistant.storage.jobs import IngestJob
from integrations.http.deps import Admin, ServicesDep

router = APIRouter(tags=["ingest"])
log = logging.getLogger("playbook.http")


ServerPath = Annotated[str, Field(min_length=1, max_length=1000, pattern=r"^[^\x00]*$")]


class IngestRequest(BaseModel):
    """What to ingest: paths on the server, under the allowed roots (``PLAYBOOK_INGEST_ROOTS``).

    ``paths`` become the corpus; ``add``/``remove`` change it; nothing re-ingests the roots the index was built from
    (the knowledge dir for a new data dir). ``replace`` confirms an ingest that removes most documents.
    """

    model_config = ConfigDict(extra="forbid")

    paths: list[ServerPath] = Field(default_factory=list, max_length=50)
    add: list[ServerPath] = Field(default_factory=list, max_length=50)
    remove: list[ServerPath] = Field(default_factory=list, max_length=50)
    replace: bool = False
    rebuild: bool = False


class JobNotFound(PlaybookError):
    """No ingest job with that id."""

    code = "job_not_found"


def run_job(services: Services, job_id: str, paths: list[Path], rebuild: bool, replace: bool = False) -> None:
    """Run one ingest job and record its outcome (never raises: the outcome is the job's status)."""
    from ingest.pipeline import pipeline_for

    jobs = services.crm.jobs
    jobs.update(job_id, status="running")
    try:
        summary = pipeline_for(services).run(paths, rebuild=rebuild, replace=replace)
        jobs.update(job_id, status="done", summary=summary.model_dump(mode="json"))
    except PlaybookError as exc:
        jobs.update(job_id, status="failed", error=f"{exc.code}: {exc.message}")
    except Exception as exc:  # a background job reports, it cannot raise to anyone
        log.exception("ingest job %s failed", job_id)
        jobs.update(job_id, status="failed", error=f"internal error: {type(exc).__name__}")


def _allowed(path: str, allowed: list[Path]) -> Path:
    """The path, resolved, when it lies under an allowed root (links resolved first, so none leads outside).

    Raises:
        PathNotAllowed: it does not.
    """
    try:
        resolved = Path(path).expanduser().resolve()
    except (OSError, RuntimeError, ValueError):
        resolved = None
    if resolved is None or not any(resolved.is_relative_to(root) for root in allowed):
        raise PathNotAllowed(
            f"{path[:200]!r} is outside the folders this server may ingest (PLAYBOOK_INGEST_ROOTS: "
            + ", ".join(str(r) for r in allowed) + ")"
        )
    return resolved


@router.post("/v1/ingest", response_model=IngestJob, status_code=202)
def start_ingest(body: IngestRequest, tasks: BackgroundTasks, services: ServicesDep, role: Admin) -> IngestJob:
    """Start an ingest in the background; poll ``GET /v1/ingest/{job}``."""
    from ingest.corpus import choose_roots
    from ingest.discovery import check_root

    settings = services.settings
    allowed = [Path(r).expanduser().resolve() for r in (settings.ingest_roots or [settings.knowledge_dir])]
    paths = [_allowed(p, allowed) for p in body.paths]
    added = [_allowed(p, allowed) for p in body.add]
    roots = choose_roots(
        services.store.pointer(), paths=paths, add=added, remove=[Path(p) for p in body.remove],
        default=settings.knowledge_dir,
    )
    for root in paths:
        check_root(root)
    replace = body.replace or bool(body.remove)
    job = services.crm.jobs.create([str(p) for p in roots], rebuild=body.rebuild)
    tasks.add_task(run_job, services, job.id, roots, body.rebuild, replace)
    return job


@router.get("/v1/ingest/{job_id}", response_model=IngestJob)
def ingest_status(
    job_id: Annotated[str, PathParam(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")], services: ServicesDep, role: Admin
) -> IngestJob:
    """The status of an ingest job: queued, running, done (with the summary) or failed (with the reason)."""
    job = services.crm.jobs.get(job_id)
    if job is None:
        raise JobNotFound(f"no ingest job {job_id[:64]!r}")
    return job
