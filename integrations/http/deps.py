"""Dependencies routes declare: the services built at start-up, and the caller's role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.services import Services
from integrations.http.auth import KeyRing
from integrations.http.metrics import Metrics

_bearer = HTTPBearer(auto_error=False)


def get_services(request: Request) -> Services:
    """The services the lifespan built (one set per process)."""
    services: Services = request.app.state.services
    return services


def get_metrics(request: Request) -> Metrics:
    """This app's metrics."""
    metrics: Metrics = request.app.state.metrics
    return metrics


ServicesDep = Annotated[Services, Depends(get_services)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
ALL_ROLES = ("agent", "trainer", "qa", "admin")


def require(*roles: str) -> Callable[..., str]:
    """A dependency that authenticates the bearer key and checks its role; returns the role."""
    allowed = roles or ALL_ROLES

    def check(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
        if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
            raise HTTPException(401, "missing bearer API key", headers={"WWW-Authenticate": "Bearer"})
        keys: KeyRing = request.app.state.keys
        identity = keys.identity_of(credentials.credentials)
        if identity is None:
            raise HTTPException(401, "unknown API key", headers={"WWW-Authenticate": "Bearer"})
        role, user = identity
        request.state.role = role
        request.state.user = user
        if role not in allowed:
            raise HTTPException(403, f"the {role} role cannot use this route (needs {', '.join(allowed)})")
        return role

    return check


AnyRole = Annotated[str, Depends(require())]
Admin = Annotated[str, Depends(require("admin"))]
Drafter = Annotated[str, Depends(require("agent", "qa", "admin"))]
