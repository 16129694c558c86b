"""``POST /v1/ingest`` (admin): re-index in the background; ``GET /v1/ingest/{job}`` reports its status."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field

from assistant.crm.feedback import IngestJob
from assistant.errors import PlaybookError
from assistant.factory import Services
from integrations.http.deps import Admin, ServicesDep

router = APIRouter(tags=["ingest"])
log = logging.getLogger("playbook.http")


class IngestRequest(BaseModel):
    """What to ingest: paths on the server (default: the configured knowledge dir)."""

    model_config = ConfigDict(extra="forbid")

    paths: list[Annotated[str, Field(min_length=1, max_length=1000)]] = Field(default_factory=list, max_length=50)
    rebuild: bool = False


class JobNotFound(PlaybookError):
    """No ingest job with that id."""

    code = "job_not_found"


def run_job(services: Services, job_id: str, paths: list[Path], rebuild: bool) -> None:
    """Run one ingest job and record its outcome (never raises: the outcome is the job's status)."""
    from ingest.pipeline import pipeline_for

    jobs = services.crm.jobs
    jobs.update(job_id, status="running")
    try:
        summary = pipeline_for(services).run(paths, rebuild=rebuild)
        jobs.update(job_id, status="done", summary=summary.model_dump(mode="json"))
    except PlaybookError as exc:
        jobs.update(job_id, status="failed", error=f"{exc.code}: {exc.message}")
    except Exception as exc:  # noqa: BLE001 - a background job reports, it cannot raise to anyone
        log.exception("ingest job %s failed", job_id)
        jobs.update(job_id, status="failed", error=f"internal error: {type(exc).__name__}")


def _exists(path: Path) -> bool:
    """Whether ``path`` exists; a path the OS refuses to look up (a name too long, a NUL byte) does not."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


@router.post("/v1/ingest", response_model=IngestJob, status_code=202)
def start_ingest(body: IngestRequest, tasks: BackgroundTasks, services: ServicesDep, role: Admin) -> IngestJob:
    """Start an ingest in the background; poll ``GET /v1/ingest/{job}``."""
    paths = [Path(p) for p in body.paths] or [services.settings.knowledge_dir]
    missing = [str(p) for p in paths if not _exists(p)]
    if missing:
        from assistant.errors import SourceNotFound

        raise SourceNotFound(f"no such file or folder on the server: {missing[0][:200]}")
    job = services.crm.jobs.create([str(p) for p in paths], rebuild=body.rebuild)
    tasks.add_task(run_job, services, job.id, paths, body.rebuild)
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
